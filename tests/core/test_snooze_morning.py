""" "Snooze until morning" is the next 08:00 in the moderator's own zone, at least 3 h away (README: The DM and its buttons)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from bot.config import Person
from bot.policy import next_morning


def local(zone: str, *args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(zone))


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/Los_Angeles", "Asia/Kolkata", "Pacific/Auckland", "Pacific/Chatham"])
@pytest.mark.parametrize(
    ("now", "expected_day", "hours"),
    [
        ((1, 30), 0, 6.5),  # in the small hours: this morning, not 31.5 h away
        ((4, 59), 0, 3 + 1 / 60),
        ((5, 1), 1, 26 + 59 / 60),  # 08:00 is under 3 h away: tomorrow's
        ((7, 59), 1, 24 + 1 / 60),
        ((14, 0), 1, 18),
        ((23, 45), 1, 8.25),
    ],
)
def test_next_0800_in_their_zone(zone, now, expected_day, hours):
    person = Person(timezone=zone)
    at = local(zone, 2026, 1, 14, *now)
    got = next_morning(person, at.astimezone(timezone.utc))
    want = local(zone, 2026, 1, 14 + expected_day, 8, 0)
    assert got == want.astimezone(timezone.utc)
    assert got.astimezone(ZoneInfo(zone)).hour == 8
    assert (got - at).total_seconds() / 3600 == pytest.approx(hours)


def test_dst_nights_are_short_or_long_but_still_end_at_0800():
    berlin = Person(timezone="Europe/Berlin")
    # Spring forward (2026-03-29 02:00 -> 03:00): from 23:00 the night is 8 h, not 9.
    at = local("Europe/Berlin", 2026, 3, 28, 23, 0).astimezone(timezone.utc)
    assert next_morning(berlin, at) - at == timedelta(hours=8)
    # Fall back (2026-10-25 03:00 -> 02:00): from 01:30 it is 7.5 h.
    at = local("Europe/Berlin", 2026, 10, 25, 1, 30).astimezone(timezone.utc)
    got = next_morning(berlin, at)
    assert got - at == timedelta(hours=7, minutes=30) and got.astimezone(ZoneInfo("Europe/Berlin")).hour == 8
    # Sydney moves the other way on 2026-04-05 (03:00 -> 02:00).
    sydney = Person(timezone="Australia/Sydney")
    at = local("Australia/Sydney", 2026, 4, 5, 1, 0).astimezone(timezone.utc)
    assert next_morning(sydney, at) - at == timedelta(hours=8)


def test_the_same_instant_is_a_different_morning_for_each_person():
    at = datetime(2026, 1, 14, 9, 30, tzinfo=timezone.utc)  # 01:30 in LA, 10:30 in Berlin, 22:30 in Auckland
    assert next_morning(Person(timezone="America/Los_Angeles"), at) == datetime(2026, 1, 14, 16, 0, tzinfo=timezone.utc)
    assert next_morning(Person(timezone="Europe/Berlin"), at) == datetime(2026, 1, 15, 7, 0, tzinfo=timezone.utc)
    assert next_morning(Person(timezone="Pacific/Auckland"), at) == datetime(2026, 1, 14, 19, 0, tzinfo=timezone.utc)


def test_quiet_hours_ending_later_win():
    late = Person(timezone="Europe/Berlin", quiet_hours="23:00-09:30")
    at = local("Europe/Berlin", 2026, 1, 14, 1, 30).astimezone(timezone.utc)
    assert next_morning(late, at) == local("Europe/Berlin", 2026, 1, 14, 9, 30).astimezone(timezone.utc)


async def test_the_button_snoozes_to_the_clickers_own_morning(make_settings, tracker):
    """Through the hub, as a click arrives: 01:30 in Los Angeles snoozes to 08:00 there, 6.5 h later."""
    from bot import wiring
    from bot.clock import FakeClock
    from bot.outbound import button_id

    from .helpers import RecordingTransport

    settings = make_settings("""
[defaults]
window = "1h"
[people.lee]
slack = "ULEE"
timezone = "America/Los_Angeles"
[[routes]]
platform = "slack"
channel = "C1"
mode = "all"
chain = ["lee"]
""")
    clock = FakeClock(local("America/Los_Angeles", 2026, 1, 14, 0, 20).astimezone(timezone.utc))
    app = wiring.build(settings, clock=clock, tracker=tracker, sources=[])
    app.door.add_transport(RecordingTransport())
    app.watchdog.ingest(_asked(clock.now()))
    clock.advance(timedelta(minutes=70))  # 01:30 local
    await app.watchdog.tick()
    outcome = await app.hub.handle_button("slack", "ULEE", button_id("snooze:morning", 1))
    assert outcome == "Snoozed by lee until Wed 14 Jan 08:00 (America/Los_Angeles)."
    due = tracker.question(1).next_due
    assert due == local("America/Los_Angeles", 2026, 1, 14, 8, 0).astimezone(timezone.utc)
    assert due - clock.now() == timedelta(hours=6, minutes=30)


def _asked(at: datetime):
    from bot.events import Message

    return Message(id="1.0", author="UMEMBER", at=at, text="How do I reset my password?", platform="slack", channel="C1")
