"""What `unanswered status` and /healthz show: the snapshot of a check, kept in the store
so that `status`, run as another process, reads the last one."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, Callable

from ..config import format_duration
from ..store import StoreError, Tracker
from .alerts import ALERTED_KEY
from .dm_results import AuditReader, dm_recipients, streaks_json
from .problems import Problem

if TYPE_CHECKING:
    from ..config import Settings
    from ..scheduler import LiveScheduler
    from ..sources import Hub

log = logging.getLogger("unanswered.health")

STATE_KEY = "monitor:state"  # kv: the last self-check, for `unanswered status` (another process)


class Reporting:
    """The monitor's reports (a part of ``HealthMonitor``)."""

    hub: "Hub"
    tracker: Tracker
    scheduler: "LiveScheduler | None"
    clock: Any
    wall: Callable[[], float]
    reader: AuditReader | None
    beat_at: float | None

    if TYPE_CHECKING:

        def _read_audit(self, now: datetime) -> None: ...
        def problems(self, now: datetime) -> list[Problem]: ...

    def snapshot(self, now: datetime | None = None, found: list[Problem] | None = None) -> dict[str, Any]:
        """What `status` and /healthz show: sources, the deadline loop, DM streaks, problems."""
        now = now or self.clock.now()
        if found is None:
            self._read_audit(now)
            found = self.problems(now)
        sched = self.scheduler
        due = self.tracker.next_due()
        return {
            "status": "failing" if any(p.unhealthy for p in found) else "ok",
            "checked_at": now.isoformat(),
            "problems": [{"id": p.id, "since": p.since.isoformat(), "title": p.title, "unhealthy": p.unhealthy} for p in found],
            "sources": {name: {"ok": h.ok, "since": h.since.isoformat(), "detail": h.detail} for name, h in sorted(self.hub.health.items())},
            "scheduler": {
                "last_tick": sched.last_tick.isoformat() if sched and sched.last_tick else None,
                "ticks": sched.ticks if sched else 0,
                "next_due": due.isoformat() if due else None,
                "heartbeat_age_s": round(self.wall() - self.beat_at, 1) if self.beat_at is not None else None,
            },
            "dm_failures": streaks_json(self.reader.streaks if self.reader else {}),
        }

    def _save_state(self, now: datetime, found: list[Problem]) -> None:
        state = self.snapshot(now, found)
        state.pop("sources")  # already in the store, one key per source
        try:
            with self.tracker.transaction():
                self.tracker.put(STATE_KEY, state)
        except StoreError as exc:
            log.error("could not record the self-check: %s", exc)


def from_store(tracker: Tracker, settings: "Settings") -> dict[str, Any]:
    """For `unanswered status` in another process: the last self-check and the DM streaks, read from the store."""
    state = tracker.get(STATE_KEY) or {}
    reader = AuditReader.from_store(tracker, dm_recipients(settings))
    return {
        "checked_at": state.get("checked_at"),
        "status": state.get("status"),
        "problems": state.get("problems", []),
        "scheduler": state.get("scheduler", {}),
        "dm_failures": streaks_json(reader.streaks),
        "alerted": sorted(tracker.get(ALERTED_KEY) or {}),
        "thresholds": {
            "source_down_after": format_duration(settings.health.source_down_after),
            "dm_failures_alert": settings.health.dm_failures_alert,
            "scheduler_stall_after": format_duration(settings.health.scheduler_stall_after),
        },
    }
