"""A crash between audit and send, then a config change: the pending DM goes to nobody who is no longer staff,
and the step it carried goes to the next person on the chain (the escalation goes on, exactly once).

The real bot process is SIGKILLed by the door's crash point right after the nudge to
alice is audited (nothing sent). Before the restart alice is removed from [people], or
her Slack id changes. The restarted bot settles the pending row without sending it (and
without even opening a DM with the old id): the row is closed "recipient no longer
staff". The fake Slack takes its staff from the new config, so a DM to the old id would
be a violation as well. Bob, next on the chain, gets that nudge right away (not after
another escalation delay, and not never): one DM, with one audit row.
"""

from __future__ import annotations

import asyncio
import signal
import sqlite3

import pytest

from bot.config import load_settings

from .crash import ALICE, BOB, CONFIG, HELP, MEMBERS, Trial

ALICE_NEW = "U0ALICE02"
WITHOUT_ALICE = CONFIG.replace('[people.alice]\ndisplay_name = "Alice"\nslack = "{alice}"\n\n', "").replace('chain = ["alice", "bob"]', 'chain = ["bob"]')


def audit(db) -> list[tuple[str, str, str, str]]:
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
        return [tuple(r) for r in conn.execute("SELECT kind, person, address, result FROM audit ORDER BY id")]


@pytest.mark.parametrize("change", ["removed", "re-addressed"])
async def test_a_pending_dm_is_not_resent_to_someone_no_longer_staff(tmp_path, change):
    trial = Trial(tmp_path, kills=0)
    fake = trial.fake
    await fake.start()
    try:
        fake.add_channel(HELP, "help")
        for uid, name in ((MEMBERS[0], "Member"), (ALICE, "Alice"), (ALICE_NEW, "Alice"), (BOB, "Bob")):
            fake.add_user(uid, name)
        trial.config.write_text(CONFIG.format(alice=ALICE, bob=BOB, db=trial.db, api=fake.api_url))
        fake.use_config(load_settings(trial.config)[0])

        proc = await trial._launch("after-audit:1")
        assert await trial._until(lambda: fake.hellos >= 1, 30), "the bot did not connect"
        await trial._post({"type": "message", "user": MEMBERS[0], "text": "How do I rotate the API key?", "ts": trial._ts()})
        assert await trial._until(lambda: proc.returncode is not None, 30), "the door's crash point was not reached"
        assert proc.returncode == -signal.SIGKILL
        assert audit(trial.db) == [("nudge", "alice", ALICE, "pending")]  # audited, never sent
        assert not fake.called("chat.postMessage")

        if change == "removed":
            trial.config.write_text(WITHOUT_ALICE.format(bob=BOB, db=trial.db, api=fake.api_url))
        else:
            trial.config.write_text(CONFIG.format(alice=ALICE_NEW, bob=BOB, db=trial.db, api=fake.api_url))
        fake.use_config(load_settings(trial.config)[0])
        assert ALICE not in fake.staff_users

        proc = await trial._launch()
        try:
            handed_on = await trial._until(lambda: len(audit(trial.db)) >= 2 and audit(trial.db)[1][3] == "sent", 30)
            await asyncio.sleep(1.5)  # past the 1 s escalation delay: a second nudge to bob would show now
        finally:
            proc.send_signal(signal.SIGTERM)
            await proc.wait()
        assert handed_on, audit(trial.db)
        assert audit(trial.db) == [
            ("nudge", "alice", ALICE, "failed-permanent: recipient no longer staff"),
            ("nudge", "bob", BOB, "sent"),
        ]
        assert ALICE not in fake.dms and ALICE_NEW not in fake.dms  # no DM opened with either id
        assert [c.args.get("users") for c in fake.called("conversations.open")] == [BOB]
        posts = fake.called("chat.postMessage")
        assert [c.args.get("channel") for c in posts] == [fake.dms[BOB]]  # exactly once, to bob
        assert fake.violations == []
    finally:
        await fake.close()
