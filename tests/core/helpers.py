"""Small builders for core tests: events at relative minutes, a watchdog on a real store."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.config import Settings
from bot.events import Message
from bot.outbound import Delivery, Door, Note, Recipient, Rendered
from bot.watchdog import Watchdog

from ..conftest import T0

BASE_TOML = """
[defaults]
window = "1h"
escalate_after = "30m"

[people.alice]
slack = "UALICE"
timezone = "UTC"

[people.bob]
slack = "UBOB"
timezone = "UTC"

[[routes]]
platform = "slack"
channel = "C1"
mode = "detect"
chain = ["alice", "bob"]
"""


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def msg(mid: str, author: str, minutes: float, text: str = "How do I reset my password?", **kw) -> Message:
    kw.setdefault("platform", "slack")
    kw.setdefault("channel", "C1")
    return Message(id=mid, author=author, at=at(minutes), text=text, **kw)


@dataclass
class RecordingTransport:
    """Stands in for a platform's DM API: records what the door hands it."""

    platform: str = "slack"
    fail_with: Delivery | None = None
    delivered: list[tuple[Recipient, Rendered, str]] = field(default_factory=list)
    on_deliver: object = None

    def render(self, note: Note, key: str) -> Rendered:
        return Rendered(text=note.as_text(), payload={"key": key})

    async def deliver(self, to: Recipient, rendered: Rendered, key: str, note: Note) -> Delivery:
        if callable(self.on_deliver):
            self.on_deliver(to, key)
        if self.fail_with is not None:
            return self.fail_with
        self.delivered.append((to, rendered, key))
        return Delivery(ok=True, ref=f"D{to.address}:{len(self.delivered)}")

    async def was_delivered(self, to: Recipient, key: str, since: object = None) -> bool | None:
        return any(k == key for _, _, k in self.delivered)

    async def update(self, ref: str, rendered: Rendered, note: Note) -> None:
        self.delivered.append((Recipient("(edit)", self.platform, ref), rendered, "update"))

    def recipients(self) -> list[str]:
        return [to.name for to, _, key in self.delivered if key != "update"]


def build(settings: Settings, tracker, clock, transport: RecordingTransport | None = None) -> tuple[Watchdog, RecordingTransport]:
    transport = transport or RecordingTransport()
    door = Door(settings, tracker, clock, {transport.platform: transport})
    return Watchdog(settings, tracker, clock, door), transport


async def advance(dog: Watchdog, clock, minutes: float) -> int:
    """Move the clock, firing deadlines at their own times on the way (as the live scheduler would)."""
    end = clock.now() + timedelta(minutes=minutes)
    sent = 0
    while (due := dog.next_due()) is not None and due <= end:
        clock.set(due)
        sent += await dog.tick()
    clock.set(end)
    return sent
