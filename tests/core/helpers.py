"""Small builders for core tests: events at relative minutes, a watchdog on a real store.

RecordingTransport lives in tests/helpers.py (shared); it is imported here for the core tests."""

from __future__ import annotations

from datetime import datetime, timedelta

from bot.config import Settings
from bot.events import Message
from bot.outbound import Door
from bot.watchdog import Watchdog

from ..conftest import T0
from ..helpers import RecordingTransport

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


__all__ = ["BASE_TOML", "RecordingTransport", "advance", "at", "build", "msg"]


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
