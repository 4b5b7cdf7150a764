"""Newcomers for real: a greeting just before asking does not make a regular, and a short memory is said out loud."""

from __future__ import annotations

from datetime import timedelta

from bot import digest, digest_render, replay
from bot.events import Message

from .test_digest import MON, period, settings  # noqa: F401  (the fixture)


def msg(mid: str, author: str, at, text: str) -> Message:
    return Message(platform="slack", channel="C1", id=mid, author=author, at=at, text=text, channel_name="help")


async def test_hi_a_minute_before_is_still_a_first_time_asker(settings, tracker):  # noqa: F811
    events = [
        msg("old", "UREG", MON - timedelta(days=2), "morning all"),
        msg("h1", "UNEW", MON + timedelta(hours=10), "hi everyone!"),
        msg("q1", "UNEW", MON + timedelta(hours=10, minutes=1), "How do I export my patches to USB?"),
        msg("q2", "UREG", MON + timedelta(hours=11), "How do I reset the sequencer?"),
    ]
    await replay.run(events, settings, tracker)
    first = {q.msg_id: q.first_time for q in tracker.questions()}
    assert (first["q1"], first["q2"]) == (True, False)  # (the route is mode "all": every post is a question)


async def test_the_digest_says_when_the_trackers_memory_is_too_short(settings, tracker):  # noqa: F811
    events = [msg("q1", "U1", MON + timedelta(hours=10), "How do I export my patches to USB?"),
              msg("r1", "U2", MON + timedelta(hours=10, minutes=5), "menu, export")]
    await replay.run(events, settings, tracker)
    d = digest.compute(tracker, settings, period("2026-W02", settings))
    assert d.fairness.memory_days == 0 and d.fairness.memory_too_short
    text = digest_render.text(d)
    assert "The tracker had only 0 days of history before this week" in text and "may be regulars" in text
    assert d.to_json()["fairness"]["memory_too_short"] is True


async def test_a_long_memory_needs_no_caveat(settings, tracker):  # noqa: F811
    events = [msg("x", "U9", MON - timedelta(days=60), "hello there"),
              msg("q1", "U1", MON + timedelta(hours=10), "How do I export my patches to USB?"),
              msg("q2", "U9", MON + timedelta(hours=12), "How do I reset the sequencer?")]
    await replay.run(events, settings, tracker)
    d = digest.compute(tracker, settings, period("2026-W02", settings))
    assert 59 < d.fairness.memory_days < 61 and not d.fairness.memory_too_short
    assert "may be regulars" not in digest_render.text(d)
