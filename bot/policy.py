"""Who is nudged, and when: windows, escalation chains, quiet hours, time zones.

Pure functions of (settings, route, question state, now): no I/O, so every rule
is tested by travelling in time with plain datetimes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from .config import Person, Route, Settings


def is_quiet(person: Person, at: datetime) -> bool:
    """Is ``at`` inside the person's quiet hours, in their own time zone?"""
    if person.quiet_hours is None:
        return False
    local = at.astimezone(ZoneInfo(person.timezone)).time().replace(tzinfo=None)
    start, end = person.quiet_hours.start, person.quiet_hours.end
    if start == end:
        return False
    if start < end:
        return start <= local < end
    return local >= start or local < end  # spans midnight, e.g. 22:00-08:00


def wakes_at(person: Person, at: datetime) -> datetime:
    """The first instant at or after ``at`` outside the person's quiet hours (UTC)."""
    if not is_quiet(person, at):
        return at
    assert person.quiet_hours is not None
    zone = ZoneInfo(person.timezone)
    local = at.astimezone(zone)
    end = person.quiet_hours.end
    candidate = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate += timedelta(days=1)
    # Re-localise the wall time: across a DST change "08:00 tomorrow" is not 24h away.
    candidate = datetime.combine(candidate.date(), end, tzinfo=zone)
    return candidate.astimezone(timezone.utc)


MORNING = time(8, 0)  # "Snooze until morning": 08:00 in the moderator's own time zone
MORNING_AT_LEAST = timedelta(hours=3)  # closer than this, "morning" means the next one


def next_morning(person: Person, at: datetime, hour: time = MORNING) -> datetime:
    """The next ``hour`` (08:00) local time at least 3 h away, or the end of quiet hours if later.

    At 01:30 that is 08:00 the same day (6.5 h), at 06:00 and at 20:00 08:00 the next day. The wall time
    is localised on its own day, so across a DST change it is still 08:00 on the clock (7 or 9 h of night).
    """
    zone = ZoneInfo(person.timezone)
    day = at.astimezone(zone).date()
    while True:
        morning = datetime.combine(day, hour, tzinfo=zone).astimezone(timezone.utc)
        if morning - at >= MORNING_AT_LEAST:
            return wakes_at(person, morning)
        day += timedelta(days=1)


@dataclass(frozen=True)
class Decision:
    """What to do with a due question right now."""

    send_to: str | None = None  # person name
    step: int = 0
    wait_until: datetime | None = None  # nobody to ping now: look again then
    stop: bool = False  # the chain is exhausted
    note: str = ""


def decide(settings: Settings, route: Route, step: int, nudges_sent: int, now: datetime) -> Decision:
    """Pick the recipient of escalation ``step`` at ``now``, honouring quiet hours."""
    chain = route.chain
    if not chain or nudges_sent >= route.max_nudges:
        return Decision(stop=True, note="no one left on the chain")
    if step >= len(chain) and not route.repeat:
        return Decision(stop=True, note="chain exhausted")
    first = chain[step % len(chain)]
    person = settings.people[first]
    if not is_quiet(person, now):
        return Decision(send_to=first, step=step)
    if settings.quiet_policy_for(route) == "next-awake":
        # Walk the rest of the chain (and round again when repeating) for someone awake.
        order = [chain[(step + k) % len(chain)] for k in range(1, len(chain))]
        for name in order:
            if not is_quiet(settings.people[name], now):
                return Decision(send_to=name, step=step, note=f"{first} is in quiet hours")
        wake = min(wakes_at(settings.people[n], now) for n in chain)
        return Decision(wait_until=wake, step=step, note="everyone on the chain is in quiet hours")
    return Decision(wait_until=wakes_at(person, now), step=step, note=f"{first} is in quiet hours")


def after_send(settings: Settings, route: Route, step: int, nudges_sent: int, now: datetime) -> datetime | None:
    """When the following step is due, or None when the chain ends with this nudge."""
    nxt = step + 1
    if nudges_sent >= route.max_nudges:
        return None
    if nxt >= len(route.chain) and not route.repeat:
        return None
    return now + settings.escalate_after_for(route)


def route_for(settings: Settings, platform: str, channel: str, channel_name: str | None = None) -> Route | None:
    """The route watching a channel: matched by id first, then by name ("#help" or "help")."""
    name = (channel_name or "").lstrip("#").lower()
    by_name = None
    for route in settings.routes:
        if route.platform != platform:
            continue
        if route.channel == channel:
            return route
        if name and route.channel.lstrip("#").lower() == name:
            by_name = route
    return by_name
