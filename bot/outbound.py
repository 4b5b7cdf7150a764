"""The outbound door: the only way anything leaves the bot.

Rules it enforces, so no caller has to remember them:
- It speaks only to configured staff: a person from ``[people]`` (by DM) or a
  channel from ``[staff_channels]``. There is no way to pass it a channel id taken
  from an event.
- Member text arrives already neutralised (``bot.render``); each transport adds its
  own platform escaping when it renders.
- The full rendered text is written to the audit log *before* sending, in the same
  transaction as the caller's own bookkeeping (e.g. "nudge step 2 done"), and the
  result is recorded after. A crash in between leaves a ``pending`` record that
  ``resume_pending`` settles at the next start: it asks the platform whether the
  message (tagged with its key) arrived, and sends it only if it did not.
- ``dry_run`` prints instead of sending (console transport), still audited.
"""

from __future__ import annotations

import json
import logging
from functools import partial
from typing import Any, Callable

from .config import Settings
from .neutralise import feed_hosts, neutral_note
from .render import one_line
from .store import Tracker, dt

# The vocabulary lives in bot/transport.py; importing it from here keeps every caller's path working.
from .transport import (
    BLIND_RESEND_AFTER,
    BUTTON_LABELS,
    CUSTOM_ID_PREFIX,
    DRY_RUN,
    NO_LONGER_STAFF,
    NUDGE_BUTTONS,
    PENDING_ELSEWHERE,
    ConsoleTransport,
    Delivery,
    Note,
    NotStaff,
    Recipient,
    Rendered,
    Transport,
    button_id,
    parse_button_id,
)

__all__ = [
    "BLIND_RESEND_AFTER",
    "BUTTON_LABELS",
    "CUSTOM_ID_PREFIX",
    "DRY_RUN",
    "NO_LONGER_STAFF",
    "NUDGE_BUTTONS",
    "PENDING_ELSEWHERE",
    "ConsoleTransport",
    "Delivery",
    "Door",
    "Note",
    "NotStaff",
    "Recipient",
    "Rendered",
    "Transport",
    "button_id",
    "parse_button_id",
]

log = logging.getLogger("unanswered.outbound")


class Door:
    def __init__(
        self,
        settings: Settings,
        tracker: Tracker,
        clock: Any,
        transports: dict[str, Transport] | None = None,
        *,
        dry_run: bool = False,
        console: ConsoleTransport | None = None,
    ) -> None:
        self.settings = settings
        self.tracker = tracker
        self.clock = clock
        self.transports = dict(transports or {})
        self.dry_run = dry_run
        self.console = console or ConsoleTransport()
        self._in_flight: set[str] = set()  # keys being sent by this process (not crash leftovers)
        self._forum_hosts = feed_hosts(f.url for f in settings.feeds)  # where a forum question's link may go
        # Called with (audit id, person) when resume closes a nudge row as "recipient no longer staff",
        # in the same transaction: the watchdog hands that step to the next person on the chain.
        self.on_lost_step: Callable[[int, str], None] | None = None

    def add_transport(self, transport: Transport) -> None:
        self.transports[transport.platform] = transport

    # -------------------------------------------------------------- recipients

    def person(self, name: str, *, prefer: str | None = None) -> Recipient:
        """The DM address of a configured person, on the best platform we can reach."""
        person = self.settings.people.get(name)
        if person is None:
            raise NotStaff(f"{name!r} is not a configured person")
        ids = {p: getattr(person, p) for p in ("slack", "discord") if getattr(person, p)}
        order = [person.notify_via, prefer, *sorted(ids)]
        for platform in order:
            if platform in ids and (self.dry_run or platform in self.transports):
                return Recipient(name=name, platform=platform, address=ids[platform])
        if self.dry_run or not ids:
            # Demo and replay: people may have no ids at all; the console needs none.
            platform = next((p for p in order if p in ids), "console")
            return Recipient(name=name, platform=platform, address=ids.get(platform, name))
        return Recipient(name=name, platform=next(iter(ids)), address=next(iter(ids.values())))

    def staff_channel(self, name: str) -> Recipient:
        channel = self.settings.staff_channels.get(name)
        if channel is None:
            raise NotStaff(f"{name!r} is not an allow-listed staff channel")
        return Recipient(name=name, platform=channel.platform, address=channel.channel, is_channel=True)

    def _transport(self, to: Recipient) -> Transport | None:
        if self.dry_run:
            return self.console
        return self.transports.get(to.platform)

    # -------------------------------------------------------------- sending

    async def send(
        self,
        to: Recipient,
        note: Note,
        *,
        key: str,
        questions: list[int] | None = None,
        prepare: Callable[[int], None] | None = None,
    ) -> Delivery:
        """Audit, then send. ``prepare(audit_id)`` runs in the audit's transaction."""
        self._check(to)
        note = self.neutral(note)
        transport = self._transport(to)
        now = self.clock.now()
        rendered = transport.render(note, key) if transport else Rendered(text=note.as_text())
        with self.tracker.transaction():
            audit_id = self.tracker.audit_begin(
                at=now,
                kind=note.kind,
                person=to.name,
                platform=to.platform,
                address=to.address,
                text=rendered.text,
                payload=rendered.payload,
                reason=note.reason,
                questions=questions or ([note.question] if note.question else []),
                key=key,
            )
            if audit_id is None:
                # Already recorded under this key: this message was handled before.
                found = self.tracker.audit_by_key(key)
                assert found is not None  # audit_begin found this key, so its row exists
                row = dict(found)  # a plain dict: a misspelt column fails loudly (sqlite3.Row ignores case)
                log.info("not sending %s again (audit #%s: %s)", key, row["id"], row["result"])
                if row["result"] == "pending":
                    # Being sent by another process, or left by a crash for resume_pending to settle:
                    # neither a failure nor a reason to try again under another key.
                    return Delivery(ok=False, ref=row["ref"], error=PENDING_ELSEWHERE)
                return Delivery(ok=row["result"] in ("sent", DRY_RUN), ref=row["ref"], error="duplicate")
            if prepare is not None:
                prepare(audit_id)
        self._in_flight.add(key)
        try:
            if transport is None:
                delivery = Delivery(ok=False, error=f"no {to.platform} connection is configured", permanent=True)
            else:
                delivery = await self._deliver(transport, to, rendered, key, note)
            self._finish(audit_id, delivery)
        finally:
            self._in_flight.discard(key)
        return delivery

    async def _deliver(self, transport: Transport, to: Recipient, rendered: Rendered, key: str, note: Note) -> Delivery:
        try:
            return await transport.deliver(to, rendered, key, note)
        except Exception as exc:  # a transport bug must not take the watchdog down
            log.exception("sending %s to %s failed", key, to.name)
            return Delivery(ok=False, error=f"{type(exc).__name__}: {exc}")

    def _finish(self, audit_id: int, delivery: Delivery, then: Callable[[], None] | None = None) -> None:
        """Record the result; ``then`` runs in the same transaction (nothing settled without its follow-up)."""
        if delivery.ok:
            result = "dry-run" if self.dry_run else "sent"
        else:
            # The error text may carry a platform's words: audited inert, like everything else.
            result = ("failed-permanent: " if delivery.permanent else "failed: ") + one_line(delivery.error or "unknown error", 300)
        with self.tracker.transaction():
            self.tracker.audit_finish(audit_id, result, self.clock.now(), delivery.ref)
            if then is not None:
                then()
        log.info("audit #%s %s", audit_id, result)

    def neutral(self, note: Note) -> Note:
        """The one neutralising step: whoever built the note, what leaves is inert (bot.neutralise)."""
        return neutral_note(note, self._forum_hosts)

    def _check(self, to: Recipient) -> None:
        if to.is_channel:
            expected = self.staff_channel(to.name)
        else:
            person = self.settings.people.get(to.name)
            if person is None:
                raise NotStaff(f"{to.name!r} is not a configured person")
            allowed = {getattr(person, p) for p in ("slack", "discord") if getattr(person, p)} or {to.name}
            if to.address not in allowed:
                raise NotStaff(f"{to.address!r} is not {to.name}'s configured id")
            return
        if expected != to:
            raise NotStaff(f"{to.address!r} is not the allow-listed staff channel {to.name!r}")

    async def update_by_ref(self, ref: str, note: Note) -> None:
        """Edit a DM we sent earlier (after a button click): our own message in a staff DM only."""
        found = self.tracker.audit_sent_with_ref(ref)
        row = dict(found) if found is not None else None  # a plain dict: column names checked exactly
        if row is None or not row["ref"]:
            log.warning("not editing %s: it is not a message this bot sent", ref)
            return
        audit_id = row["id"]
        to = Recipient(name=row["person"], platform=row["platform"], address=row["address"])
        try:
            self._check(to)
        except NotStaff as exc:
            log.warning("not editing the DM of audit #%s: %s", audit_id, exc)
            return
        transport = self._transport(to)
        if transport is None:
            return
        note = self.neutral(note)
        rendered = transport.render(note, row["key"])
        with self.tracker.transaction():
            update_id = self.tracker.audit_begin(
                at=self.clock.now(),
                kind="update",
                person=to.name,
                platform=to.platform,
                address=to.address,
                text=rendered.text,
                payload=rendered.payload,
                reason=f"edit of audit #{audit_id}",
                questions=json.loads(row["questions"]),
                key=f"update:{audit_id}:{self.clock.now().timestamp()}",
            )
        try:
            await transport.update(row["ref"], rendered, note)
        except Exception as exc:
            log.exception("editing DM of audit #%s failed", audit_id)
            result = f"failed: {type(exc).__name__}"
        else:
            result = "dry-run" if self.dry_run else "sent"
        if update_id is not None:
            with self.tracker.transaction():
                self.tracker.audit_finish(update_id, result, self.clock.now(), row["ref"])

    async def resume_pending(self) -> int:
        """Settle records left ``pending`` by a crash between audit and result. Returns how many were re-sent.

        The platform is asked whether the DM (tagged with its key) arrived: yes → recorded as sent;
        no → sent now. When it cannot tell (history unreadable), the record stays pending and is
        asked about again at the next settle (wiring runs this every few minutes); only after
        ``BLIND_RESEND_AFTER`` of not knowing is it sent anyway: a nudge is never skipped, and a
        duplicate needs an hour-long platform outage that hides the DM history.
        """
        resent = 0
        now = self.clock.now()
        for row in map(dict, self.tracker.pending_audit()):  # plain dicts: column names checked exactly
            if row["key"] in self._in_flight:
                continue  # being sent right now by this process: not a crash leftover
            if row["kind"] == "update":
                # An interrupted edit of an old DM: sending it as a new DM would be wrong.
                self._finish(row["id"], Delivery(ok=False, error="interrupted edit, not repeated", permanent=True))
                continue
            to = Recipient(
                name=row["person"],
                platform=row["platform"],
                address=row["address"],
                is_channel=row["person"] in self.settings.staff_channels and row["kind"] != "nudge",
            )
            try:
                # The config may have changed since the row was written: a person removed or
                # re-addressed gets nothing (not even a history read of their DM).
                self._check(to)
            except NotStaff as exc:
                log.warning("not resending %s: %s", row["key"], exc)
                hand_on = self.on_lost_step if row["kind"] == "nudge" else None
                then = partial(hand_on, row["id"], row["person"]) if hand_on is not None else None
                self._finish(row["id"], Delivery(ok=False, error=NO_LONGER_STAFF, permanent=True), then)
                continue
            transport = self._transport(to)
            if transport is None:
                continue
            try:
                arrived = await transport.was_delivered(to, row["key"], since=dt(row["at"]))
            except Exception:
                log.exception("could not check whether %s arrived", row["key"])
                continue
            if arrived:
                self._finish(row["id"], Delivery(ok=True))
                continue
            if arrived is None and (now.timestamp() - row["at"]) < BLIND_RESEND_AFTER.total_seconds():
                log.warning("cannot tell yet whether %s reached %s; asking again later", row["key"], row["person"])
                continue
            payload = json.loads(row["payload"]) if row["payload"] else None
            # Re-send exactly the audited text: what was recorded is what goes out.
            note = Note(kind=row["kind"], title=row["text"].splitlines()[0] if row["text"] else "", body="")
            delivery = await self._deliver(transport, to, Rendered(text=row["text"], payload=payload), row["key"], note)
            self._finish(row["id"], delivery)
            resent += 1
        return resent
