"""The readable replay report: a summary that fits a screen, and (``--list``) every question.

A history of 300,000 events holds tens of thousands of questions: listing them all by
default buried the figures a manager wanted. The summary keeps to a screen (under 40
lines): totals, the busiest channels, who would have been nudged, and the questions that
waited longest with no reply at all. Every time carries its date.
"""

from __future__ import annotations

import statistics
from datetime import datetime, timezone
from typing import Any, Iterator

from .neutralise import for_terminal
from .render import age, one_line
from .replay import ReplayResult, summary
from .store import Question, Tracker

CHANNELS_SHOWN = 10
# A question with no reply, in words a manager reads (the store's statuses are ids, not prose).
FATES = {"open": "no reply yet", "given_up": "no reply; every step of its chain was nudged"}
UNANSWERED_SHOWN = 6


def _when(value: datetime | float) -> str:
    if not isinstance(value, datetime):
        value = datetime.fromtimestamp(value, timezone.utc)
    return f"{value.astimezone(timezone.utc):%Y-%m-%d %H:%M}"


def _where(q: Question) -> str:
    return f"{q.platform}/{for_terminal(q.channel_name or q.channel, 60)}"


def _pct(part: int, whole: int) -> str:
    return f"{part / whole:.0%}" if whole else "n/a"


def _nudges(tracker: Tracker, q: Question) -> str:
    return "".join(f"; nudge {n['person']} at {_when(n['sent_at'])}" for n in tracker.nudges_for(q.id) if n["sent_at"] is not None)


def _question_lines(tracker: Tracker, q: Question) -> list[str]:
    if q.answered_at:
        fate = f"answered by {for_terminal(q.answered_by_name or q.answered_by, 60)} after {age((q.answered_at - q.asked_at).total_seconds())}"
    else:
        fate = FATES.get(q.status, f"{q.status}, no reply")
    return [f"  {_when(q.asked_at)} {_where(q)} {for_terminal(q.author_name or q.author, 60)}: {one_line(q.excerpt, 70)}", f"      {fate}{_nudges(tracker, q)}"]


def report(tracker: Tracker, result: ReplayResult, *, list_all: bool = False) -> Iterator[str]:
    s = summary(tracker, result)
    if not s["events"]:
        yield "No events in the input."
        return
    yield (
        f"Replayed {s['events']:,} events from {s['from']:%Y-%m-%d %H:%M} to {s['to']:%Y-%m-%d %H:%M} UTC ({s['messages_judged']:,} top-level messages judged)."
    )
    share = f"{s['answered_share']:.0%}" if s["answered_share"] is not None else "n/a"
    median = age(s["median_first_response_s"]) if s["median_first_response_s"] is not None else "n/a"
    yield f"Questions: {s['questions']} · answered: {s['answered']} ({share}) · median time to first response: {median}"
    per_person: dict[str, int] = {}
    for row in tracker.audit_rows(kind="nudge"):
        per_person[row["person"]] = per_person.get(row["person"], 0) + 1
    who = ", ".join(f"{name} {n}" for name, n in sorted(per_person.items(), key=lambda kv: (-kv[1], kv[0])))
    yield f"Nudges that would have been sent: {s['nudges']}" + (f" ({who})" if who else "")

    questions = [q for q in tracker.questions() if q.status not in ("deleted", "dismissed")]
    if questions:
        yield from _channels(questions)
    waiting = sorted((q for q in questions if q.answered_at is None), key=lambda q: q.asked_at)
    if waiting:
        yield ""
        yield f"Never answered: {len(waiting)}; the first {min(len(waiting), UNANSWERED_SHOWN)} by date:"
        for q in waiting[:UNANSWERED_SHOWN]:
            yield from _question_lines(tracker, q)
    if list_all:
        yield ""
        yield "Every question (in order asked):"
        for q in sorted(questions, key=lambda q: q.asked_at):
            yield from _question_lines(tracker, q)
    elif questions:
        yield ""
        yield "Every question with its fate and nudges: add --list (or --json for scripts)."


def _channels(questions: list[Question]) -> Iterator[str]:
    groups: dict[str, list[Question]] = {}
    for q in questions:
        groups.setdefault(_where(q), []).append(q)
    rows: list[tuple[str, int, int, Any]] = []
    for where, qs in groups.items():
        waits = [(q.answered_at - q.asked_at).total_seconds() for q in qs if q.answered_at is not None]
        rows.append((where, len(qs), len(waits), statistics.median(waits) if waits else None))
    rows.sort(key=lambda r: (-r[1], r[0]))
    width = max(len(r[0]) for r in rows[:CHANNELS_SHOWN])
    yield ""
    yield "By channel (busiest first):"
    for where, n, answered, median in rows[:CHANNELS_SHOWN]:
        yield (f"  {where:<{width}}  {n:>6} questions  {_pct(answered, n):>4} answered  median {age(median) if median is not None else 'n/a':>6}")
    if len(rows) > CHANNELS_SHOWN:
        rest = rows[CHANNELS_SHOWN:]
        yield f"  …and {len(rest)} more channels with {sum(r[1] for r in rest)} questions"
