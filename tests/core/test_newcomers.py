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
    events = [
        msg("q1", "U1", MON + timedelta(hours=10), "How do I export my patches to USB?"),
        msg("r1", "U2", MON + timedelta(hours=10, minutes=5), "menu, export"),
    ]
    await replay.run(events, settings, tracker)
    d = digest.compute(tracker, settings, period("2026-W02", settings))
    assert d.fairness.memory_days == 0 and d.fairness.memory_too_short
    text = digest_render.text(d)
    assert "The tracker had only 0 days of history before this week" in text and "may be regulars" in text
    assert d.to_json()["fairness"]["memory_too_short"] is True


async def test_a_long_memory_needs_no_caveat(settings, tracker):  # noqa: F811
    events = [
        msg("x", "U9", MON - timedelta(days=60), "hello there"),
        msg("q1", "U1", MON + timedelta(hours=10), "How do I export my patches to USB?"),
        msg("q2", "U9", MON + timedelta(hours=12), "How do I reset the sequencer?"),
    ]
    await replay.run(events, settings, tracker)
    d = digest.compute(tracker, settings, period("2026-W02", settings))
    assert 59 < d.fairness.memory_days < 61 and not d.fairness.memory_too_short
    assert "may be regulars" not in digest_render.text(d)


async def test_a_member_who_joined_long_ago_is_no_newcomer_even_unseen(settings, tracker):  # noqa: F811
    """Discord says when each member joined: a fresh install does not make a two-year member "new"."""
    at = MON + timedelta(hours=10)
    events = [
        Message(platform="discord", channel="D1", id="1", author="U_OLD", at=at, text="How do I sync the clock?", author_joined_at=MON - timedelta(days=700)),
        Message(
            platform="discord",
            channel="D1",
            id="2",
            author="U_NEW",
            at=at + timedelta(minutes=1),
            text="How do I update?",
            author_joined_at=MON - timedelta(days=2),
        ),
        Message(platform="discord", channel="D1", id="3", author="U_UNKNOWN", at=at + timedelta(minutes=2), text="Where are logs?"),
    ]
    await replay.run(events, settings, tracker)
    assert {q.author: q.first_time for q in tracker.questions()} == {"U_OLD": False, "U_NEW": True, "U_UNKNOWN": True}


def test_discord_messages_carry_the_members_join_date():
    from datetime import datetime, timezone

    from adapters.discord import translate
    from tests.adapters.discord.fake_discord import FakeDiscord, snowflake, user

    fake = FakeDiscord()
    fake.text_channel("910000000000000001", "help")
    payload = fake.message("910000000000000001", snowflake(MON), user("600000000000000001", "newbie"), "How do I update?")
    assert translate.message(payload).author_joined_at == datetime(2025, 1, 1, tzinfo=timezone.utc)
    payload["member"]["joined_at"] = "not a date"
    assert translate.message(payload).author_joined_at is None
    del payload["member"]  # REST history has no member
    assert translate.message(payload).author_joined_at is None
