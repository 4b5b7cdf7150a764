"""The ingest gate: how a chat adapter's events reach the core, written once for Slack and Discord.

What it guarantees, whatever the platform:
- Per-channel order. Each live event is submitted the moment it arrives, with the slow part
  (user / channel lookups, translation) as a coroutine; lookups run concurrently, but events of
  one channel are applied in the order they arrived, so a slow ``users.info`` can never put a
  reply before its question.
- Held during catch-up. While history is being read, live events wait; when the catch-up is
  applied they are released in time order (stable), after the history they follow.
- Bounded transactions. A batch (catch-up, released events) is applied in chunks of
  ``CHUNK`` events, each its own transaction, yielding to the loop in between, so Socket Mode
  acks and button clicks are never kept waiting by a 10k-event catch-up.
- Nothing lost when the store refuses. An event (or chunk) the database refuses opens a gap
  in its channel: the time history must be read again from. A retry with back-off re-runs the
  adapter's catch-up until no gap is left; the adapter's catch-up reads each channel from
  ``gap(channel)`` when there is one, else from its resume point.

The adapter never sees the tracker, the watchdog or the door: it gets a ``ChatPort``.
"""

from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any, AsyncIterator, Awaitable, Callable, Iterable

from .events import Event
from .store import StoreError

log = logging.getLogger("unanswered.ingest")

CHUNK = 500  # events per transaction when applying a batch
RETRY = 5.0  # seconds before a failed catch-up is tried again (doubles)
RETRY_MAX = 60.0  # a catch-up retry is a few history reads: once the platform answers again, catch up within a minute
GAP_MARGIN = timedelta(seconds=2)  # re-read from this much before an event the store refused
PENDING_KEY = "catch_up_pending"  # source state: read points of a catch-up being applied

Prepare = Callable[[], Awaitable[Iterable[Event]]]


class IngestGate:
    def __init__(
        self,
        name: str,
        ingest: Callable[[Event], None],
        ingest_batch: Callable[[list[Event]], None],
        report: Callable[[bool, str], None],
        *,
        chunk: int = CHUNK,
        retry: float = RETRY,
    ) -> None:
        self.name = name
        self._ingest = ingest
        self._ingest_batch = ingest_batch
        self._report = report
        self.chunk = chunk
        self.retry = retry  # tests shorten it
        self.catch_up: Callable[[], Awaitable[Any]] | None = None  # the adapter's catch-up, re-run while gaps remain
        self._tails: dict[str, asyncio.Future[None]] = {}  # channel -> completion of its newest submission
        self._held: list[Event] | None = None
        self._holds = 0
        self._lock = asyncio.Lock()
        self._gaps: dict[str, datetime] = {}
        self._retrying: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self.save_pending: Callable[[dict[str, str]], None] | None = None  # durable copy of a catch-up's read points
        self._pending = False  # a non-empty copy of read points / gaps is saved
        self._unsaved = False  # a gap opened since the last save: not on disk yet

    # ------------------------------------------------------------------ live events

    async def submit(self, channel: str, prepare: Prepare) -> None:
        """Apply what ``prepare`` yields, after everything submitted earlier for ``channel``.

        Call it before any ``await`` of the listener, so the arrival order is the order of the calls.
        """
        previous = self._tails.get(channel)
        mine: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._tails[channel] = mine
        try:
            try:
                events = list(await prepare())
            finally:
                if previous is not None:
                    await asyncio.shield(previous)  # never raises: set in a finally below
            self.accept(events)
        finally:
            mine.set_result(None)
            if self._tails.get(channel) is mine:
                del self._tails[channel]

    def accept(self, events: Iterable[Event]) -> None:
        """Live events, already in order: held during a catch-up, else applied one by one."""
        if self._held is not None:
            self._held.extend(events)
            return
        for event in events:
            if event.channel in self._gaps and not self._gaps_saved():
                # Storing a newer event of this channel before its gap is on disk would move its
                # resume point past the refused one: a crash then would lose it. Re-read instead.
                self.open_gap(event.channel, event.at - GAP_MARGIN)
                self.retry_later()
                continue
            try:
                self._ingest(event)
            except StoreError as exc:
                log.error("%s: could not store an event (%s); it will be re-read from the channel history", self.name, exc)
                self.open_gap(event.channel, event.at - GAP_MARGIN)
                self._gaps_saved()  # usually refused too (the same store); tried again before this channel's next event
                self._report(False, "the database refused an event; re-reading history")
                self.retry_later()

    # ------------------------------------------------------------------ catch-up

    @asynccontextmanager
    async def catching_up(self) -> AsyncIterator[None]:
        """One catch-up at a time; live events are held until it ends, then released in time order."""
        async with self.holding():
            async with self._lock:
                yield

    @asynccontextmanager
    async def holding(self) -> AsyncIterator[None]:
        """Hold live events (e.g. from connecting until the first catch-up is applied); nests."""
        self._holds += 1
        if self._held is None:
            self._held = []
        try:
            yield
        finally:
            self._holds -= 1
            # Still holding while releasing: what arrives meanwhile queues behind the released events.
            while self._holds == 0 and self._held:
                held, self._held = self._held, []
                held.sort(key=lambda e: e.at)  # stable: same-time events keep their arrival order
                await self.apply(held)
            if self._holds == 0:
                self._held = None

    async def apply(self, events: list[Event], read_from: dict[str, datetime] | None = None) -> bool:
        """Apply a time-ordered batch in bounded transactions. False if the store refused part of it
        (that part's channels get gaps, and a retry is scheduled).

        ``read_from`` (a catch-up: where each channel was read from) is saved durably before the
        first chunk and cleared after the last: a crash between chunks has moved the resume point
        past events not yet stored (a thread reply to an older root), so the next start reads
        those channels again from there."""
        # Also durable while a gap is open (a channel whose history could not be read): live events
        # released after this batch move the resume point past that unread history, so a crash
        # before the retry must still find the gap. A saved copy is cleared once nothing is left.
        points = read_from or {}
        save = bool(points) and (len(events) > self.chunk or bool(self._gaps) or self._pending)
        durable = self._save(_earliest(points, self._gaps)) if save else self._gaps_saved()
        if not durable:
            # Read points or gaps the store would not take: nothing of those channels is stored now
            # (it would move their resume points past what a crash would then lose); re-read later.
            risky = set(points) | set(self._gaps)
            for channel in risky & set(points):
                self.open_gap(channel, points[channel])
            events = [e for e in events if e.channel not in risky]
            self._report(False, "the database refused the catch-up; retrying")
            self.retry_later()
            save = False
        for start in range(0, len(events), self.chunk):
            part = events[start : start + self.chunk]
            try:
                self._ingest_batch(part)
            except StoreError as exc:
                log.error("%s: could not store the catch-up (%s); retrying", self.name, exc)
                for event in events[start:]:
                    self.open_gap(event.channel, event.at - GAP_MARGIN)
                self._save(_earliest(points, self._gaps) if save else self._gaps)
                self._report(False, "the database refused the catch-up; retrying")
                self.retry_later()
                return False
            await asyncio.sleep(0)  # let acks, clicks and live events in between chunks
        if save or self._unsaved:
            self._save(self._gaps)
        return durable

    def restore(self, saved: Any) -> None:
        """Gaps saved by a catch-up that did not finish (the process died between chunks)."""
        if isinstance(saved, dict):
            self._pending = bool(saved)  # cleared by the next catch-up that leaves no gap
            for channel, at in saved.items():
                try:
                    self.open_gap(str(channel), datetime.fromisoformat(at))
                except (TypeError, ValueError):
                    continue
            self._unsaved = False  # these came from disk

    # ------------------------------------------------------------------ gaps and their retry

    def gap(self, channel: str) -> datetime | None:
        """Where the next catch-up of ``channel`` must start, if an earlier read or write failed."""
        return self._gaps.get(channel)

    @property
    def gaps(self) -> dict[str, datetime]:
        return dict(self._gaps)

    def open_gap(self, channel: str, since: datetime) -> None:
        current = self._gaps.get(channel)
        if current is None or since < current:
            self._gaps[channel] = since
            self._unsaved = True  # on disk before anything newer of this channel is stored

    def _gaps_saved(self) -> bool:
        """The gaps are on disk (saved now if they were not). False if the store refused."""
        return not self._unsaved or self._save(self._gaps)

    def _save(self, points: dict[str, datetime]) -> bool:
        """Save read points and gaps durably (a restart restores them as gaps). False if refused."""
        if self.save_pending is None:  # a gate without a store (tests of the gate alone): nothing to lose
            self._unsaved = False
            return True
        try:
            self.save_pending({c: t.isoformat() for c, t in points.items()})
        except StoreError as exc:  # the store the events go to: they will meet it too
            log.warning("%s: could not record where history must be read again (%s)", self.name, exc)
            return False
        self._pending = bool(points)
        self._unsaved = not all(c in points and points[c] <= t for c, t in self._gaps.items())
        return True

    def close_gap(self, channel: str) -> None:
        self._gaps.pop(channel, None)

    def retry_later(self) -> None:
        """Re-run the adapter's catch-up with back-off (5 s, 10 s, ... 1 min) until no gap is left."""
        if not self._gaps or self.catch_up is None or (self._retrying is not None and not self._retrying.done()):
            return
        self._retrying = self.spawn(self._retry_loop())

    async def _retry_loop(self) -> None:
        delay = self.retry
        while self._gaps and self.catch_up is not None:
            await asyncio.sleep(delay)
            try:
                await self.catch_up()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # logged; tried again later
                log.warning("%s: catch-up retry failed: %s", self.name, type(exc).__name__)
            delay = min(delay * 2, RETRY_MAX)
        if not self._gaps:
            self._report(True, "history caught up")

    # ------------------------------------------------------------------ tasks

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def stop(self) -> None:
        tasks = list(self._tasks)
        for task in tasks:
            task.cancel()
        for task in tasks:
            try:
                await task
            except BaseException:  # cancelled, or already failed and logged
                pass


def _earliest(*maps: dict[str, datetime]) -> dict[str, datetime]:
    """Per channel, the earliest time any of the maps names."""
    out: dict[str, datetime] = {}
    for points in maps:
        for channel, at in points.items():
            out[channel] = min(out.get(channel, at), at)
    return out


class ChatPort:
    """All a chat adapter may reach of the core: ingest through its gate, report health, read
    what it needs to catch up, keep its own small state, and pass on button clicks."""

    def __init__(self, hub: Any, name: str) -> None:
        self._hub = hub
        self.name = name
        self.clock = hub.clock
        self.gate = IngestGate(name, hub.ingest, hub.ingest_batch, self.report)
        self.gate.restore(self.state(PENDING_KEY))
        self.gate.save_pending = self._save_pending

    def _save_pending(self, points: dict[str, str]) -> None:
        self.set_state(PENDING_KEY, points)  # a StoreError is the gate's to handle

    def report(self, ok: bool, detail: str = "") -> None:
        self._hub.report(self.name, ok, detail)

    def resume_point(self, channel: str) -> tuple[str, datetime] | None:
        return self._hub.resume_point(self.name, channel)

    def open_questions(self) -> list[Any]:
        return self._hub.open_questions(self.name)

    def watched_routes(self) -> list[Any]:
        return self._hub.watched_routes(self.name)

    def window_for(self, route: Any) -> timedelta:
        return self._hub.settings.window_for(route)

    def state(self, key: str, default: Any = None) -> Any:
        return self._hub.source_state(self.name, key, default)

    def set_state(self, key: str, value: Any) -> None:
        self._hub.set_source_state(self.name, key, value)

    async def handle_button(self, user_id: str, custom_id: str, ref: str | None = None) -> str:
        return await self._hub.handle_button(self.name, user_id, custom_id, ref)


__all__ = ["ChatPort", "IngestGate", "CHUNK", "GAP_MARGIN"]
