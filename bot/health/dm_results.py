"""DM results, read from the audit log incrementally: failure streaks per recipient.

The door records every result in the audit log, so the log is the single truth; we
read it incrementally and never hook the send path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from ..config import Settings
from ..store import Tracker, dt, when

AUDIT_LOOKBACK = 2000  # audit rows read at start to rebuild DM failure streaks
MAX_PENDING_WATCH = 1000  # in-flight audit rows remembered to read their result later
PENDING_GIVE_UP = timedelta(hours=1)  # a row still pending this long is left to resume_pending


@dataclass
class DmStreak:
    """Failed DMs in a row to one recipient, since the last one that arrived."""

    failures: int = 0
    since: datetime | None = None  # the first failure of the streak
    last_error: str = ""


@dataclass
class AuditReader:
    """Reads DM results from the audit log incrementally: each row once, in order.

    A row still ``pending`` (a send in flight) is remembered and read again later, so
    a slow send never holds back the rows after it.
    """

    recipients: set[str]
    cursor: int = 0
    streaks: dict[str, DmStreak] = field(default_factory=dict)
    arrived: dict[str, datetime] = field(default_factory=dict)  # recipient -> time of the last message that arrived
    pending: dict[int, datetime] = field(default_factory=dict)  # audit id -> when it was written

    @classmethod
    def from_store(cls, tracker: Tracker, recipients: set[str], lookback: int = AUDIT_LOOKBACK) -> "AuditReader":
        newest = tracker.last_audit_id()
        reader = cls(recipients=recipients, cursor=max(0, newest - lookback))
        reader.read(tracker)
        return reader

    def read(self, tracker: Tracker, now: datetime | None = None) -> None:
        if self.pending:
            rows = tracker.audit_results(list(self.pending))
            for row in rows:
                if row["result"] != "pending":
                    del self.pending[row["id"]]
                    self._apply(row)
            if now is not None:
                for audit_id, written in list(self.pending.items()):
                    if now - written > PENDING_GIVE_UP:
                        del self.pending[audit_id]  # a crash leftover: resume_pending settles it at the next start
        for row in tracker.audit_results_after(self.cursor):
            self.cursor = row["id"]
            if row["kind"] == "update":
                continue  # edits of a DM already sent have no result of their own
            if row["result"] == "pending":
                if len(self.pending) < MAX_PENDING_WATCH:
                    self.pending[row["id"]] = when(row["at"])
                continue
            self._apply(row)

    def _apply(self, row: Any) -> None:
        person = row["person"]
        if person not in self.recipients:
            return
        result = row["result"] or ""
        if result.startswith("failed"):
            streak = self.streaks.setdefault(person, DmStreak())
            streak.failures += 1
            streak.since = streak.since or dt(row["at"])
            streak.last_error = result
        else:
            self.streaks.pop(person, None)  # one that arrived ends the streak
            self.arrived[person] = when(row["at"])


def dm_recipients(settings: Settings) -> set[str]:
    return set(settings.people) | set(settings.staff_channels)


def streaks_json(streaks: dict[str, DmStreak]) -> dict[str, Any]:
    return {
        name: {"failures": s.failures, "since": s.since.isoformat() if s.since else None, "last_error": s.last_error[:200]}
        for name, s in sorted(streaks.items())
        if s.failures
    }
