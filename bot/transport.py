"""What leaves the bot, as values: notes, recipients, renderings, deliveries, and the Transport protocol.

It exists apart from the door (bot/outbound.py) so that transports (the adapters' outbound parts,
the console) and note builders can share this vocabulary without reaching the door itself: only
the door decides who may receive a note and writes the audit. ``ConsoleTransport`` lives here
because it is the transport the core owns (demo, dry runs, replay).
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Protocol, TextIO

BUTTON_LABELS = {
    "claim": "I'm on it",
    "snooze:1h": "Snooze 1h",
    "snooze:morning": "Snooze until morning",
    "dismiss": "Not a question",
    "resolve": "Answered elsewhere",
}
NUDGE_BUTTONS = tuple(BUTTON_LABELS)
CUSTOM_ID_PREFIX = "unanswered"
BLIND_RESEND_AFTER = timedelta(hours=1)
PENDING_ELSEWHERE = "pending elsewhere"  # Delivery.error: the key is recorded, its send not settled yet
DRY_RUN = "dry-run"  # audit result of a printed (not sent) message
NO_LONGER_STAFF = "recipient no longer staff"  # a pending row whose person left [people] or changed id


def button_id(action: str, question: int) -> str:
    """A custom id that survives restarts: everything needed is in the id itself."""
    return f"{CUSTOM_ID_PREFIX}:{action}:{question}"


def parse_button_id(custom_id: str) -> tuple[str, int] | None:
    parts = custom_id.split(":")
    if len(parts) < 3 or parts[0] != CUSTOM_ID_PREFIX:
        return None
    action, qid = ":".join(parts[1:-1]), parts[-1]
    if action not in BUTTON_LABELS or not qid.isdigit():
        return None
    return action, int(qid)


class NotStaff(Exception):
    """Someone tried to send to a recipient that is not configured staff."""


@dataclass(frozen=True)
class Note:
    """What the core wants to tell a moderator, before any platform formatting.

    Every string here is already safe (neutralised member text, our own words).
    """

    kind: str  # nudge | digest | health | notice
    title: str
    fields: tuple[tuple[str, str], ...] = ()
    quote: str | None = None
    link: str | None = None
    reason: str = ""
    question: int | None = None
    buttons: tuple[str, ...] = ()
    footer: str = ""
    body: str = ""
    image: bytes | None = field(default=None, repr=False)
    image_name: str = "chart.png"
    source: str | None = None  # the platform the link goes to (slack | discord | forum): names its label

    def as_text(self) -> str:
        lines = [self.title]
        lines += [f"  {label}: {value}" for label, value in self.fields]
        if self.quote:
            lines += ["  > " + q for q in self.quote.splitlines()]
        if self.link:
            lines.append(f"  link: {self.link}")
        if self.reason:
            lines.append(f"  why: {self.reason}")
        if self.body:
            lines.append(self.body)
        if self.buttons:
            lines.append("  [" + "] [".join(BUTTON_LABELS[b] for b in self.buttons) + "]")
        if self.footer:
            lines.append(f"  {self.footer}")
        return "\n".join(lines)


@dataclass(frozen=True)
class Recipient:
    name: str  # person name, or staff channel name
    platform: str
    address: str  # the person's platform user id, or the allow-listed staff channel id
    is_channel: bool = False


@dataclass(frozen=True)
class Rendered:
    text: str  # exactly what the recipient reads (audited)
    payload: dict[str, Any] | None = None  # the platform body (blocks / embed), audited too


@dataclass(frozen=True)
class Delivery:
    ok: bool
    ref: str | None = None  # where the DM landed, to edit it after a button click
    error: str | None = None
    permanent: bool = False  # retrying the same recipient will not help (closed DMs, unknown user)


class Transport(Protocol):
    """One per platform; lives in adapters/<platform>/outbound.py."""

    platform: str

    def render(self, note: Note, key: str) -> Rendered: ...

    async def deliver(self, to: Recipient, rendered: Rendered, key: str, note: Note) -> Delivery: ...

    async def was_delivered(self, to: Recipient, key: str, since: Any = None) -> bool | None:
        """Whether the message tagged ``key`` arrived; ``since`` (its audit time) bounds how far back to look."""

    async def update(self, ref: str, rendered: Rendered, note: Note) -> None: ...


class ConsoleTransport:
    """Prints what would be sent. Used by the demo and ``run --dry-run``."""

    platform = "console"

    def __init__(self, stream: TextIO | None = None, *, quiet: bool = False) -> None:
        self.stream = stream
        self.quiet = quiet
        self.keys: set[str] = set()  # only keys: a replay of a big history must not keep every text

    def render(self, note: Note, key: str) -> Rendered:
        return Rendered(text=note.as_text())

    async def deliver(self, to: Recipient, rendered: Rendered, key: str, note: Note) -> Delivery:
        self.keys.add(key)
        if not self.quiet:
            out = self.stream or sys.stdout
            where = f"#{to.name} (staff channel)" if to.is_channel else f"{to.name} ({to.platform} DM)"
            out.write(f"\n── would DM {where} ──\n{rendered.text}\n")
            out.flush()
        return Delivery(ok=True, ref=f"console:{key}")

    async def was_delivered(self, to: Recipient, key: str, since: Any = None) -> bool | None:
        return key in self.keys

    async def update(self, ref: str, rendered: Rendered, note: Note) -> None:
        if not self.quiet:
            (self.stream or sys.stdout).write(f"\n── DM updated ({ref}) ──\n{rendered.text}\n")
