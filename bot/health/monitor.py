"""The health monitor: the checks' life cycle (a heartbeat from APScheduler, an independent
watcher task, the /healthz server) and the check itself, composed of its parts:
``problems`` (detection), ``alerts`` (what staff were told), ``status`` and ``endpoint``."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable

from ..config import ConfigError, Settings
from ..store import StoreError, Tracker
from .alerts import Alerts
from .dm_results import AuditReader
from .endpoint import Endpoint
from .problems import Detection, Problem

if TYPE_CHECKING:
    from ..scheduler import LiveScheduler
    from ..sources import Hub

log = logging.getLogger("unanswered.health")

HEARTBEAT_JOB = "health-heartbeat"


class HealthMonitor(Detection, Alerts, Endpoint):
    def __init__(self, settings: Settings, hub: "Hub", scheduler: "LiveScheduler | None", clock: Any, *, wall: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.hub = hub
        self.tracker: Tracker = hub.tracker
        self.scheduler = scheduler
        self.clock = clock
        self.wall = wall  # APScheduler runs on the wall clock: its heartbeat is judged on it too
        self.cfg = settings.health
        self.reader: AuditReader | None = None
        self.alerted: dict[str, dict[str, Any]] | None = None
        self.beat_at: float | None = None  # wall time of the last APScheduler heartbeat; None until started
        self.http_port: int | None = None
        self._overdue_seen: tuple[datetime, datetime] | None = None  # (first seen, deadline) of an unhandled deadline
        self._lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        self._runner: Any = None

    # -------------------------------------------------------------- life cycle

    async def start(self) -> None:
        """Beat from APScheduler, check from an independent task, serve /healthz if asked."""
        if self.scheduler is not None:
            self.beat_at = self.wall()
            self.scheduler.every(timedelta(seconds=self._beat_every()), self._beat, id=HEARTBEAT_JOB)
        self._task = asyncio.create_task(self._watch(), name="unanswered-health")
        if self.cfg.http_port is not None:
            try:
                self.http_port = await self._serve(self.cfg.http_host, self.cfg.http_port)
            except OSError as exc:
                await self.stop()
                raise ConfigError(
                    [
                        f"health.http_port: cannot listen on {self.cfg.http_host}:{self.cfg.http_port} "
                        f"({exc.strerror or exc}); choose a free port, or remove http_port to turn /healthz off"
                    ]
                ) from None
            log.info("health endpoint: http://%s:%s/healthz", self.cfg.http_host, self.http_port)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
            self._task = None
        if self.scheduler is not None and self.scheduler.aps.running and self.scheduler.aps.get_job(HEARTBEAT_JOB):
            self.scheduler.aps.remove_job(HEARTBEAT_JOB)
        await self._stop_serving()

    async def _beat(self) -> None:
        self.beat_at = self.wall()

    def _check_every(self) -> float:
        """Wall seconds between checks: a tenth of the shortest threshold, on this clock's time scale."""
        span = min(self.cfg.source_down_after, self.cfg.scheduler_stall_after) / 10
        now = self.clock.now()
        wall = (self.clock.to_wall(now + span) - self.clock.to_wall(now)).total_seconds()
        return min(30.0, max(0.1, wall))

    async def _watch(self) -> None:
        while True:
            try:
                await self.check()
            except (StoreError, sqlite3.Error) as exc:  # locked or full: one clear line, and try again
                log.error("self-check could not read the store: %s", exc)
            except Exception:  # the watcher must outlive any one bad check
                log.exception("self-check failed; trying again")
            await asyncio.sleep(self._check_every())

    # -------------------------------------------------------------- the check

    async def check(self) -> list[Problem]:
        """Find what is wrong now; tell staff about new problems and about recoveries, once each."""
        async with self._lock:
            now = self.clock.now()
            self._read_audit(now)
            self._load_alerted()
            found = self.problems(now)
            await self._announce(found, now)
            self._save_state(now, found)
            return found
