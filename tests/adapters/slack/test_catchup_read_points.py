"""Issue 13 (crash trials): what was said while the bot was down is read, even in a channel with
nothing stored yet, and a channel whose history could not be read is still re-read after a crash."""

from __future__ import annotations

from datetime import timedelta

from adapters.slack.inbound import SlackSource
from bot.ingest_gate import PENDING_KEY
from bot.wiring import build

from .conftest import eventually
from .payloads import HELP, message, ts


async def test_a_run_that_stored_nothing_does_not_shrink_the_look_back(fake, start_slack, clock, tracker):
    """First start reads one window back; it dies before anything is stored. Three hours later the
    next start must read from that same point, not from "one window before now"."""
    _, first = await start_slack()
    await first.stop()  # the process dies: nothing was stored for #help
    assert tracker.questions() == []
    fake.history_add(HELP, message("Is the export broken since the upgrade?", channel=None, when=ts(30)))
    clock.advance(timedelta(hours=3))  # down for three hours; the window is one
    await start_slack()
    assert [q.msg_id for q in tracker.questions()] == [ts(30)]


async def test_a_quiet_channel_reads_from_the_last_catch_up_not_from_one_window_back(fake, start_slack, clock, tracker):
    _, first = await start_slack()
    clock.advance(timedelta(minutes=10))
    await first.catch_up()  # a reconnect: read, nothing there, the read point moves on
    await first.stop()
    clock.advance(timedelta(hours=5))
    fake.history_add(HELP, message("Anyone around?", channel=None, when=ts(60)))
    await start_slack()
    assert [q.msg_id for q in tracker.questions()] == [ts(60)]


async def test_a_history_gap_survives_a_crash_after_newer_live_events_were_stored(fake, start_slack, slack_settings, clock, tracker):
    """The history read fails (gap); a newer live event is then stored, moving the resume point past
    the unread message; the process dies before the retry. The next start must still read it."""
    fake.history_add(HELP, message("Older question", channel=None, when=ts(-5)))
    fake.faults["conversations.history"] = ["500"] * 9  # the first catch-up cannot read #help
    first = SlackSource(slack_settings())
    first.catch_up_retry = 3600.0  # the retry would come after the crash
    app = build(first.settings, clock=clock, tracker=tracker, sources=[first])
    await first.start(app.hub)
    assert first.port.gate.gap(HELP) is not None
    assert first.port.state(PENDING_KEY)  # the gap is on disk, not only in memory
    newer = message("Newer question", when=ts(1))
    fake.history_add(HELP, dict(newer, channel=None))
    await fake.push_event(newer)
    await eventually(lambda: any(q.msg_id == ts(1) for q in tracker.questions()))
    await first.stop()  # killed before the retry
    fake.faults.pop("conversations.history", None)
    await start_slack()
    assert sorted(q.msg_id for q in tracker.questions()) == sorted([ts(-5), ts(1)])
    assert app.hub.chat_port("slack").state(PENDING_KEY) in ({}, None)
