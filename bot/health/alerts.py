"""Alert state: each problem is told to the staff ONCE, and once more when it clears.

Through ``Hub.alert`` (the outbound door, whose audit keys make it once-only even
across restarts). A person whose DMs fail is never the one told about it. Which
alerts are outstanding is kept in the store, so a restart neither repeats an alert
nor forgets to announce the recovery.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..render import age
from ..store import StoreError, Tracker
from .dm_results import AuditReader
from .problems import Problem

if TYPE_CHECKING:
    from ..sources import Hub

log = logging.getLogger("unanswered.health")

ALERTED_KEY = "monitor:alerted"  # kv: problems told to staff and not yet recovered


class Alerts:
    """The monitor's memory of what staff were told (a part of ``HealthMonitor``)."""

    hub: "Hub"
    tracker: Tracker
    reader: AuditReader | None
    alerted: dict[str, dict[str, Any]] | None

    def _load_alerted(self) -> dict[str, dict[str, Any]]:
        if self.alerted is None:
            self.alerted = dict(self.tracker.get(ALERTED_KEY) or {})
        return self.alerted

    async def _announce(self, found: list[Problem], now: datetime) -> None:
        """New problems are raised; outstanding ones that are known to work again, recovered."""
        alerted = self._load_alerted()
        current = {p.id: p for p in found}
        for problem in found:
            if problem.id not in alerted:
                await self._raise(problem)
        for pid in list(alerted):
            if pid not in current and self._cleared(pid, alerted[pid]):
                await self._recover(pid, now)

    def _cleared(self, pid: str, record: dict[str, Any]) -> bool:
        """Is it known to work again? Not just "no longer seen failing": after a restart a
        source has not reported yet, and old audit rows may have been read past."""
        kind, _, name = pid.partition(":")
        if kind == "source":
            h = self.hub.health.get(name)
            return h is not None and h.ok
        if kind == "dm":
            assert self.reader is not None
            ok_at = self.reader.arrived.get(name)
            return ok_at is not None and ok_at >= datetime.fromisoformat(record["since"])
        return True

    async def _raise(self, problem: Problem) -> None:
        assert self.alerted is not None
        key = f"{problem.id}:failing:{int(problem.since.timestamp())}"
        # Recorded before sending: a send that fails must not become an alert at every check.
        self.alerted[problem.id] = {
            "key": key,
            "since": problem.since.isoformat(),
            "title": problem.title,
            "recovered_title": problem.recovered_title,
            "exclude": list(problem.exclude),
            "notify": problem.notify,
        }
        self._save_alerted()
        log.warning("health: %s", problem.title)
        if problem.notify:
            await self._tell(key, problem.title, problem.body, problem.exclude)

    async def _recover(self, pid: str, now: datetime) -> None:
        assert self.alerted is not None
        record = self.alerted.pop(pid)
        self._save_alerted()
        since = datetime.fromisoformat(record["since"])
        title = record.get("recovered_title") or f"{pid} works again"
        log.info("health: %s", title)
        if record.get("notify", True):
            body = f"It was failing from {since:%Y-%m-%d %H:%M} UTC for {age((now - since).total_seconds())}. ({record['title']}.)"
            await self._tell(record["key"].replace(":failing:", ":recovered:"), title, body, tuple(record.get("exclude", ())))

    async def _tell(self, key: str, title: str, body: str, exclude: tuple[str, ...]) -> None:
        try:
            await self.hub.alert(key, title, body, exclude=exclude)
        except Exception as exc:  # a broken store or transport must not stop the watcher
            log.error("could not tell staff about %s: %s", key, type(exc).__name__)

    def _save_alerted(self) -> None:
        try:
            with self.tracker.transaction():
                self.tracker.put(ALERTED_KEY, self.alerted)
        except StoreError as exc:
            log.error("could not record an alert's state: %s", exc)
