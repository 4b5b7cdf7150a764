"""Where "now" comes from.

The core never calls ``datetime.now()``: it asks a clock. Live runs use the system
clock, replay a simulated one that jumps from event to event, the demo an
accelerated one. ``to_wall`` maps a clock instant to the wall-clock instant at
which a real scheduler must wake up for it, so the live scheduler works the same
under every clock.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...

    def to_wall(self, at: datetime) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(timezone.utc)

    def to_wall(self, at: datetime) -> datetime:
        return at


class FakeClock:
    """A clock that only moves when told to (tests, replay)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._now = start or datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)

    def now(self) -> datetime:
        return self._now

    def start_at(self, at: datetime) -> None:
        """Begin at ``at``, earlier or later than now (a replay starts at its history's own time)."""
        self._now = at

    def set(self, at: datetime) -> None:
        # Replay may feed an event older than a due time already fired; time never runs backwards.
        if at > self._now:
            self._now = at

    def advance(self, delta: timedelta) -> datetime:
        self._now += delta
        return self._now

    def to_wall(self, at: datetime) -> datetime:
        # A fake clock has no wall time: wake immediately for anything due.
        return datetime.now(timezone.utc)


class AcceleratedClock:
    """Simulated time that runs ``factor`` times faster than the wall clock.

    Used by the demo: an hour-long window passes in a minute at factor 60.
    """

    def __init__(self, start: datetime, factor: float) -> None:
        self.start = start
        self.factor = factor
        self._wall0 = time.time()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(time.time() - self._wall0) * self.factor)

    def to_wall(self, at: datetime) -> datetime:
        offset = (at - self.start).total_seconds() / self.factor
        return datetime.fromtimestamp(self._wall0 + offset, timezone.utc)
