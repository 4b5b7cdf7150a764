"""The watchdog: events in, questions tracked, nudges out through the door.

One implementation serves live runs, the demo and replay; they differ only in the
clock they pass and the door's transports. ``ingest`` is synchronous (SQLite
writes on the loop thread); ``tick`` is async because it sends.
"""

from __future__ import annotations

import bisect
import logging
import re
import sqlite3
from collections import OrderedDict
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Any, Callable, Iterable, cast

from . import policy
from .config import Route, Settings
from .conversation import ChannelContext, OpenQuestion
from .detect import judge

# Firing due steps lives in bot/due_steps.py; its constants stay importable from here.
from .due_steps import DUE_BATCH, MAX_TRANSIENT_FAILURES, RETRY_AFTER_FAILURE, DueSteps
from .events import Delete, Edit, Event, Message, Reaction, TopicClosed
from .outbound import Door
from .store import StoreError, Tracker, dt, when

NEWCOMER_GRACE = timedelta(hours=24)  # first seen less than this before asking: still a first-time asker
NEWCOMER_JOINED = timedelta(days=30)  # joined the server longer ago than this: not a newcomer
log = logging.getLogger("unanswered.watchdog")

FLAT_HORIZON = timedelta(minutes=30)  # how far back a flat-channel reply may reach
MAX_CONTEXTS = 2000  # channels whose conversation context stays in memory


@dataclass(frozen=True)
class Judged:
    """What the watchdog decided about one top-level message (replay reports these)."""

    platform: str
    channel: str
    id: str
    author: str
    at: datetime
    is_question: bool
    reasons: tuple[str, ...]
    channel_name: str | None = None


class Watchdog(DueSteps):
    def __init__(
        self,
        settings: Settings,
        tracker: Tracker,
        clock: Any,
        door: Door,
        *,
        fallback_route: Route | None = None,
    ) -> None:
        self.settings = settings
        self.tracker = tracker
        self.clock = clock
        self.door = door
        self.fallback_route = fallback_route
        self.on_due_changed: Callable[[datetime], None] | None = None
        self.on_judged: Callable[[Judged], None] | None = None
        self._routes: dict[tuple[str, str, str | None], Route | None] = {}
        self._contexts: OrderedDict[tuple[str, str], ChannelContext] = OrderedDict()
        self._flat_open: dict[tuple[str, str], list[OpenQuestion]] = {}
        self._flat_oldest: dict[tuple[str, str], datetime] = {}  # at or before the oldest of each _flat_open list
        self._staff = {p: settings.staff_ids(p) for p in ("slack", "discord")}
        self._earliest: datetime | None = None
        self._earliest_known = False
        self.malformed = 0
        self.failed_fires = 0  # due questions whose handling raised (their route's values, a bug): logged, retried later

    # ------------------------------------------------------------------ lookups

    def route(self, platform: str, channel: str, channel_name: str | None = None) -> Route | None:
        key = (platform, channel, channel_name)
        if key not in self._routes:
            route = policy.route_for(self.settings, platform, channel, channel_name)
            if route is None and self.fallback_route is not None:
                route = self.fallback_route
                if platform == "forum" and route.platform == "any":
                    route = route.model_copy(update={"mode": "all"})  # a forum route's default (config.Route)
            self._routes[key] = route
        return self._routes[key]

    def person_for(self, platform: str, user_id: str) -> str | None:
        """The configured person behind a platform user id (None: not staff)."""
        return self._staff.get(platform, {}).get(user_id)

    def is_staff(self, platform: str, user_id: str) -> bool:
        return user_id in self._staff.get(platform, {})

    def _context(self, platform: str, channel: str, now: datetime) -> ChannelContext:
        key = (platform, channel)
        ctx = self._contexts.get(key)
        if ctx is None:
            ctx = self._contexts[key] = ChannelContext(horizon=FLAT_HORIZON)
            self._recall(ctx, platform, channel, now)
            if len(self._contexts) > MAX_CONTEXTS:
                old, _ = self._contexts.popitem(last=False)
                self._flat_open.pop(old, None)
                self._flat_oldest.pop(old, None)
        else:
            self._contexts.move_to_end(key)
        return ctx

    def _recall(self, ctx: ChannelContext, platform: str, channel: str, now: datetime) -> None:
        """A channel memory started after a restart (or after being set aside) remembers the stored talk
        before ``now``: who spoke when (the channel's pace, who is around) and the questions with their
        text, so an answer to a question asked before the restart still finds it. Other texts are not kept."""
        for r in self.tracker.recent_talk(platform, channel, now, ctx.capacity):
            m = Message(platform, channel, r["msg_id"], r["author"], when(r["at"]), r["excerpt"] or "", author_name=r["author_name"])
            ctx.remember(m, is_question=bool(r["is_question"]))

    def _open_flat(self, m: Message, horizon: timedelta) -> list[OpenQuestion]:
        key = (m.platform, m.channel)
        cutoff = m.at - horizon  # the channel's horizon, at its pace
        found = self._flat_open.get(key)
        if found is None:
            # First look at this channel since start: reload its recent open questions.
            found = [
                OpenQuestion(key=r["id"], msg_id=r["msg_id"], author=r["author"], at=cast(datetime, dt(r["asked_at"])))  # asked_at is NOT NULL
                for r in self.tracker.open_unanswered(m.platform, m.channel, cutoff)
            ]
        # Keep the list (no copy per message) unless something in it has aged out: the oldest time
        # kept beside it is a lower bound (removals only raise the true oldest).
        oldest = self._flat_oldest.get(key)
        if oldest is None or oldest < cutoff:
            # The list is in time order (_open_question keeps it so): the aged-out ones are a prefix.
            found = found[bisect.bisect_left(found, cutoff, key=_asked_at) :]
            self._flat_oldest[key] = found[0].at if found else cutoff
        self._flat_open[key] = found
        return found

    # ------------------------------------------------------------------ ingest

    def ingest(self, event: Event) -> None:
        """Apply one event durably (its own transaction)."""
        with self.tracker.transaction():
            self.apply(event)

    def ingest_batch(self, events: Iterable[Event]) -> None:
        """Apply many events in one transaction (history catch-up, replay)."""
        with self.tracker.transaction():
            for event in events:
                self.apply(event)

    def apply(self, event: Event) -> None:
        """Apply one event inside the caller's transaction (replay fires deadlines between events)."""
        try:
            event = storable(event)
            if isinstance(event, Message):
                self._on_message(event)
            elif isinstance(event, Edit):
                self._on_edit(event)
            elif isinstance(event, Delete):
                self._on_delete(event)
            elif isinstance(event, Reaction):
                self._on_reaction(event)
            elif isinstance(event, TopicClosed):
                self._on_closed(event)
            else:
                raise TypeError(f"not an event: {type(event).__name__}")
        except (StoreError, sqlite3.OperationalError):
            raise  # the store failed (locked, full), not the event: roll back, and let the source retry it
        except Exception as exc:  # a malformed event is skipped, never fatal
            self.malformed += 1
            log.warning("skipped a malformed %s event: %s: %s", type(event).__name__, type(exc).__name__, exc)

    def _on_message(self, m: Message) -> None:
        route = self.route(m.platform, m.channel, m.channel_name)
        if route is None or route.mode == "off":
            return  # unwatched: we keep nothing about it
        if not self.tracker.add_message(m):
            return  # already seen (redelivery, overlapping catch-up): nothing changes
        if m.author_is_bot:
            return  # bots never ask and never answer
        if not m.is_top_level or m.reply_to:
            self._structural_reply(m)
            return
        ctx = self._context(m.platform, m.channel, m.at)
        staff = self.is_staff(m.platform, m.author) and not self.settings.defaults.staff_can_ask
        detect = route.mode == "detect" and not staff
        judged: list = []  # the verdict, made once when first needed

        def verdict():
            if not judged:
                judged.append(judge(m, ctx) if detect else None)
            return judged[0]

        hit = None
        if not m.starts_topic:
            open_here = self._open_flat(m, ctx.horizon)
            # A member's own new question never answers anyone else's (asked only when it matters).
            # In mode "all" the detector is not consulted: a post asking with a '?' of its own is its own question.
            own = lambda: v.is_question if (v := verdict()) is not None else ctx.read(m).cues.asks  # noqa: E731
            found = ctx.reply_link(m, open_here, own_question=own) if open_here else None
            if found is not None:
                qid, link = found
                # Wording the reason weighs the candidates again: only for a reader (a judged record, the debug log).
                shown = self.on_judged is not None or log.isEnabledFor(logging.DEBUG)
                hit = (qid, link.why(m, ctx) if shown else "reply model")
                self._answer(qid, m, hit[1])
                self._flat_open[(m.platform, m.channel)] = [q for q in open_here if q.key != qid]
        is_question = False
        reasons: tuple[str, ...] = ()
        if hit is not None:
            reasons = (f"a reply in the conversation ({hit[1]})",)
        elif staff:
            reasons = ("posted by staff",)
        elif (v := verdict()) is None or (m.starts_topic and m.platform == "discord" and "mode" not in route.model_fields_set):
            # Mode "all"; and every Discord forum post is a question unless the route sets a mode.
            is_question = True
            where = "a forum topic" if m.starts_topic else "a new post in a channel where every post is a question"
            reasons = (f"{where} (route mode 'all')",)
        else:
            is_question = v.is_question
            reasons = v.reasons if is_question or self.on_judged is not None else ()  # built on demand
        if not m.starts_topic:
            ctx.remember(m, is_question=is_question)
        if self.on_judged is not None:
            self.on_judged(Judged(m.platform, m.channel, m.id, m.author, m.at, is_question, tuple(reasons), m.channel_name))
        if is_question:
            self._open_question(m, route, list(reasons))

    def _open_question(self, m: Message, route: Route, reasons: list[str]) -> None:
        due = m.at + self.settings.window_for(route)
        # A "hi" a minute before the question does not make a regular: being seen a day earlier does, and so
        # does having joined the server a month before (when the platform says), seen posting or not.
        first_time = not (
            self.tracker.has_spoken_before(m.platform, m.author, m.at - NEWCOMER_GRACE)
            or self.tracker.joined_before(m.platform, m.author, m.at - NEWCOMER_JOINED)
        )
        qid = self.tracker.add_question(m, reasons, first_time=first_time, next_due=due)
        if not qid:
            return
        early = self.tracker.earlier_reply(m.platform, m.channel, m.id, m.author)
        if early is not None:
            # A reply that reached us before its question (a slow lookup, a history read out of order).
            self.tracker.mark_answered(qid, when(early["at"]), early["author"], early["msg_id"])
            return
        if not m.starts_topic:
            key = (m.platform, m.channel)
            found = self._flat_open.setdefault(key, [])
            q = OpenQuestion(key=qid, msg_id=m.id, author=m.author, at=m.at)
            if not found or found[-1].at <= m.at:
                found.append(q)
            else:  # a question read late (catch-up out of order): the list stays in time order for reply_target
                bisect.insort(found, q, key=_asked_at)
            if (oldest := self._flat_oldest.get(key)) is not None and m.at < oldest:
                self._flat_oldest[key] = m.at
        self._due_changed(due)

    def _structural_reply(self, m: Message) -> None:
        """A thread reply or an explicit reply reference answers the question it points at."""
        row = None
        if m.thread is not None and not m.is_top_level:
            row = self.tracker.question_at(m.platform, m.channel, m.thread)
        if row is None and m.reply_to:
            row = self.tracker.question_at(m.platform, m.channel, m.reply_to)
            if row is None:
                parent = self.tracker.message(m.platform, m.channel, m.reply_to)
                if parent is not None and parent["thread"]:
                    row = self.tracker.question_at(m.platform, m.channel, parent["thread"])
        if row is None or row["author"] == m.author or row["answered_at"] is not None or row["status"] == "deleted":
            return  # the asker's own follow-ups never count
        how = "replied in the thread" if not m.is_top_level else "replied to the question"
        self._answer(row["id"], m, how)

    def _answer(self, qid: int, m: Message, how: str) -> None:
        self.tracker.mark_answered(qid, m.at, m.author, m.id, m.author_name)
        log.debug("question %s answered by %s (%s)", qid, m.author, how)

    def _on_edit(self, e: Edit) -> None:
        row = self.tracker.question_at(e.platform, e.channel, e.id)
        if row is not None:
            self.tracker.update_excerpt(row["id"], e.text)

    def _on_delete(self, d: Delete) -> None:
        row = self.tracker.question_at(d.platform, d.channel, d.id)
        if row is not None:
            self.tracker.forget_question(row["id"], d.at)
            key = (d.platform, d.channel)
            if key in self._flat_open:
                self._flat_open[key] = [q for q in self._flat_open[key] if q.key != row["id"]]

    def _on_reaction(self, r: Reaction) -> None:
        handled = self.settings.handled
        if r.author_is_bot or not handled.reactions or r.emoji not in handled.reactions:
            return
        person = self.person_for(r.platform, r.author)
        if handled.by == "staff" and person is None:
            return
        row = self.tracker.question_at(r.platform, r.channel, r.message)
        if row is None or row["status"] not in ("open", "given_up"):
            return
        self.tracker.close_question(row["id"], "resolved", r.at, person or r.author)
        self.tracker.add_action(row["id"], "resolve", person or r.author, r.at, None, note=f"reacted {r.emoji}")

    def _on_closed(self, c: TopicClosed) -> None:
        row = self.tracker.question_at(c.platform, c.channel, c.id)
        if row is not None:
            self.tracker.close_question(row["id"], "closed", c.at, None)


_SURROGATE = re.compile("[\ud800-\udfff]")


def _asked_at(q: OpenQuestion) -> datetime:
    return q.at


def storable(event: Event) -> Event:
    """The event with lone surrogates (valid in JSON "\\ud800", not in UTF-8) replaced by U+FFFD.

    SQLite cannot store them: a message carrying one would otherwise be skipped, and lost.
    """
    # Every event passes here: first a quick look at all its values (one C call fetches them) for anything to fix.
    get = _VALUES.get(event.__class__)
    if get is None:
        get = _values_getter(event.__class__)
    for value in get(event):
        if value.__class__ is str:
            if value.isascii() or not _SURROGATE.search(value):
                continue  # no lone surrogate (none can hide in ASCII, the common case and a C-speed check)
        elif value is None or value.__class__ in _NO_TEXT or (value.__class__ is tuple and not value):
            continue
        return _storable(event)  # a lone surrogate, a tuple of names, anything unusual: the careful way
    return event


_NO_TEXT = frozenset({bool, int, float, datetime})  # values that hold no text
_VALUES: dict[type, Callable[[Any], tuple]] = {}  # event class -> all its slots' values at once


def _values_getter(cls: type) -> Callable[[Any], tuple]:
    names = getattr(cls, "__slots__", ())
    if isinstance(names, tuple) and len(names) > 1:  # (one name: attrgetter would not return a tuple)
        get = _VALUES[cls] = attrgetter(*names)
        return get
    return _unusual  # not an event class we know: the careful way


def _unusual(event: Any) -> tuple:
    return (_UNUSUAL,)  # neither text nor any of _NO_TEXT: storable hands the event to _storable


_UNUSUAL = object()


def _storable(event: Event) -> Event:
    changes: dict[str, Any] = {}
    for name in getattr(event, "__slots__", ()):
        value = getattr(event, name)
        if isinstance(value, str) and value.isascii():
            continue  # the common case, and a C-speed check: no surrogate can hide in ASCII
        if isinstance(value, str) and _SURROGATE.search(value):
            changes[name] = value.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
        elif isinstance(value, tuple) and any(isinstance(v, str) and _SURROGATE.search(v) for v in value):
            changes[name] = tuple(v.encode("utf-16", "surrogatepass").decode("utf-16", "replace") if isinstance(v, str) else v for v in value)
    return replace(event, **changes) if changes else event


__all__ = ["DUE_BATCH", "MAX_TRANSIENT_FAILURES", "RETRY_AFTER_FAILURE", "Judged", "Watchdog", "storable"]
