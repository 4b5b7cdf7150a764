"""Quiet hours and wake-up times across time zones and DST."""

from __future__ import annotations

from datetime import datetime, timezone

from bot.config import Person
from bot.policy import is_quiet, next_morning, route_for, wakes_at


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


BERLIN_NIGHTS = Person(timezone="Europe/Berlin", quiet_hours="22:00-08:00")


def test_quiet_hours_cross_midnight_in_local_time():
    assert is_quiet(BERLIN_NIGHTS, utc(2026, 1, 5, 21, 30))  # 22:30 in Berlin (CET)
    assert is_quiet(BERLIN_NIGHTS, utc(2026, 1, 6, 6, 59))  # 07:59
    assert not is_quiet(BERLIN_NIGHTS, utc(2026, 1, 6, 7, 0))  # 08:00
    assert not is_quiet(BERLIN_NIGHTS, utc(2026, 1, 5, 20, 59))  # 21:59


def test_daytime_span_and_none():
    lunch = Person(timezone="UTC", quiet_hours="12:00-13:00")
    assert is_quiet(lunch, utc(2026, 1, 5, 12, 30)) and not is_quiet(lunch, utc(2026, 1, 5, 13, 0))
    assert not is_quiet(Person(), utc(2026, 1, 5, 3, 0))


def test_wakes_at_the_local_end_of_quiet_hours():
    assert wakes_at(BERLIN_NIGHTS, utc(2026, 1, 5, 23, 0)) == utc(2026, 1, 6, 7, 0)
    assert wakes_at(BERLIN_NIGHTS, utc(2026, 1, 5, 12, 0)) == utc(2026, 1, 5, 12, 0)  # awake already


def test_wake_time_across_the_spring_dst_change():
    # Berlin moves to CEST on 2026-03-29: 08:00 local that morning is 06:00 UTC, not 07:00.
    assert wakes_at(BERLIN_NIGHTS, utc(2026, 3, 28, 23, 0)) == utc(2026, 3, 29, 6, 0)


def test_snooze_until_morning_respects_quiet_hours():
    owl = Person(timezone="America/New_York", quiet_hours="00:00-10:00")
    # Asked 15:00 New York on Jan 5: tomorrow 08:00 is still quiet for this person → 10:00 local.
    assert next_morning(owl, utc(2026, 1, 5, 20, 0)) == utc(2026, 1, 6, 15, 0)


def test_routes_match_by_id_then_name(make_settings):
    settings = make_settings('[[routes]]\nplatform = "slack"\nchannel = "#Help"\n[[routes]]\nplatform = "slack"\nchannel = "C9"\n')
    assert route_for(settings, "slack", "C1", "help").channel == "#Help"
    assert route_for(settings, "slack", "C9", "whatever").channel == "C9"
    assert route_for(settings, "discord", "C1", "help") is None
