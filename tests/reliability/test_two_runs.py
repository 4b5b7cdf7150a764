"""Issue 13: two real `unanswered run` processes on one database (a deploy overlap). The second exits 2
at once, naming the first's pid; the first goes on, and every due step reaches the staff exactly once.

Both are real processes (`python -m bot run -c <config>`) against the fake Slack of the adapter tests
on 127.0.0.1, with the crash trials' config (2 s windows, 1 s escalation), so nudges fall due in seconds.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import sys
import time
from collections import Counter
from pathlib import Path

from bot.config import load_settings
from tests.adapters.slack.fake_slack import FakeSlack

from .crash import ALICE, BOB, CONFIG, HELP, MEMBERS, ROOT


async def launch(config: Path) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNANSWERED_")}
    env.update(PYTHONPATH=str(ROOT), UNANSWERED_SLACK__BOT_TOKEN="xoxb-two-runs", UNANSWERED_SLACK__APP_TOKEN="xapp-two-runs", PYTHONUNBUFFERED="1")
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "-c",
        str(config),
        cwd=str(ROOT),
        env=env,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )


def nudge_keys(fake: FakeSlack) -> Counter[str]:
    keys: Counter[str] = Counter()
    for (channel, _), msg in fake.posted.items():
        key = ((msg.get("metadata") or {}).get("event_payload") or {}).get("key", "")
        if channel.startswith("D") and key.startswith("nudge:"):
            keys[key] += 1
    return keys


async def test_a_second_run_on_the_same_database_exits_2_naming_the_first_and_nothing_is_sent_twice(tmp_path):
    fake = await FakeSlack().start()
    db, config = tmp_path / "shared.db", tmp_path / "unanswered.toml"
    first = second = None
    try:
        fake.add_channel(HELP, "help")
        for uid in (*MEMBERS, ALICE, BOB):
            fake.add_user(uid, uid[2:].title())
        config.write_text(CONFIG.format(alice=ALICE, bob=BOB, db=db, api=fake.api_url))
        fake.use_config(load_settings(config)[0])

        first = await launch(config)
        await fake.wait_for(lambda: fake.hellos > 0 and fake.called("conversations.history"), 30)  # connected, caught up
        second = await launch(config)
        out, _ = await asyncio.wait_for(second.communicate(), 60)
        text = out.decode()
        assert second.returncode == 2, text
        assert f"pid={first.pid}" in text and "Traceback" not in text, text
        assert first.returncode is None  # the first one is untouched

        asked = []
        for n, member in enumerate(MEMBERS[:3], start=1):  # three questions nobody answers
            ts = f"{time.time():.6f}"
            asked.append(ts)
            msg = {"type": "message", "user": member, "text": f"Question {n}: how do I fix error {n}?", "ts": ts}
            fake.history_add(HELP, dict(msg))
            await fake.push_event(dict(msg, channel=HELP, event_ts=ts, channel_type="channel"))
        # Each question: alice after 2 s, bob 1 s later (the chain of the config): six DMs.
        await fake.wait_for(lambda: sum(nudge_keys(fake).values()) >= 6, 30)
        await asyncio.sleep(1.5)  # a little longer: a duplicate, if any, would arrive now
    finally:
        for proc in (first, second):
            if proc is not None and proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    await asyncio.wait_for(proc.wait(), 10)
                except asyncio.TimeoutError:
                    proc.kill()
                    await proc.wait()
        await fake.close()
    keys = nudge_keys(fake)
    assert len(keys) == 6 and set(keys.values()) == {1}, keys
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        audit = Counter(row[0] for row in conn.execute("SELECT key FROM audit WHERE kind = 'nudge' AND result = 'sent'"))
        questions = conn.execute("SELECT COUNT(*) FROM questions").fetchone()[0]
    assert audit == keys and questions == 3
    assert not fake.violations
