"""Value types of the config: durations (bounded), time zones, times of day, quiet hours.

Each parser raises ValueError with a message that starts with the bad value's repr and
ends with the fix; ``bot.config.errors`` adds the key and the file.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, BeforeValidator, PlainSerializer, model_validator

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s)")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(value: Any) -> timedelta:
    """'45m', '2h', '1h30m', '1d', '90s' -> timedelta. Bare numbers are refused: '60' is ambiguous."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(f'{value!r} is not a duration; write a number and a unit in quotes, e.g. "45m", "2h", "1d"')
    text = value.strip().lower().replace(" ", "")
    pos, total = 0, 0.0
    for m in _DURATION_PART.finditer(text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if not text or pos != len(text):
        raise ValueError(f'{value!r} is not a duration; write a number and a unit, e.g. "45m", "2h", "1h30m", "1d"')
    try:
        return timedelta(seconds=total)
    except OverflowError:  # "99999999999d": beyond what any clock can add
        raise ValueError(f'{value!r} is far too long; write e.g. "7d"') from None


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds and seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    parts = []
    for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    if not parts and delta > timedelta(0):
        return f"{delta.total_seconds():g}s"  # under a second (tests' real-time windows)
    return "".join(parts) or "0s"


def _between(low: timedelta, high: timedelta, example: str) -> Any:
    """A BeforeValidator: parse, then refuse zero, negatives and values outside [low, high]."""

    def check(value: Any) -> timedelta:
        delta = parse_duration(value)
        shown = value if isinstance(value, str) else format_duration(delta)
        if delta <= timedelta(0) or delta < low:
            floor = "longer than zero" if low <= timedelta(0) else f"at least {format_duration(low)}"
            raise ValueError(f'{shown!r} is too short: it must be {floor} and at most {format_duration(high)}; write e.g. "{example}"')
        if delta > high:
            raise ValueError(f'{shown!r} is too long: it must be at most {format_duration(high)}; write e.g. "{example}"')
        return delta

    return BeforeValidator(check)


_SERIALISE = PlainSerializer(format_duration, return_type=str)
ZERO = timedelta(0)

# The bounds, also written in config.example.toml and the README ("Durations").
WINDOW_MAX = timedelta(days=365)
ESCALATE_MAX = timedelta(days=30)
Duration = Annotated[timedelta, BeforeValidator(parse_duration), _SERIALISE]
WindowDuration = Annotated[timedelta, _between(ZERO, WINDOW_MAX, "1h"), _SERIALISE]
EscalateDuration = Annotated[timedelta, _between(ZERO, ESCALATE_MAX, "30m"), _SERIALISE]
PollInterval = Annotated[timedelta, _between(ZERO, timedelta(days=1), "5m"), _SERIALISE]
RequestTimeout = Annotated[timedelta, _between(ZERO, timedelta(minutes=10), "20s"), _SERIALISE]
AlertAfter = Annotated[timedelta, _between(ZERO, timedelta(days=30), "1h"), _SERIALISE]
TopicAge = Annotated[timedelta, _between(timedelta(hours=1), timedelta(days=365), "14d"), _SERIALISE]
HealthAfter = Annotated[timedelta, _between(ZERO, timedelta(days=7), "10m"), _SERIALISE]


def _check_zone(value: Any) -> str:
    try:
        ZoneInfo(str(value))
    except Exception:  # not found, a bad name, one too long for a file (OSError), "a.b.c…" deeper than imports go (RecursionError)
        raise ValueError(f'{value!r} is not a time zone; use an IANA name such as "Europe/Berlin", "America/New_York" or "UTC"') from None
    return str(value)


TimeZoneName = Annotated[str, BeforeValidator(_check_zone)]

_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def _parse_hhmm(text: str) -> time:
    m = _HHMM.match(text)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(f'{text!r} is not a time of day; write 24-hour "HH:MM", e.g. "22:00"')
    return time(int(m.group(1)), int(m.group(2)))


class QuietHours(BaseModel):
    """A daily span in the person's own time zone, e.g. 22:00-08:00 (may cross midnight)."""

    start: time
    end: time

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            if "-" not in value:
                raise ValueError(f'{value!r} is not a span; write "HH:MM-HH:MM", e.g. "22:00-08:00"')
            a, b = value.split("-", 1)
            return {"start": _parse_hhmm(a), "end": _parse_hhmm(b)}
        return value

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"
