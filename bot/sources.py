"""The contract between the core and a platform adapter.

An adapter (adapters/<platform>/) is a ``Source``: it connects, catches up from
history, feeds translated events to the ``Hub`` and may offer a ``Transport`` for
staff DMs. The hub is all an adapter can reach of the core: it can report what it
saw and what a moderator clicked, and read where to resume. It cannot send.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable, Iterable, Protocol

from . import policy
from .config import Settings
from .events import Event, StaffAction
from .outbound import Note, NotStaff, Transport, parse_button_id
from .store import Question, StoreError, Tracker
from .watchdog import Watchdog

log = logging.getLogger("unanswered.sources")
CATCH_UP_BAR_FROM = 1000  # events: a shorter catch-up is over before a bar could say anything


class Source(Protocol):
    name: str

    def transport(self) -> Transport | None: ...

    async def start(self, hub: "Hub") -> None:
        """Connect, catch up on what was missed, and keep feeding events (background tasks)."""

    async def stop(self) -> None: ...


@dataclass
class Health:
    ok: bool
    since: datetime
    detail: str = ""


class Hub:
    def __init__(self, settings: Settings, watchdog: Watchdog, tracker: Tracker, clock: Any, scheduler: Any = None) -> None:
        self.settings = settings
        self.watchdog = watchdog
        self.tracker = tracker
        self.clock = clock
        self.scheduler = scheduler
        self.health: dict[str, Health] = {}

    # -- what adapters report
    def ingest(self, event: Event) -> None:
        self.watchdog.ingest(event)

    def ingest_batch(self, events: Iterable[Event]) -> None:
        """A catch-up's events in one go; a long one shows a progress bar when stderr is a terminal."""
        from .progress import bar

        total = len(events) if isinstance(events, (list, tuple)) else None
        with bar(events, "catching up", "events", enabled=None if (total or 0) >= CATCH_UP_BAR_FROM else False, total=total) as counted:
            self.watchdog.ingest_batch(counted)

    async def act(self, action: StaffAction) -> str:
        return await self.watchdog.act(action)

    def report(self, source: str, ok: bool, detail: str = "") -> None:
        """A source's connection state; changes are logged and kept for `status`."""
        now = self.clock.now()
        prev = self.health.get(source)
        if prev is None or prev.ok != ok:
            self.health[source] = Health(ok=ok, since=now, detail=detail)
            (log.info if ok else log.warning)("%s: %s%s", source, "connected" if ok else "failing", f" ({detail})" if detail else "")
        elif detail and detail != prev.detail:
            prev.detail = detail  # same state, newer detail: keep `status` current
        else:
            return
        current = self.health[source]
        try:
            with self.tracker.transaction():
                self.tracker.put(f"health:{source}", {"ok": ok, "since": current.since.isoformat(), "detail": current.detail})
        except StoreError as exc:
            # Best effort: the report may be *about* the store failing; memory (and /healthz) still know.
            log.warning("could not record %s's health in the database: %s", source, exc)

    async def handle_button(self, platform: str, user_id: str, custom_id: str, ref: str | None = None) -> str:
        """A moderator clicked a button in one of our DMs.

        Checks that the clicker is configured staff, applies the action, and edits the
        DM (``ref`` is the transport's reference of that DM message) to show who did
        what. Returns the outcome line, for an ephemeral acknowledgement in the DM.
        Works after a restart: everything needed is in the button's custom id.
        """
        parsed = parse_button_id(custom_id)
        if parsed is None:
            return "That button is not one of ours."
        action, qid = parsed
        person = self.person_for(platform, user_id)
        if person is None:
            log.warning("ignored a %s click by %s, who is not configured staff", action, platform)
            return "Only configured staff can act on these notes."
        now = self.clock.now()
        kind, until = action, None
        if action == "snooze:1h":
            kind, until = "snooze", now + timedelta(hours=1)
        elif action == "snooze:morning":
            kind, until = "snooze", policy.next_morning(self.settings.people[person], now)
        outcome = await self.act(StaffAction(kind=kind, question=qid, by=person, at=now, until=until))
        if ref:
            note = self.watchdog.followup_note(qid, outcome)
            if note is not None:
                await self.watchdog.door.update_by_ref(ref, note)
        return outcome

    async def alert(self, key: str, title: str, body: str, *, exclude: Iterable[str] = ()) -> int:
        """Tell the staff once about a problem (or its recovery), e.g. a feed failing for hours.

        ``key`` makes it once-only: the same key is never sent twice (the audit log
        remembers it across restarts). Recipients: [digest].recipients, else everyone in [people],
        minus ``exclude`` (someone whose DMs are the problem); when that leaves nobody,
        everyone else in [people]. Returns how many were told.
        """
        door = self.watchdog.door
        skip = set(exclude)
        names = [n for n in self.settings.digest.recipients or sorted(self.settings.people) if n not in skip]
        if not names:
            names = [n for n in sorted(self.settings.people) if n not in skip]
        note = Note(kind="health", title=title, body=body, reason=f"source health: {key}")
        told = 0
        for name in names:
            try:
                to = door.person(name)
            except NotStaff:
                continue
            told += (await door.send(to, note, key=f"health:{key}:{name}")).ok
        if not told:
            log.error("nobody could be told about %s", key)
        return told

    # -- what chat adapters get instead of the hub (issue 12: narrow doors)
    def chat_port(self, name: str) -> Any:
        from .ingest_gate import ChatPort

        return ChatPort(self, name)

    def source_state(self, source: str, key: str, default: Any = None) -> Any:
        """A source's own small state (cursors, sync marks), kept in the store under its name."""
        return self.tracker.get(f"{source}:{key}", default)

    def set_source_state(self, source: str, key: str, value: Any) -> None:
        with self.tracker.transaction():
            self.tracker.put(f"{source}:{key}", value)

    # -- what adapters may read
    def person_for(self, platform: str, user_id: str) -> str | None:
        return self.watchdog.person_for(platform, user_id)

    def resume_point(self, platform: str, channel: str) -> tuple[str, datetime] | None:
        """The newest stored message of a channel: history catch-up starts after it."""
        return self.tracker.last_message(platform, channel)

    def open_questions(self, platform: str, channel: str | None = None) -> list[Question]:
        return self.tracker.open_questions(platform, channel)

    def watched_routes(self, platform: str) -> list[Any]:
        return [r for r in self.settings.routes if r.platform == platform and r.mode != "off"]

    def every(self, interval: timedelta, job: Callable[[], Awaitable[None]], *, id: str) -> None:
        if self.scheduler is None:
            raise RuntimeError("no scheduler: recurring jobs need a live run")
        self.scheduler.every(interval, job, id=id)
