"""Problem detection: what is wrong now, from the hub's source health, the DM results
and the deadline loop. Pure reading: telling staff is ``alerts``' job."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable

from ..render import age
from ..store import Tracker
from .dm_results import AuditReader, dm_recipients

if TYPE_CHECKING:
    from ..config import HealthSettings, Settings
    from ..scheduler import LiveScheduler
    from ..sources import Hub


@dataclass(frozen=True)
class Problem:
    id: str  # stable while the problem lasts: "source:slack", "dm:alice", "scheduler"
    since: datetime
    title: str
    body: str
    recovered_title: str
    exclude: tuple[str, ...] = ()  # people who must not be the ones told (their DMs are the problem)
    notify: bool = True  # False: the source alerts about itself (feeds)
    unhealthy: bool = True  # counts against /healthz (DM trouble does not: a restart cannot fix it)


class Detection:
    """The monitor's checks (a part of ``HealthMonitor``, which sets these attributes)."""

    settings: Settings
    hub: "Hub"
    tracker: Tracker
    scheduler: "LiveScheduler | None"
    clock: Any
    wall: Callable[[], float]
    cfg: HealthSettings
    reader: AuditReader | None
    beat_at: float | None
    _overdue_seen: tuple[datetime, datetime] | None

    def problems(self, now: datetime) -> list[Problem]:
        return [*self._source_problems(now), *self._dm_problems(), *self._scheduler_problems(now)]

    def _beat_every(self) -> float:
        return max(1.0, min(30.0, self.cfg.scheduler_stall_after.total_seconds() / 5))

    def _read_audit(self, now: datetime) -> None:
        if self.reader is None:
            self.reader = AuditReader.from_store(self.tracker, dm_recipients(self.settings))
        self.reader.read(self.tracker, now)

    def _source_problems(self, now: datetime) -> list[Problem]:
        own_alerts = {f"feed:{f.name}": f.failing_alert_after for f in self.settings.feeds}
        out = []
        for name, h in sorted(self.hub.health.items()):
            threshold = own_alerts.get(name, self.cfg.source_down_after)
            if h.ok or now - h.since < threshold:
                continue
            down = age((now - h.since).total_seconds())
            out.append(
                Problem(
                    id=f"source:{name}",
                    since=h.since,
                    title=f"{name} has been disconnected or failing for {down}",
                    body=(
                        f"Since {h.since:%Y-%m-%d %H:%M} UTC: {h.detail or 'no detail'}.\n"
                        "Until it is back, new questions there are not seen and nobody is nudged about them. "
                        "The bot keeps retrying; missed messages are read from history when it reconnects. "
                        "You will get one more note when it works again."
                    ),
                    recovered_title=f"{name} works again",
                    notify=name not in own_alerts,
                )
            )
        return out

    def _dm_problems(self) -> list[Problem]:
        out = []
        assert self.reader is not None
        for name, streak in sorted(self.reader.streaks.items()):
            if streak.failures < self.cfg.dm_failures_alert or streak.since is None:
                continue
            person = self.settings.people.get(name)
            shown = (person.display_name if person else None) or name
            error = streak.last_error[:200]
            out.append(
                Problem(
                    id=f"dm:{name}",
                    since=streak.since,
                    title=f"Messages to {shown} keep failing ({streak.failures} in a row)",
                    body=(
                        f"Since {streak.since:%Y-%m-%d %H:%M} UTC no message reached {shown}; the last error: {error}.\n"
                        f"Nudges meant for {shown} move on to the next person on the chain. Please check that the bot "
                        f"can still DM them (still a member, DMs from the app allowed, the right id in [people.{name}]). "
                        "You will get one more note when a message reaches them again."
                    ),
                    recovered_title=f"Messages reach {shown} again",
                    exclude=(name,),
                    unhealthy=False,
                )
            )
        return out

    def _overdue(self, now: datetime) -> datetime | None:
        """The earliest deadline, if the loop has left it unhandled for ``scheduler_stall_after``.

        Timed from when a check first saw it overdue, not from the deadline itself: a
        catch-up that brings in an hour-old question makes a deadline overdue the moment
        it is stored, and the loop handles it a moment later; that is no stall. Any
        progress (the earliest deadline moves later) restarts the clock.
        """
        due = self.tracker.next_due()
        if due is None or due > now:
            self._overdue_seen = None
            return None
        seen = self._overdue_seen
        if seen is None or due > seen[1]:
            self._overdue_seen = seen = (now, due)
        return due if now - seen[0] >= self.cfg.scheduler_stall_after else None

    def _scheduler_problems(self, now: datetime) -> list[Problem]:
        stall = self.cfg.scheduler_stall_after
        out = []
        due = self._overdue(now)
        if due is not None:
            out.append(
                Problem(
                    id="scheduler",
                    since=due,
                    title=f"Nudges are not going out: one has been due for {age((now - due).total_seconds())}",
                    body=(
                        f"A nudge was due at {due:%Y-%m-%d %H:%M} UTC and has not been sent: the deadline loop is stalled. "
                        "Questions are still tracked, and every overdue nudge goes out once when the loop runs again; "
                        "restarting the bot does that. You will get one more note when it runs again."
                    ),
                    recovered_title="Nudges are going out again",
                )
            )
        elif self.beat_at is not None and self.scheduler is not None:
            silent = self.wall() - self.beat_at
            if silent >= stall.total_seconds() + self._beat_every():
                out.append(
                    Problem(
                        id="scheduler",
                        since=now - timedelta(seconds=silent),
                        title=f"The scheduler has not run for {age(silent)}",
                        body=(
                            "Its heartbeat job stopped: deadlines, digests and polls will not fire. "
                            "Restarting the bot fixes it; overdue nudges then go out once. "
                            "You will get one more note when it runs again."
                        ),
                        recovered_title="The scheduler runs again",
                    )
                )
        return out
