"""A real Watchdog fed with fuzzed events, and the invariants it must keep.

Everything is real: the settings come from TOML through ``load_settings``, the
tracker is the SQLite file of the ``tracker`` fixture, the door is the real Door
(dry run: a quiet console stands in for a platform, still audited). Every
channel is watched through a fallback route, so no fuzzed channel id escapes.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from bot.config import Route
from bot.events import Delete, Edit, Event, Message, Reaction, TopicClosed
from bot.outbound import ConsoleTransport, Door
from bot.watchdog import Watchdog, storable

EVENT_TYPES = (Message, Edit, Delete, Reaction, TopicClosed)

CONFIG = """
[defaults]
window = "1h"
escalate_after = "30m"

[people.alice]
slack = "U0ALICE01"
discord = "600000000000000099"
"""

FAR_FUTURE = datetime(2200, 1, 1, tzinfo=timezone.utc)


def check_event(event: Any) -> None:
    """A translator's output is a core event with the types bot/events.py promises."""
    assert isinstance(event, EVENT_TYPES), f"not a core event: {type(event).__name__}"
    for name in ("platform", "channel"):
        assert isinstance(getattr(event, name), str) and getattr(event, name), f"{name} is empty"
    assert isinstance(event.at, datetime) and event.at.tzinfo is not None, "at must be an aware datetime"
    if isinstance(event, Message):
        assert isinstance(event.id, str) and event.id, "a message needs an id"
        assert isinstance(event.author, str) and event.author.strip(), "a message needs an author"
        assert isinstance(event.text, str)
        assert event.thread is None or isinstance(event.thread, str)
        assert event.reply_to is None or isinstance(event.reply_to, str)
        assert all(isinstance(m, str) for m in event.mentions)


@dataclass
class Harness:
    watchdog: Watchdog
    detect_only: bool
    seen: dict[tuple[str, str, str], Message] = field(default_factory=dict)

    @property
    def tracker(self) -> Any:
        return self.watchdog.tracker

    def _stored(self, m: Message) -> bool:
        try:
            return self.tracker.message(m.platform, m.channel, m.id) is not None
        except (ValueError, UnicodeError):
            return False  # an id SQLite cannot even encode was never stored

    def feed(self, events: Iterable[Event]) -> None:
        for event in events:
            check_event(event)
            event = storable(event)  # as the watchdog stores it (lone surrogates replaced): the keys below match
            fresh = isinstance(event, Message) and not self._stored(event)
            before = self.watchdog.malformed
            self.watchdog.ingest(event)  # must never raise
            # ...nor be swallowed: _apply counts (and skips) what it cannot apply, and a valid event must apply.
            assert self.watchdog.malformed == before, f"a valid {type(event).__name__} was skipped as malformed: {event!r:.300}"
            if fresh and self._stored(event):
                self.seen[(event.platform, event.channel, event.id)] = event  # type: ignore[union-attr]  # fresh implies a Message (isinstance above)

    def check(self) -> None:
        """Every tracked question comes from a human, top-level message with an author and a time."""
        for q in self.tracker.questions():
            m = self.seen.get((q.platform, q.channel, q.msg_id))
            assert m is not None, f"question {q.id} has no message behind it"
            assert not m.author_is_bot, "a bot's message became a question"
            assert m.is_top_level and not m.reply_to, "a reply became a question"
            assert m.author.strip() and q.author == m.author
            assert q.asked_at == m.at
            if self.detect_only:
                assert m.text.strip(), "a message with no text was detected as a question"

    def fire(self) -> None:
        """Let every deadline pass and send what is due (dry run): rendering must not crash."""
        clock = self.watchdog.clock
        if clock.now() < FAR_FUTURE:
            clock.set(FAR_FUTURE)
        asyncio.run(self.watchdog.tick())
        for row in self.tracker.audit_rows():
            assert row["result"] in ("dry-run", "pending") or row["result"].startswith("failed"), row["result"]


def make_harness(settings: Any, tracker: Any, clock: Any, platform: str, *, mode: str = "detect") -> Harness:
    door = Door(settings, tracker, clock, dry_run=True, console=ConsoleTransport(quiet=True))
    everywhere = Route(platform=platform, channel="*", mode=mode, chain=["alice"])
    return Harness(Watchdog(settings, tracker, clock, door, fallback_route=everywhere), detect_only=mode == "detect")
