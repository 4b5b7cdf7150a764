"""Digest periods: a span of local calendar days in one time zone (an ISO week, or FROM..TO)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Period:
    """A span of local calendar days [first, last] in one time zone, as UTC instants [start, end)."""

    id: str  # "2026-W02" for a Monday–Sunday week, else "2026-01-05..2026-01-11"
    first: date
    last: date  # inclusive
    tz: str
    as_of: datetime  # when the figures are taken: the end, or now for a period still running

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def start(self) -> datetime:
        return local_midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last + timedelta(days=1), self.zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def hours(self) -> float:
        """Real hours in the period: 167 or 169 in a week with a DST change."""
        return (self.end - self.start).total_seconds() / 3600

    @property
    def is_week(self) -> bool:
        return self.days == 7 and self.first.weekday() == 0

    @property
    def label(self) -> str:
        a, b = self.first, self.last
        if self.is_week:
            return f"Mon {a.day} {a:%b} – Sun {b.day} {b:%b} {b.year}"
        return f"{a.day} {a:%b} {a.year} – {b.day} {b:%b} {b.year}"

    def previous(self) -> "Period":
        """The period of the same length just before this one."""
        first = self.first - timedelta(days=self.days)
        return make_period(first, self.first - timedelta(days=1), self.tz, self.start)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


def make_period(first: date, last: date, tz: str, now: datetime) -> Period:
    if first.weekday() == 0 and (last - first).days == 6:
        year, week, _ = first.isocalendar()
        pid = f"{year}-W{week:02d}"
    else:
        pid = f"{first.isoformat()}..{last.isoformat()}"
    end = local_midnight(last + timedelta(days=1), ZoneInfo(tz))
    return Period(id=pid, first=first, last=last, tz=tz, as_of=min(end, now))


def week_of(day: date, tz: str, now: datetime) -> Period:
    monday = day - timedelta(days=day.weekday())
    return make_period(monday, monday + timedelta(days=6), tz, now)


_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
PERIOD_HELP = "last-week, this-week, an ISO week such as 2026-W02, or dates FROM..TO such as 2026-01-05..2026-01-11"


def parse_period(text: str | None, tz: str, now: datetime) -> Period:
    """'last-week' (default), 'this-week', 'YYYY-Www' or 'FROM..TO' -> Period; ValueError says what is wrong."""
    spec = (text or "last-week").strip()
    today = now.astimezone(ZoneInfo(tz)).date()
    if spec.lower() in ("last-week", "lastweek", "last"):
        return week_of(today - timedelta(days=7), tz, now)
    if spec.lower() in ("this-week", "thisweek", "this"):
        return week_of(today, tz, now)
    if m := _ISO_WEEK.match(spec):
        try:
            monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        except ValueError:
            raise ValueError(f"{spec!r}: year {m.group(1)} has no ISO week {int(m.group(2))}; use {PERIOD_HELP}") from None
        return week_of(monday, tz, now)
    if m := _RANGE.match(spec):
        try:
            first, last = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
        except ValueError:
            raise ValueError(f"{spec!r}: not a real date; write dates as YYYY-MM-DD, e.g. 2026-01-05..2026-01-11") from None
        if last < first:
            raise ValueError(f"{spec!r}: the period ends before it starts; write FROM..TO with FROM first")
        return make_period(first, last, tz, now)
    raise ValueError(f"{spec!r} is not a period; use {PERIOD_HELP}")
