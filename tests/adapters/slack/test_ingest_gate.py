"""Issue 13: a slow lookup never reorders events (real slack-bolt against the fake Slack), and the gate itself."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.events import Message
from bot.ingest_gate import IngestGate

from ..slack.conftest import eventually
from .payloads import HELP as HELP_CHANNEL
from .payloads import HELPER, message, ts


async def test_a_reply_that_overtakes_its_question_ends_answered_with_no_dm(fake, start_slack, clock, tracker):
    app, _ = await start_slack()
    await fake.connected()
    fake.faults["users.info"] = ["slow"]  # the asker's lookup (the first) takes 0.3 s
    fake.slow_seconds = 0.3
    asked = ts(1)
    await fake.push_event(message("How do I export my data?", when=asked))
    await fake.push_event(message("Settings → Export", user=HELPER, when=ts(2), thread_ts=asked))
    q = await eventually(lambda: next((q for q in tracker.questions() if q.msg_id == asked and q.answered_at), None))
    assert q.answered_by == HELPER and ("users.info", "slow") in fake.injected
    clock.advance(timedelta(hours=3))
    assert await app.watchdog.tick() == 0
    assert fake.called("chat.postMessage") == []


def _msg(mid: str, at_s: int) -> Message:
    from ...core.helpers import at

    return Message(platform="slack", channel="C1", id=mid, author="U1", at=at(at_s), text="x")


async def test_the_gate_keeps_arrival_order_per_channel_and_releases_held_events_in_time_order():
    applied: list[str] = []
    gate = IngestGate("t", lambda e: applied.append(e.id), lambda es: applied.extend(e.id for e in es), lambda ok, d: None, chunk=2)

    async def slow(e: Message, delay: float):
        await asyncio.sleep(delay)
        return [e]

    await asyncio.gather(gate.submit("C1", lambda: slow(_msg("a", 1), 0.05)), gate.submit("C1", lambda: slow(_msg("b", 2), 0)))
    assert applied == ["a", "b"]
    applied.clear()
    async with gate.catching_up():
        gate.accept([_msg("late", 9), _msg("early", 3)])
        assert applied == []
        await gate.apply([_msg("h1", 1), _msg("h2", 2), _msg("h3", 4)])
    assert applied == ["h1", "h2", "h3", "early", "late"]


async def test_slack_unreachable_at_start_keeps_retrying_then_every_due_nudge_is_sent_once(fake, slack_settings, clock, tracker):
    """No network at boot: start() returns (the other sources run), health says failing, and the
    source connects by itself once Slack answers (fast back-off instead of real 30 s waits)."""
    from adapters.slack.inbound import SlackSource
    from bot.wiring import build

    fake.faults["auth.test"] = ["drop"] * 9  # each connect attempt: one call + 2 retries by slack_sdk
    fake.history_add(HELP_CHANNEL, message("Why does the CLI crash on start?", channel=None, when=ts(1)))
    source = SlackSource(slack_settings())
    source.connect_retry = 0.05
    app = build(source.settings, clock=clock, tracker=tracker, sources=[source])
    try:
        await source.start(app.hub)  # returns without raising
        assert not app.hub.health["slack"].ok and "cannot reach Slack" in app.hub.health["slack"].detail
        await eventually(lambda: app.hub.health["slack"].ok and tracker.questions(), timeout=20)
        clock.advance(timedelta(hours=2))
        assert await app.watchdog.tick() == 1
        clock.advance(timedelta(minutes=5))
        assert await app.watchdog.tick() == 0
        assert len(fake.called("chat.postMessage")) == 1
    finally:
        await source.stop()


async def test_crash_then_history_errors_then_150_dms_to_one_moderator_sends_nothing_twice(fake, start_slack, clock, tracker, monkeypatch):
    """The settle check pages back to the audit row's time: 150 later DMs cannot hide the key."""
    from adapters.slack import outbound
    from bot.outbound import Note

    monkeypatch.setattr(outbound, "HISTORY_PAGE", 40)  # the key is four pages back

    app, _ = await start_slack()
    door = app.door
    alice = door.person("alice")
    first = await door.send(alice, Note(kind="notice", title="first"), key="nudge:crash:0")
    assert first.ok
    # The crash: the DM went out but its result was never recorded.
    with tracker.transaction():
        tracker.conn.execute("UPDATE audit SET result = 'pending' WHERE key = 'nudge:crash:0'")
    for i in range(150):
        clock.advance(timedelta(seconds=1))
        assert (await door.send(alice, Note(kind="notice", title=f"later {i}"), key=f"notice:{i}")).ok
    fake.faults["conversations.history"] = ["500"] * 9  # the history cannot be read for a while
    resent = 0
    for _ in range(6):
        resent += await door.resume_pending()
        if not tracker.pending_audit():
            break
    assert tracker.pending_audit() == [] and resent == 0
    keys = [c.args.get("metadata") for c in fake.called("chat.postMessage")]
    assert sum("nudge:crash:0" in str(k) for k in keys) == 1 and len(keys) == 151
    reads = fake.called("conversations.history")
    assert len([c for c in reads if c.args.get("cursor")]) >= 3 and ("conversations.history", "500") in fake.injected


def test_no_newer_event_of_a_channel_is_stored_before_its_gap_is_on_disk():
    """A refused event opens a gap; while the gap cannot be saved, newer events of that channel are
    not stored (they would move its resume point past the refused one); other channels go on."""
    from bot.store import StoreError

    applied: list[str] = []
    saved: list[dict[str, str]] = []
    refuse = {"ingest": True, "save": True}

    def ingest(e: Message) -> None:
        if refuse["ingest"]:
            raise StoreError("database is locked")
        applied.append(e.id)

    def save(points: dict[str, str]) -> None:
        if refuse["save"]:
            raise StoreError("database is locked")
        saved.append(points)

    gate = IngestGate("t", ingest, lambda es: None, lambda ok, d: None)
    gate.save_pending = save
    gate.accept([_msg("refused", 1)])
    refuse["ingest"] = False
    gate.accept([_msg("newer", 2), Message(platform="slack", channel="C2", id="elsewhere", author="U1", at=_msg("x", 3).at, text="x")])
    assert applied == ["elsewhere"] and gate.gap("C1") is not None  # C1's gap is not durable yet: "newer" waits for history
    refuse["save"] = False
    gate.accept([_msg("newest", 4)])
    assert applied == ["elsewhere", "newest"] and saved and "C1" in saved[-1]  # saved first, then stored
