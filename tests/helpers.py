"""Test helpers shared by every test folder: waiting for a condition, and a recording transport.

One copy of each: the adapter, core, reliability and security tests all wait the same way
(re-checked as the event loop runs, never a fixed sleep) and record DMs the same way.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import Any, Callable

from bot.outbound import Delivery, Note, Recipient, Rendered


async def until(condition: Callable[[], Any], timeout: float = 5.0, interval: float = 0.005) -> Any:
    """Wait for ``condition()`` to be truthy and return its value; fail the test after ``timeout`` seconds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not (value := condition()):
        if loop.time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(interval)
    return value


@dataclass
class RecordingTransport:
    """Stands in for a platform's DM API: records what the door hands it."""

    platform: str = "slack"
    fail_with: Delivery | None = None
    delivered: list[tuple[Recipient, Rendered, str]] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)  # the note of each delivery, in the same order
    on_deliver: object = None

    def render(self, note: Note, key: str) -> Rendered:
        return Rendered(text=note.as_text(), payload={"key": key})

    async def deliver(self, to: Recipient, rendered: Rendered, key: str, note: Note) -> Delivery:
        if callable(self.on_deliver):
            self.on_deliver(to, key)
        if self.fail_with is not None:
            return self.fail_with
        self.delivered.append((to, rendered, key))
        self.notes.append(note)
        return Delivery(ok=True, ref=f"D{to.address}:{len(self.delivered)}")

    async def was_delivered(self, to: Recipient, key: str, since: object = None) -> bool | None:
        return any(k == key for _, _, k in self.delivered)

    async def update(self, ref: str, rendered: Rendered, note: Note) -> None:
        self.delivered.append((Recipient("(edit)", self.platform, ref), rendered, "update"))

    @property
    def sent(self) -> list[tuple[Recipient, Rendered, str, Note]]:
        """Every delivered DM (edits not included) with the note it was rendered from."""
        dms = [(to, rendered, key) for to, rendered, key in self.delivered if key != "update"]
        return [(to, rendered, key, note) for (to, rendered, key), note in zip(dms, self.notes, strict=False)]

    def of_kind(self, kind: str) -> list[Note]:
        return [n for n in self.notes if n.kind == kind]

    def recipients(self) -> list[str]:
        return [to.name for to, _, key in self.delivered if key != "update"]
