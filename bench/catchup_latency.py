"""Ack latency during a big catch-up: how long the event loop is kept from answering.

    python bench/catchup_latency.py [N]        (default 10,000 missed Slack messages)

The real SlackSource (slack_sdk over HTTP, Socket Mode) catches up N messages from the
tests' fake Slack on loopback while a probe asks the loop for a turn every 10 ms and records
how late each turn comes. A Socket Mode ack (or a button click) waits exactly that long
behind the catch-up, so the p99 of the lateness is the ack latency the catch-up adds
(Slack's limit: 3 s; goal <= 1 s). Before issue 13 the whole catch-up was one transaction
on the loop (about 1.9 s for 10k events); the ingest gate applies it 500 events at a time.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from common import row, say, settings_from, tracked  # importing common puts the repo on sys.path
from pydantic import SecretStr

from adapters.slack.inbound import SlackSource
from bot.clock import FakeClock
from bot.store import Tracker
from bot.wiring import build
from tests.adapters.slack.fake_slack import FakeSlack

T0 = 1767607200  # 2026-01-05 10:00 UTC
CHANNEL = "C0HELP0001"
PROBE = 0.01


async def probe(lags: list[float], stop: asyncio.Event) -> None:
    while not stop.is_set():
        start = time.perf_counter()
        await asyncio.sleep(PROBE)
        lags.append(max(0.0, time.perf_counter() - start - PROBE))


async def bench(n: int) -> None:
    fake = await FakeSlack(staff_users={"U0ALICE01"}).start()
    fake.add_channel(CHANNEL, "help")
    for u in range(50):
        fake.add_user(f"U{u:08d}", f"member{u}")
    for i in range(n):
        fake.messages[CHANNEL].append({"type": "message", "user": f"U{i % 50:08d}", "text": "how do i fix this error?", "ts": f"{T0 + i}.000000"})
    toml = f"""
[people.alice]
slack = "U0ALICE01"
[[routes]]
platform = "slack"
channel = "#help"
mode = "all"
window = "100d"
chain = ["alice"]
[slack]
api_url = "{fake.api_url}"
"""
    settings = settings_from(toml)
    tokens = {"bot_token": SecretStr("xoxb-bench"), "app_token": SecretStr("xapp-bench")}
    settings = settings.model_copy(update={"slack": settings.slack.model_copy(update=tokens)})
    with tempfile.TemporaryDirectory() as tmp:
        tracker = Tracker(Path(tmp) / "catchup.db")
        clock = FakeClock(datetime.fromtimestamp(T0 + n + 60, timezone.utc))
        source = SlackSource(settings)
        app = build(settings, clock=clock, tracker=tracker, sources=[source])
        lags: list[float] = []
        stop = asyncio.Event()
        prober = asyncio.create_task(probe(lags, stop))
        t0 = time.perf_counter()
        await source.start(app.hub)
        took = time.perf_counter() - t0
        apply_s = source.last_catch_up.get("apply_s", 0.0)
        stop.set()
        await prober
        stored, questions, _ = tracked(tracker)
        await source.stop()
        tracker.close()
    await fake.close()
    lags.sort()
    p99 = lags[min(len(lags) - 1, int(len(lags) * 0.99))] if lags else float("nan")
    say(f"catch-up of {n:,} messages: {stored:,} stored, {questions:,} questions, {took:.2f}s in all, {apply_s:.2f}s applying; {len(lags)} loop probes")
    row(
        f"ack latency p99 during a {n:,}-message Slack catch-up",
        p99,
        "s",
        reference=f"max {max(lags):.3f}s, median {statistics.median(lags):.4f}s; whole catch-up {took:.2f}s",
        target="<= 1 s",
    )


def main() -> None:
    logging.disable(logging.WARNING)
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 10_000))
    asyncio.run(bench(n))


if __name__ == "__main__":
    main()
