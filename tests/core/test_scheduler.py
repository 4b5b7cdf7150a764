"""The live APScheduler loop: deadlines fire on time without polling; missed ones fire once at start."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime, timedelta, timezone

from bot.clock import FakeClock, SystemClock
from bot.wiring import build

from ..helpers import until as wait_for
from .helpers import RecordingTransport, msg

TOML = """
[defaults]
window = "0.4s"
escalate_after = "0.4s"
[people.alice]
slack = "UALICE"
[people.bob]
slack = "UBOB"
[[routes]]
platform = "slack"
channel = "C1"
chain = ["alice", "bob"]
"""


class Source:
    """The smallest possible source: contributes the recording DM transport."""

    name = "recording"

    def __init__(self) -> None:
        self.t = RecordingTransport()

    def transport(self):
        return self.t

    async def start(self, hub) -> None:
        pass

    async def stop(self) -> None:
        pass


async def test_deadlines_fire_on_time_through_apscheduler(make_settings, tracker):
    settings = make_settings(TOML)
    source = Source()
    app = build(settings, clock=SystemClock(), tracker=tracker, sources=[source])
    await app.scheduler.start()
    try:
        now = datetime.now(timezone.utc)
        app.watchdog.ingest(msg_at("1.0", now))
        await wait_for(lambda: source.t.recipients() == ["alice", "bob"])
        nudges = tracker.nudges_for(1)
        sent_at = [datetime.fromtimestamp(r["sent_at"], timezone.utc) for r in nudges]
        lateness = [(sent_at[0] - (now + timedelta(seconds=0.4))).total_seconds(), (sent_at[1] - sent_at[0]).total_seconds() - 0.4]
        assert all(-0.05 < x < 0.5 for x in lateness), lateness
    finally:
        app.scheduler.shutdown()


async def test_missed_deadlines_fire_once_at_start(make_settings, tracker):
    settings = make_settings(TOML.replace('window = "0.4s"', 'window = "1m"').replace('escalate_after = "0.4s"', 'escalate_after = "1h"'))
    start = datetime.now(timezone.utc)
    clock = FakeClock(start)
    source = Source()
    app = build(settings, clock=clock, tracker=tracker, sources=[source])
    app.watchdog.ingest(msg_at("1.0", start - timedelta(hours=3)))  # both steps' deadlines passed while down
    await app.scheduler.start()
    try:
        assert source.t.recipients() == ["alice"]  # at start-up, before anything else runs: once, not per missed step
        # Travel in time with the clock, running the deadline loop's own entry point as its timer would.
        clock.advance(timedelta(minutes=59))
        await app.scheduler.run_due()
        assert source.t.recipients() == ["alice"]  # bob's step is escalate_after (1h) after alice's nudge, not before
        clock.advance(timedelta(minutes=2))
        await app.scheduler.run_due()
        assert source.t.recipients() == ["alice", "bob"]
        assert [n["step"] for n in tracker.nudges_for(1)] == [0, 1]
    finally:
        app.scheduler.shutdown()


def msg_at(mid: str, when: datetime, author: str = "UMEMBER"):
    return replace(msg(mid, author, 0), at=when)


async def test_deadlines_that_pass_during_a_slow_send_are_not_lost(make_settings, tracker):
    """Regression: rescheduling the deadline job while it ran made APScheduler skip (lose) the run."""
    settings = make_settings(TOML.replace('window = "0.4s"', 'window = "0.2s"'))
    source = Source()
    original = source.t.deliver

    async def slow(*args):
        await asyncio.sleep(0.15)  # a slow platform: more deadlines pass meanwhile
        return await original(*args)

    source.t.deliver = slow
    app = build(settings, clock=SystemClock(), tracker=tracker, sources=[source])
    await app.scheduler.start()
    try:
        start = datetime.now(timezone.utc)
        for i in range(8):
            app.watchdog.ingest(msg_at(f"{i}.0", start + timedelta(milliseconds=30 * i), author=f"UMEMBER{i}"))
        await wait_for(lambda: len(source.t.recipients()) == 16, timeout=15)
    finally:
        app.scheduler.shutdown()


async def test_close_lets_a_tick_that_is_sending_finish_before_the_store_closes(make_settings, tracker):
    settings = make_settings(TOML.replace('window = "0.4s"', 'window = "0.1s"'))
    source = Source()
    original = source.t.deliver
    started = asyncio.Event()

    async def slow(*args):
        started.set()
        await asyncio.sleep(0.3)
        return await original(*args)

    source.t.deliver = slow
    app = build(settings, clock=SystemClock(), tracker=tracker, sources=[source])
    await app.scheduler.start()
    app.watchdog.ingest(msg_at("1.0", datetime.now(timezone.utc)))
    await asyncio.wait_for(started.wait(), 5)
    await app.scheduler.close()  # mid-send
    assert source.t.recipients() == ["alice"]
    assert tracker.audit_rows(kind="nudge")[0]["result"] == "sent"  # recorded before the store could close
