"""APScheduler wiring for live runs (and the demo).

One date job ("deadlines") is always set to the earliest pending deadline, mapped
to wall time by the clock; when an event brings a deadline forward the job is
moved (the composition root connects ``Watchdog.on_due_changed`` to ``poke``). No
polling: the process sleeps until something is due, so a nudge is late by the
event loop's wake-up latency only.

Every job is ``async def``: APScheduler 3 runs plain functions in a thread pool,
where the loop thread's sqlite3 connection cannot be used.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from typing import Any, Awaitable, Callable

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from .watchdog import Watchdog

log = logging.getLogger("unanswered.scheduler")

DEADLINES = "deadlines"


class LiveScheduler:
    def __init__(self, watchdog: Watchdog, clock: Any) -> None:
        self.watchdog = watchdog
        self.clock = clock
        self.aps = AsyncIOScheduler(timezone=timezone.utc)
        self._wake_at: datetime | None = None
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()
        self.ticks = 0
        self.last_tick: datetime | None = None

    async def start(self) -> None:
        """Start the loop; deadlines missed while the process was down fire now, once."""
        self.aps.start()
        await self.run_due()

    def shutdown(self) -> None:
        if self.aps.running:
            self.aps.shutdown(wait=False)

    async def close(self, grace: float = 5.0) -> None:
        """Stop scheduling, then let a tick that is mid-send finish (up to ``grace`` seconds)
        before the caller closes the store; a tick still running after that is cancelled
        (its send stays `pending` in the audit log and is settled at the next start)."""
        self.shutdown()
        if self._tasks:
            _, late = await asyncio.wait(set(self._tasks), timeout=grace)
            for task in late:
                task.cancel()
            if late:
                await asyncio.wait(late)

    def poke(self, at: datetime) -> None:
        """A deadline at ``at`` exists: wake up for it if that is sooner than planned."""
        wall = self.clock.to_wall(at)
        if self._wake_at is not None and wall >= self._wake_at:
            return
        self._schedule(wall)

    def _schedule(self, wall: datetime) -> None:
        self._wake_at = wall
        self.aps.add_job(
            self._wake,
            trigger=DateTrigger(run_date=wall),
            id=DEADLINES,
            replace_existing=True,
            misfire_grace_time=None,
            coalesce=True,
        )

    async def _wake(self) -> None:
        """The APScheduler job: start a tick and return at once.

        The tick runs as its own task. Were it the job itself, a deadline that passes
        while it is still sending would reschedule "deadlines" while that job is
        still running, and APScheduler skips (and so loses) such a run.
        """
        task = asyncio.create_task(self.run_due())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def run_due(self) -> None:
        async with self._lock:  # a poke during a long send must not run a second tick beside it
            self._wake_at = None
            try:
                await self.watchdog.tick()
            except Exception:
                log.exception("sending due nudges failed; will retry")
                self._schedule(datetime.now(timezone.utc) + timedelta(seconds=30))
                return
            finally:
                self.ticks += 1
                self.last_tick = self.clock.now()
            nxt = self.watchdog.next_due()
            if nxt is not None:
                self._schedule(self.clock.to_wall(nxt))

    def every(self, interval: timedelta, job: Callable[[], Awaitable[None]], *, id: str, jitter: int | None = None) -> None:
        """A recurring async job (feed polls, housekeeping)."""
        self.aps.add_job(
            job,
            trigger=IntervalTrigger(seconds=max(1, interval.total_seconds()), jitter=jitter),
            id=id,
            replace_existing=True,
            coalesce=True,
            max_instances=1,
            misfire_grace_time=None,
        )

    def cron(self, job: Callable[[], Awaitable[None]], *, id: str, **fields: Any) -> None:
        self.aps.add_job(job, trigger=CronTrigger(**fields), id=id, replace_existing=True, coalesce=True, misfire_grace_time=None)
