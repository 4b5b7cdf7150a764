"""The bot watching itself: a dead-man's switch in the manner of Healthchecks.

Three things can go quietly wrong while the process keeps running, and each makes
the bot silently useless:

- a **source** stays disconnected or failing (``Hub.report(name, ok=False)`` starts
  its clock, ``ok=True`` stops it) for longer than ``[health] source_down_after``;
- **DMs to one person** keep failing: ``dm_failures_alert`` failed results in a row
  for them in the audit log (the door records every result there, so the log is
  the single truth; we read it incrementally, never hook the send path);
- the **deadline loop** stalls: a due nudge has stayed unsent for
  ``scheduler_stall_after`` (read from the store, so a loop that is stuck, crashed or
  never rescheduled all look the same), or APScheduler itself has stopped running
  jobs (a heartbeat job that stopped beating).

The checks run from a plain asyncio task, not from an APScheduler job: a watchdog
that lives inside the thing it watches dies with it.

Each problem is told to the staff ONCE (``Hub.alert``, through the outbound door,
whose audit keys make it once-only even across restarts) and ONCE more when it
clears. A person whose DMs fail is never the one told about it. Which alerts are
outstanding is kept in the store, so a restart neither repeats an alert nor forgets
to announce the recovery.

Forum feeds alert about themselves (``feeds.failing_alert_after``, per feed): for
them this module only reports (status, /healthz) and never sends a second note.

``/healthz`` (off unless ``[health] http_port`` is set) answers 200 when every source
is up and the loop runs, 503 with the reasons otherwise. aiohttp is imported only
when the endpoint is started.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Callable

from .config import ConfigError, Settings, format_duration
from .render import age
from .tracker import StoreError, Tracker, dt

if TYPE_CHECKING:
    from .scheduler import LiveScheduler
    from .sources import Hub

log = logging.getLogger("unanswered.health")

ALERTED_KEY = "monitor:alerted"  # kv: problems told to staff and not yet recovered
STATE_KEY = "monitor:state"  # kv: the last self-check, for `unanswered status` (another process)
HEARTBEAT_JOB = "health-heartbeat"
AUDIT_LOOKBACK = 2000  # audit rows read at start to rebuild DM failure streaks
MAX_PENDING_WATCH = 1000  # in-flight audit rows remembered to read their result later
PENDING_GIVE_UP = timedelta(hours=1)  # a row still pending this long is left to resume_pending


# ------------------------------------------------------------------ DM failure streaks


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
                    self.pending[row["id"]] = dt(row["at"])  # type: ignore[assignment]
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
            self.arrived[person] = dt(row["at"])  # type: ignore[assignment]


def dm_recipients(settings: Settings) -> set[str]:
    return set(settings.people) | set(settings.staff_channels)


# ------------------------------------------------------------------ problems


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


class HealthMonitor:
    def __init__(self, settings: Settings, hub: "Hub", scheduler: "LiveScheduler | None", clock: Any, *,
                 wall: Callable[[], float] = time.monotonic) -> None:
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
                raise ConfigError([f"health.http_port: cannot listen on {self.cfg.http_host}:{self.cfg.http_port} "
                                   f"({exc.strerror or exc}); choose a free port, or remove http_port to turn /healthz off"]) from None
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
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _beat(self) -> None:
        self.beat_at = self.wall()

    def _beat_every(self) -> float:
        return max(1.0, min(30.0, self.cfg.scheduler_stall_after.total_seconds() / 5))

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
            if self.alerted is None:
                self.alerted = dict(self.tracker.get(ALERTED_KEY) or {})
            found = self.problems(now)
            current = {p.id: p for p in found}
            for problem in found:
                if problem.id not in self.alerted:
                    await self._raise(problem)
            for pid in list(self.alerted):
                if pid not in current and self._cleared(pid, self.alerted[pid]):
                    await self._recover(pid, now)
            self._save_state(now, found)
            return found

    def problems(self, now: datetime) -> list[Problem]:
        return [*self._source_problems(now), *self._dm_problems(), *self._scheduler_problems(now)]

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
            out.append(Problem(
                id=f"source:{name}",
                since=h.since,
                title=f"{name} has been disconnected or failing for {down}",
                body=(f"Since {h.since:%Y-%m-%d %H:%M} UTC: {h.detail or 'no detail'}.\n"
                      "Until it is back, new questions there are not seen and nobody is nudged about them. "
                      "The bot keeps retrying; missed messages are read from history when it reconnects. "
                      "You will get one more note when it works again."),
                recovered_title=f"{name} works again",
                notify=name not in own_alerts,
            ))
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
            out.append(Problem(
                id=f"dm:{name}",
                since=streak.since,
                title=f"Messages to {shown} keep failing ({streak.failures} in a row)",
                body=(f"Since {streak.since:%Y-%m-%d %H:%M} UTC no message reached {shown}; the last error: {error}.\n"
                      f"Nudges meant for {shown} move on to the next person on the chain. Please check that the bot "
                      f"can still DM them (still a member, DMs from the app allowed, the right id in [people.{name}]). "
                      "You will get one more note when a message reaches them again."),
                recovered_title=f"Messages reach {shown} again",
                exclude=(name,),
                unhealthy=False,
            ))
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
            out.append(Problem(
                id="scheduler",
                since=due,
                title=f"Nudges are not going out: one has been due for {age((now - due).total_seconds())}",
                body=(f"A nudge was due at {due:%Y-%m-%d %H:%M} UTC and has not been sent: the deadline loop is stalled. "
                      "Questions are still tracked, and every overdue nudge goes out once when the loop runs again; "
                      "restarting the bot does that. You will get one more note when it runs again."),
                recovered_title="Nudges are going out again",
            ))
        elif self.beat_at is not None and self.scheduler is not None:
            silent = self.wall() - self.beat_at
            if silent >= stall.total_seconds() + self._beat_every():
                out.append(Problem(
                    id="scheduler",
                    since=now - timedelta(seconds=silent),
                    title=f"The scheduler has not run for {age(silent)}",
                    body=("Its heartbeat job stopped: deadlines, digests and polls will not fire. "
                          "Restarting the bot fixes it; overdue nudges then go out once. "
                          "You will get one more note when it runs again."),
                    recovered_title="The scheduler runs again",
                ))
        return out

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

    # -------------------------------------------------------------- telling staff

    async def _raise(self, problem: Problem) -> None:
        assert self.alerted is not None
        key = f"{problem.id}:failing:{int(problem.since.timestamp())}"
        # Recorded before sending: a send that fails must not become an alert at every check.
        self.alerted[problem.id] = {"key": key, "since": problem.since.isoformat(), "title": problem.title,
                                    "recovered_title": problem.recovered_title, "exclude": list(problem.exclude),
                                    "notify": problem.notify}
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

    # -------------------------------------------------------------- reporting

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

    def _save_alerted(self) -> None:
        try:
            with self.tracker.transaction():
                self.tracker.put(ALERTED_KEY, self.alerted)
        except StoreError as exc:
            log.error("could not record an alert's state: %s", exc)

    # -------------------------------------------------------------- /healthz

    def healthz(self) -> tuple[int, dict[str, Any]]:
        """Status code and body. The body names sources and reasons only: no ids, no member data, no URLs."""
        snap = self.snapshot()
        body = {
            "status": snap["status"],
            "checked_at": snap["checked_at"],
            "reasons": [p["title"] for p in snap["problems"] if p["unhealthy"]],
            "sources": {name: ("ok" if s["ok"] else f"failing since {s['since']}") for name, s in snap["sources"].items()},
            "last_tick": snap["scheduler"]["last_tick"],
        }
        return (200 if snap["status"] == "ok" else 503), body

    async def _serve(self, host: str, port: int) -> int:
        from aiohttp import web  # only when the endpoint is wanted: `import bot` stays light

        async def handle(request: web.Request) -> web.Response:
            try:
                code, body = self.healthz()
            except Exception as exc:  # e.g. the store is unreadable: that is unhealthy, not a crash
                code, body = 503, {"status": "failing", "reasons": [f"self-check failed: {type(exc).__name__}"]}
            return web.json_response(body, status=code)

        app = web.Application()
        app.router.add_get("/healthz", handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, host, port).start()
        self._runner = runner
        return int(runner.addresses[0][1])


def streaks_json(streaks: dict[str, DmStreak]) -> dict[str, Any]:
    return {
        name: {"failures": s.failures, "since": s.since.isoformat() if s.since else None, "last_error": s.last_error[:200]}
        for name, s in sorted(streaks.items())
        if s.failures
    }


def from_store(tracker: Tracker, settings: Settings) -> dict[str, Any]:
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
