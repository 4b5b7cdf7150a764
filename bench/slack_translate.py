"""Slack figures: events/s through the pure translate path, and a catch-up of N missed messages.

    python bench/slack_translate.py [N]        (default 200,000 events to translate; catch-up uses N/20)

Translate: realistic Events API payloads (top-level posts, thread replies, edits,
reactions, joins) through ``adapters.slack.translate.event``; the reference is
``json.loads`` of the same payloads (what receiving them costs anyway).
Catch-up: the real SlackSource (slack_sdk over HTTP) against the tests' fake Slack
on loopback: history pages, conversations.replies per thread, users.info, and the
core applying it all in one transaction.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from common import row, say, settings_from, tracked  # importing common puts the repo on sys.path
from pydantic import SecretStr

from adapters.slack import translate
from adapters.slack.inbound import SlackSource
from bot.clock import FakeClock
from bot.store import Tracker
from bot.wiring import build
from tests.adapters.slack.fake_slack import FakeSlack

T0 = 1767607200  # 2026-01-05 10:00 UTC
CHANNEL = "C0HELP0001"
WORDS = "how do i get the build to work on arm64 with docker compose error when running tests again".split()


def payloads(n: int, seed: int = 7) -> list[str]:
    rnd = random.Random(seed)
    out, roots = [], []
    for i in range(n):
        stamp = f"{T0 + i}.{i % 1_000_000:06d}"
        text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(4, 30)))
        user = f"U{rnd.randint(1, 2000):08d}"
        kind = rnd.random()
        base = {
            "type": "message",
            "channel": CHANNEL,
            "user": user,
            "text": text,
            "ts": stamp,
            "event_ts": stamp,
            "channel_type": "channel",
            "team": "T0ACME001",
        }
        if kind < 0.70 or not roots:
            evt = base
            roots.append(stamp)
        elif kind < 0.90:
            evt = base | {"thread_ts": rnd.choice(roots[-50:]), "parent_user_id": "U00000001"}
        elif kind < 0.95:
            target = rnd.choice(roots[-50:])
            evt = {
                "type": "message",
                "subtype": "message_changed",
                "hidden": True,
                "channel": CHANNEL,
                "ts": stamp,
                "event_ts": stamp,
                "message": {"type": "message", "user": user, "text": text, "ts": target, "edited": {"user": user, "ts": stamp}},
            }
        elif kind < 0.98:
            evt = {
                "type": "reaction_added",
                "user": user,
                "reaction": "eyes",
                "item_user": user,
                "item": {"type": "message", "channel": CHANNEL, "ts": rnd.choice(roots[-50:])},
                "event_ts": stamp,
            }
        else:
            evt = base | {"subtype": "channel_join", "text": f"<@{user}> has joined the channel"}
        out.append(json.dumps(evt))
    return out


def bench_translate(n: int) -> None:
    raw = payloads(n)
    ctx = translate.Context(workspace_url="https://acme.slack.com/", channel_names={CHANNEL: "help"})
    t0 = time.perf_counter()
    parsed = [json.loads(p) for p in raw]
    parse_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    produced = 0
    for evt in parsed:
        produced += len(translate.event(evt, ctx))
    took = time.perf_counter() - t0
    say(f"translated {n:,} Slack events into {produced:,} core events")
    row("slack translate (events/s)", n / took, "events/s", reference=f"json.loads alone: {n / parse_s:,.0f}/s")


async def bench_catch_up(n: int, threads: int) -> None:
    fake = await FakeSlack(staff_users={"U0ALICE01"}).start()
    fake.add_channel(CHANNEL, "help")
    rnd = random.Random(3)
    for u in range(50):
        fake.add_user(f"U{u:08d}", f"member{u}")
    roots = []
    for i in range(n - threads):
        stamp = f"{T0 + i}.000000"
        fake.messages[CHANNEL].append({"type": "message", "user": f"U{rnd.randrange(50):08d}", "text": "how do i fix this error?", "ts": stamp})
        roots.append(stamp)
    for j in range(threads):
        root = roots[j * (len(roots) // threads)]
        fake.history_add(CHANNEL, {"type": "message", "user": f"U{rnd.randrange(50):08d}", "text": "try this", "ts": f"{T0 + n + j}.000000", "thread_ts": root})
    toml = f"""
[people.alice]
slack = "U0ALICE01"
[[routes]]
platform = "slack"
channel = "#help"
mode = "detect"
window = "100d"
chain = ["alice"]
[slack]
api_url = "{fake.api_url}"
"""
    settings = settings_from(toml)  # read with an empty environment: the tokens go in here
    tokens = {"bot_token": SecretStr("xoxb-bench"), "app_token": SecretStr("xapp-bench")}
    settings = settings.model_copy(update={"slack": settings.slack.model_copy(update=tokens)})
    with tempfile.TemporaryDirectory() as tmp:
        tracker = Tracker(Path(tmp) / "catchup.db")
        clock = FakeClock(datetime.fromtimestamp(T0 + n + threads + 60, timezone.utc))
        source = SlackSource(settings)
        app = build(settings, clock=clock, tracker=tracker, sources=[source])
        t0 = time.perf_counter()
        await source.start(app.hub)
        took = time.perf_counter() - t0
        split = source.last_catch_up
        stored, questions, answered = tracked(tracker)
        await source.stop()
        tracker.close()
    calls = len(fake.calls)
    await fake.close()
    say(f"catch-up: {stored:,} messages stored, {questions:,} questions ({answered:,} answered in threads), {calls:,} API calls")
    row(
        f"slack catch-up of {n:,} messages ({threads:,} threads)",
        took,
        "s",
        reference=f"{n / took:,.0f} messages/s; {split['fetch_s']:.2f}s reading Slack, {split['apply_s']:.2f}s applying in the core",
    )


def main() -> None:
    logging.disable(logging.WARNING)
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 200_000))
    bench_translate(n)
    catch = max(1000, n // 20)
    asyncio.run(bench_catch_up(catch, threads=catch // 20))


if __name__ == "__main__":
    main()
