"""Replay: the live pipeline run over a history with a simulated clock.

The only differences from a live run are the clock (it jumps to each event's time
and to each deadline in between) and the door (it records instead of sending);
both are composed by ``wiring.build_replay``, from the same parts as ``run``.
Deadlines that fall between two events fire at their own time, in order, exactly
as the live scheduler would fire them.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Iterable

from .config import Settings
from .events import Event
from .outbound import ConsoleTransport
from .store import Tracker
from .watchdog import Judged, Watchdog
from .wiring import REPLAY_MODERATOR, build_replay, replay_settings

BATCH = 20000  # events per transaction: replay needs speed, not per-event durability

__all__ = ["BATCH", "REPLAY_MODERATOR", "ReplayResult", "replay_settings", "run", "summary"]


@dataclass
class ReplayResult:
    judged: list[Judged] = field(default_factory=list)
    events: int = 0
    first_at: datetime | None = None
    last_at: datetime | None = None


async def run(
    events: Iterable[Event],
    settings: Settings,
    tracker: Tracker,
    *,
    keep_judged: bool = True,
    drain: timedelta | None = timedelta(days=7),
    console: ConsoleTransport | None = None,
) -> tuple[ReplayResult, Watchdog]:
    """Feed ``events`` (in time order) through a watchdog; nudges are recorded, not sent.

    ``drain``: after the last event, keep the clock running this long so questions
    asked at the end of the history get the nudges they would have got.
    """
    app = build_replay(settings, tracker, console=console)
    clock, dog = app.clock, app.watchdog
    result = ReplayResult()
    if keep_judged:
        dog.on_judged = result.judged.append
    batch: list[Event] = []
    started = False

    async def flush() -> None:
        with tracker.transaction():
            for ev in batch:
                due = dog.next_due()
                while due is not None and due <= ev.at:
                    clock.set(due)
                    await dog.tick()
                    due = dog.next_due()
                clock.set(ev.at)
                dog.apply(ev)
        batch.clear()

    for event in events:
        if not started:
            clock.start_at(event.at)  # the history's own time, not the fake clock's default
            result.first_at = event.at
            started = True
        batch.append(event)
        result.events += 1
        result.last_at = event.at
        if len(batch) >= BATCH:
            await flush()
    await flush()
    if drain is not None and result.last_at is not None:
        end = result.last_at + drain
        with tracker.transaction():  # like the batches: one commit, not one per nudge
            due = dog.next_due()
            while due is not None and due <= end:
                clock.set(due)
                await dog.tick()
                due = dog.next_due()
    return result, dog


def summary(tracker: Tracker, result: ReplayResult) -> dict[str, Any]:
    """Headline figures for the readable replay report."""
    qs = [q for q in tracker.questions() if q.status != "deleted"]
    counted = [q for q in qs if q.status != "dismissed"]
    answered = [q for q in counted if q.answered_at is not None]
    waits = sorted((q.answered_at - q.asked_at).total_seconds() for q in answered if q.answered_at is not None)
    nudges = tracker.audit_rows(kind="nudge")
    return {
        "events": result.events,
        "from": result.first_at,
        "to": result.last_at,
        "messages_judged": len(result.judged),
        "questions": len(counted),
        "answered": len(answered),
        "answered_share": (len(answered) / len(counted)) if counted else None,
        "median_first_response_s": statistics.median(waits) if waits else None,
        "nudges": len(nudges),
    }
