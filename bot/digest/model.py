"""The digest's figures as data, and their stable JSON shape (README: "Weekly digest" → JSON shape)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any

from .period import Period

SCHEMA_VERSION = 1
SMALL_SAMPLE = 10  # fewer questions than this in a group: comparisons are noisy
# A regular may be quiet for weeks: with less history than this before a period, "first-time" is a guess.
MEMORY_NEEDED_DAYS = 28

# Trend arrows: changes smaller than these read as "about the same" (→).
SHARE_TOLERANCE = 0.01  # one percentage point
TIME_TOLERANCE = 0.05  # five percent


@dataclass
class Rates:
    """Response figures for one group of questions (everyone, a channel, newcomers...)."""

    questions: int = 0  # in the denominator
    not_a_question: int = 0  # dismissed by a moderator: left out of every rate
    answered: int = 0  # got a first response before the period ended
    answered_within_window: int = 0
    closed_without_reply: int = 0  # resolved elsewhere / topic closed with no recorded reply
    median_first_response_s: float | None = None
    p90_first_response_s: float | None = None

    @property
    def unanswered(self) -> int:
        return self.questions - self.answered

    @property
    def answered_share(self) -> float | None:
        return self.answered / self.questions if self.questions else None

    @property
    def within_window_share(self) -> float | None:
        return self.answered_within_window / self.questions if self.questions else None

    def to_json(self) -> dict[str, Any]:
        return {
            "questions": self.questions,
            "not_a_question": self.not_a_question,
            "answered": self.answered,
            "answered_share": _round(self.answered_share),
            "answered_within_window": self.answered_within_window,
            "within_window_share": _round(self.within_window_share),
            "unanswered": self.unanswered,
            "closed_without_reply": self.closed_without_reply,
            "median_first_response_s": _round(self.median_first_response_s, 1),
            "p90_first_response_s": _round(self.p90_first_response_s, 1),
        }


@dataclass
class Group:
    """Figures for one platform or one channel/feed, with the period before for trends."""

    platform: str
    channel: str | None
    name: str
    window_s: float | None
    figures: Rates
    previous: Rates

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"platform": self.platform}
        if self.channel is not None:
            out |= {"channel": self.channel, "name": self.name, "window_s": self.window_s}
        return out | {"figures": self.figures.to_json(), "previous": self.previous.to_json(), "trend": trend(self.figures, self.previous)}


@dataclass
class Waiting:
    """A question still without a first response when the period ended."""

    id: int
    platform: str
    channel: str
    asker: str
    asked_at: datetime
    age_s: float
    excerpt: str
    link: str | None
    first_time: bool
    claimed_by: str | None
    answered_since: bool  # a reply came after the period ended (before the digest was made)

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "platform": self.platform,
            "channel": self.channel,
            "asker": self.asker,
            "asked_at": iso(self.asked_at),
            "age_s": round(self.age_s),
            "excerpt": self.excerpt,
            "link": self.link,
            "first_time": self.first_time,
            "claimed_by": self.claimed_by,
            "answered_since": self.answered_since,
        }


@dataclass
class Helper:
    platform: str
    id: str
    name: str
    first_responses: int


@dataclass
class Fairness:
    first_time: Rates
    returning: Rates
    # How far back the tracker's memory of who is who reaches before the period (None: it knows nobody).
    memory_days: float | None = None

    @property
    def memory_too_short(self) -> bool:
        """Too little history to tell a newcomer from a regular the tracker has not seen yet."""
        return self.memory_days is None or self.memory_days < MEMORY_NEEDED_DAYS

    @property
    def answered_share_gap(self) -> float | None:
        """Returning minus first-time answered share: positive = newcomers are answered less often."""
        a, b = self.returning.answered_share, self.first_time.answered_share
        return None if a is None or b is None else a - b

    @property
    def median_gap_s(self) -> float | None:
        """First-time minus returning median wait: positive = newcomers wait longer."""
        a, b = self.first_time.median_first_response_s, self.returning.median_first_response_s
        return None if a is None or b is None else a - b

    @property
    def newcomers_wait_longer(self) -> bool:
        return (self.median_gap_s or 0) > 0

    @property
    def newcomers_answered_less(self) -> bool:
        return (self.answered_share_gap or 0) >= 0.05

    @property
    def small_sample(self) -> bool:
        return min(self.first_time.questions, self.returning.questions) < SMALL_SAMPLE

    def to_json(self) -> dict[str, Any]:
        return {
            "first_time": self.first_time.to_json(),
            "returning": self.returning.to_json(),
            "answered_share_gap": _round(self.answered_share_gap),
            "median_gap_s": _round(self.median_gap_s, 1),
            "newcomers_wait_longer": self.newcomers_wait_longer,
            "newcomers_answered_less": self.newcomers_answered_less,
            "small_sample": self.small_sample,
            "memory_days": _round(self.memory_days, 1),
            "memory_too_short": self.memory_too_short,
        }


@dataclass
class BotActivity:
    nudges: int = 0
    nudged_questions: int = 0
    failed_sends: int = 0
    claims: int = 0
    snoozes: int = 0
    dismissals: int = 0
    resolves: int = 0

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Week:
    """One point of the 12-week chart."""

    id: str
    first_day: date  # the week's Monday, local
    start: datetime
    questions: int
    answered_share: float | None
    median_first_response_s: float | None
    within_window_share: float | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "week": self.id,
            "first_day": self.first_day.isoformat(),
            "start": iso(self.start),
            "questions": self.questions,
            "answered_share": _round(self.answered_share),
            "within_window_share": _round(self.within_window_share),
            "median_first_response_s": _round(self.median_first_response_s, 1),
        }


@dataclass
class DigestData:
    period: Period
    previous_period: Period
    totals: Rates
    previous: Rates
    by_platform: list[Group]
    by_channel: list[Group]
    unanswered: list[Waiting]
    unanswered_total: int
    older_open: int
    fairness: Fairness
    thanks: list[Helper]
    first_responses_by_members: int
    first_responses_by_staff: int
    bot: BotActivity
    weekly: list[Week] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return self.totals.questions == 0 and self.totals.not_a_question == 0

    @property
    def unanswered_more(self) -> int:
        return self.unanswered_total - len(self.unanswered)

    def to_json(self) -> dict[str, Any]:
        """The stable shape documented in the README ("Weekly digest" → JSON shape) (``schema`` bumps on any breaking change)."""
        return {
            "schema": SCHEMA_VERSION,
            "period": _period_json(self.period),
            "previous_period": _period_json(self.previous_period),
            "totals": self.totals.to_json(),
            "previous": self.previous.to_json(),
            "trend": trend(self.totals, self.previous),
            "by_platform": [g.to_json() for g in self.by_platform],
            "by_channel": [g.to_json() for g in self.by_channel],
            "unanswered": {
                "total": self.unanswered_total,
                "shown": [w.to_json() for w in self.unanswered],
                "more": self.unanswered_more,
                "older_open": self.older_open,
            },
            "fairness": self.fairness.to_json(),
            "thanks": [h.__dict__ for h in self.thanks],
            "first_responses": {"by_members": self.first_responses_by_members, "by_staff": self.first_responses_by_staff},
            "bot_activity": self.bot.to_json(),
            "weekly": [w.to_json() for w in self.weekly],
        }


def _period_json(p: Period) -> dict[str, Any]:
    return {
        "id": p.id,
        "label": p.label,
        "timezone": p.tz,
        "first_day": p.first.isoformat(),
        "last_day": p.last.isoformat(),
        "start": iso(p.start),
        "end": iso(p.end),
        "hours": p.hours,
        "as_of": iso(p.as_of),
    }


def iso(value: datetime) -> str:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z")


def _round(value: float | None, digits: int = 4) -> float | None:
    return None if value is None else round(value, digits)


def arrow(now: float | None, before: float | None, *, relative: bool = False) -> str:
    """↑ ↓ → for a change (direction of the value, not good/bad); '' when either side is missing."""
    if now is None or before is None:
        return ""
    tolerance = abs(before) * TIME_TOLERANCE if relative else SHARE_TOLERANCE
    if abs(now - before) <= tolerance:
        return "→"
    return "↑" if now > before else "↓"


def trend(now: Rates, before: Rates) -> dict[str, str]:
    return {
        "questions": arrow(now.questions, before.questions, relative=True) if before.questions else "",
        "answered_share": arrow(now.answered_share, before.answered_share),
        "within_window_share": arrow(now.within_window_share, before.within_window_share),
        "median_first_response_s": arrow(now.median_first_response_s, before.median_first_response_s, relative=True),
        "p90_first_response_s": arrow(now.p90_first_response_s, before.p90_first_response_s, relative=True),
    }


def p90(sorted_values: list[float]) -> float | None:
    if not sorted_values:
        return None
    return sorted_values[math.ceil(0.9 * len(sorted_values)) - 1]
