"""Due steps: which questions are due, firing one nudge step through the door, and staff actions.

It exists apart from bot/watchdog.py, which judges each incoming message and keeps the question
rows; this half works only from stored questions and the clock, so it is read (and tested) as the
part that decides when staff hear about a question and what the DM says. ``Watchdog`` inherits it;
the attributes below are the ones the watchdog sets up.
"""

from __future__ import annotations

import logging
import sqlite3
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any, Callable
from zoneinfo import ZoneInfo

from . import policy
from .config import Route, Settings, format_duration
from .events import StaffAction
from .outbound import NUDGE_BUTTONS, PENDING_ELSEWHERE, Door, Note, NotStaff
from .render import age, neutralise, plain_name
from .store import Question, StoreError, Tracker

log = logging.getLogger("unanswered.watchdog")

MAX_TRANSIENT_FAILURES = 3
RETRY_AFTER_FAILURE = timedelta(minutes=1)
DUE_BATCH = 200  # questions fired per due-scan


class DueSteps:
    settings: Settings
    tracker: Tracker
    clock: Any
    door: Door
    fallback_route: Route | None
    on_due_changed: Callable[[datetime], None] | None
    _earliest: datetime | None
    _earliest_known: bool
    failed_fires: int
    route: Callable[..., Route | None]

    # ------------------------------------------------------------------ deadlines

    def _due_changed(self, at: datetime) -> None:
        if self._earliest is None or at < self._earliest:
            self._earliest = at
            if self.on_due_changed is not None:
                self.on_due_changed(at)

    def next_due(self) -> datetime | None:
        """The earliest pending deadline (cached; exact after every tick)."""
        if not self._earliest_known:
            self._earliest = self.tracker.next_due()
            self._earliest_known = True
        return self._earliest

    async def tick(self) -> int:
        """Send every nudge that is due now. Returns how many were sent."""
        now = self.clock.now()
        sent = 0
        while True:
            due = self.tracker.due(now, limit=DUE_BATCH)
            for q in due:
                sent += await self._fire_guarded(q, now)
            if len(due) < DUE_BATCH:
                break  # that was everything due at `now`
        self._earliest = self.tracker.next_due()
        self._earliest_known = True
        return sent

    async def _fire_guarded(self, q: Question, now: datetime) -> int:
        """One question's nudge; a value that breaks it (its route's) must not stop every other route."""
        try:
            return await self._fire(q, now)
        except (StoreError, sqlite3.OperationalError):
            raise  # the store failed, not this question: the tick is retried as a whole
        except Exception:
            self.failed_fires += 1
            log.exception("question %s (%s %s) could not be handled; looking again in %s", q.id, q.platform, q.channel, RETRY_AFTER_FAILURE)
            try:
                with self.tracker.transaction():
                    self.tracker.set_next_due(q.id, now + RETRY_AFTER_FAILURE)
            except (OverflowError, ValueError):
                pass
            return 0

    async def _fire(self, q: Question, now: datetime) -> int:
        route = self.route(q.platform, q.channel, q.channel_name)
        if route is None or route.mode == "off":
            with self.tracker.transaction():
                self.tracker.set_next_due(q.id, None)
            return 0
        delivered = q.nudges_sent - q.lost_steps  # attempts handed on reached nobody: not one of max_nudges
        decision = policy.decide(self.settings, route, q.step, delivered, now)
        if decision.send_to is None:
            with self.tracker.transaction():
                if decision.stop:
                    self.tracker.give_up(q.id, now)
                else:
                    self.tracker.set_next_due(q.id, decision.wait_until)
            return 0
        seq = q.nudges_sent
        next_due = policy.after_send(self.settings, route, decision.step, delivered + 1, now)
        note = self.nudge_note(q, route, decision, now)
        try:
            to = self.door.person(decision.send_to, prefer=route.notify_via or q.platform)
        except NotStaff:
            log.error("route %s names %s, who is not configured", route.channel, decision.send_to)
            return 0

        def prepare(audit_id: int) -> None:
            # due_at is the deadline; the audit row has the send time: the gap is the lateness.
            self.tracker.add_nudge(q.id, seq, decision.step, decision.send_to or "", q.next_due or now, audit_id)
            self.tracker.advance(q.id, step=decision.step + 1, nudges_sent=seq + 1, next_due=next_due)
            if next_due is None:
                self.tracker.give_up(q.id, now)  # the chain ends with this nudge

        delivery = await self.door.send(to, note, key=f"nudge:{q.id}:{seq}", questions=[q.id], prepare=prepare)
        if delivery.error == PENDING_ELSEWHERE:
            return 0  # another process (or an unsettled crash) owns this step: not a failure, nothing to retry
        if delivery.ok:
            if q.failures:
                with self.tracker.transaction():
                    self.tracker.set_failures(q.id, 0)
            return 1
        with self.tracker.transaction():
            failures = q.failures + 1
            if delivery.permanent or failures >= MAX_TRANSIENT_FAILURES:
                # This person cannot be reached: try the next one on the chain now.
                more = decision.step + 1 < len(route.chain) or route.repeat
                if more:
                    self.tracker.set_next_due(q.id, now)
                else:
                    self.tracker.give_up(q.id, now)
                self.tracker.set_failures(q.id, 0)
            else:
                self.tracker.set_next_due(q.id, now + RETRY_AFTER_FAILURE, step=decision.step)
                self.tracker.set_failures(q.id, failures)
        return 0

    def hand_on(self, audit_id: int, person: str) -> None:
        """The nudge of ``audit_id`` was never sent: its recipient left the staff (or changed id) before a
        restart settled it. The escalation goes on now with the next person, as the chain now reads:
        after ``person`` if they are still on it (re-addressed), else whoever took their place (the
        chain closed up over them). Runs inside the door's transaction that closes the audit row."""
        nudge = self.tracker.nudge_by_audit(audit_id)
        q = self.tracker.question(nudge["question"]) if nudge is not None else None
        if nudge is None or q is None or q.nudges_sent != nudge["seq"] + 1:
            return  # not a question's step, or a later step went out already: nothing was skipped
        route = self.route(q.platform, q.channel, q.channel_name)
        if route is None or route.mode == "off":
            return
        step = route.chain.index(person) + 1 if person in route.chain else nudge["step"]
        now = self.clock.now()
        self.tracker.resume_chain(q.id, step=step, at=now)
        log.warning("question %s: %s is no longer staff; its nudge step goes to the next person on the chain", q.id, person)
        self._due_changed(now)

    def nudge_note(self, q: Question, route: Route, decision: policy.Decision, now: datetime) -> Note:
        window = self.settings.window_for(route)
        where = q.channel_name or q.channel
        if q.platform in ("slack", "discord") and not where.startswith("#"):
            where = "#" + where
        asker = plain_name(q.author_name, q.author)
        fields = [
            ("Where", f"{where} ({q.platform})"),
            ("Asked by", asker + (" (first question here)" if q.first_time else "")),
            ("Waiting", age((now - q.asked_at).total_seconds()) + " with no reply"),
        ]
        if decision.step > 0:
            fields.append(("Escalation", f"step {decision.step + 1} of {len(route.chain)}: nobody picked it up"))
        if decision.note:
            fields.append(("Note", decision.note))
        reason = f"no reply from anyone but the asker within {format_duration(window)}"
        if q.reasons:
            reason += "; flagged as a question because: " + "; ".join(q.reasons)
        return Note(
            kind="nudge",
            title=f"Unanswered question in {where}",
            fields=tuple(fields),
            quote=neutralise(q.excerpt),
            link=q.link,
            source=q.platform,
            reason=reason,
            question=q.id,
            buttons=NUDGE_BUTTONS,
            footer=f"unanswered · question #{q.id}",
        )

    # ------------------------------------------------------------------ staff actions

    async def act(self, action: StaffAction) -> str:
        """Apply a moderator's button click. Returns a line describing the outcome."""
        if action.by not in self.settings.people:
            return "Only configured staff can act on these notes."
        q = self.tracker.question(action.question)
        if q is None or q.status == "deleted":
            return "That question no longer exists (it was deleted)."
        when = action.at.strftime("%Y-%m-%d %H:%M UTC")
        if q.status not in ("open", "given_up"):  # given up: the chain is used up, but staff can still act
            by = q.answered_by or q.closed_by or "someone"
            return f"Already {q.status} (by {plain_name(by, by)})."
        with self.tracker.transaction():
            self.tracker.add_action(q.id, action.kind, action.by, action.at, action.until, action.note)
            if action.kind == "claim":
                self.tracker.claim(q.id, action.by, action.at)
                outcome = f"{action.by} is on it ({when}). No more reminders about this one."
            elif action.kind == "snooze":
                until = action.until or action.at + timedelta(hours=1)
                nudges = self.tracker.nudges_for(q.id)
                step = nudges[-1]["step"] if nudges else q.step
                self.tracker.set_next_due(q.id, until, step=step)
                self._due_changed(until)
                person = self.settings.people.get(action.by)
                zone = ZoneInfo(person.timezone if person is not None else "UTC")
                # In the snoozer's own clock: "until 08:00" must read as their morning, not UTC's.
                outcome = f"Snoozed by {action.by} until {until.astimezone(zone):%a %d %b %H:%M} ({zone.key})."
            elif action.kind == "dismiss":
                self.tracker.close_question(q.id, "dismissed", action.at, action.by)
                outcome = f"Marked 'not a question' by {action.by} ({when}). Thanks: this teaches us what to skip."
            elif action.kind == "resolve":
                self.tracker.close_question(q.id, "resolved", action.at, action.by)
                outcome = f"Marked answered elsewhere by {action.by} ({when})."
            else:
                raise ValueError(f"unknown action {action.kind!r}")
        return outcome

    def followup_note(self, qid: int, outcome: str) -> Note | None:
        """The nudge as it should read after someone acted on it: same facts, no buttons."""
        q = self.tracker.question(qid)
        if q is None or q.status == "deleted":
            return None
        route = self.route(q.platform, q.channel, q.channel_name) or self.fallback_route
        if route is None:
            return None
        note = self.nudge_note(q, route, policy.Decision(step=0), self.clock.now())
        return replace(note, title=note.title + " (handled)", fields=note.fields + (("Update", outcome),), buttons=())
