"""The weekly response-rate digest: pure figures from the tracker.

Definitions (they follow CHAOSS "time to first response" and github issue-metrics;
the README's "Weekly digest" section explains them for people):

- A question belongs to the period in which it was *asked* (``questions.asked_at``).
  Deleted questions are gone; questions a moderator marked "not a question"
  (status ``dismissed``) leave the denominator.
- Its first response is the first message by a human other than the asker, bots
  excluded: exactly what the watchdog records in ``questions.answered_at``. A claim,
  snooze or dismissal is never a response.
- A question counts as answered for a period only if that response came before the
  period's end; still open at the end means "unanswered so far", even if someone
  replies later.
- Median is the middle value (mean of the two middle ones); p90 is the nearest-rank
  90th percentile (the smallest wait that at least 90% of answered questions beat
  or matched).

Everything is read with indexed range queries on ``questions.asked_at``,
``audit.at`` and ``actions.at``: the messages table (the big one) is touched only by
key, to check that a would-be helper's response was not a bot's.
"""

from __future__ import annotations

import bisect
import math
import re
import sqlite3
import statistics
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Iterable
from zoneinfo import ZoneInfo

from . import policy
from .config import Settings
from .render import one_line, plain_name
from .tracker import Tracker

SCHEMA_VERSION = 1
UNANSWERED_SHOWN = 10  # oldest unanswered questions listed; the rest become "and N more"
THANKS_SHOWN = 5
CHART_WEEKS = 12
# A first response given this period may answer a question asked a little earlier:
# look back this far for those (bounded, so the query stays an index range).
THANKS_LOOKBACK = timedelta(days=28)
SMALL_SAMPLE = 10  # fewer questions than this in a group: comparisons are noisy

# Trend arrows: changes smaller than these read as "about the same" (→).
SHARE_TOLERANCE = 0.01  # one percentage point
TIME_TOLERANCE = 0.05  # five percent


# ---------------------------------------------------------------- periods


@dataclass(frozen=True)
class Period:
    """A span of local calendar days [first, last] in one time zone, as UTC instants [start, end)."""

    id: str  # "2026-W02" for a Monday–Sunday week, else "2026-01-05..2026-01-11"
    first: date
    last: date  # inclusive
    tz: str
    as_of: datetime  # when the figures are taken: the end, or now for a period still running

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.tz)

    @property
    def start(self) -> datetime:
        return local_midnight(self.first, self.zone)

    @property
    def end(self) -> datetime:
        return local_midnight(self.last + timedelta(days=1), self.zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def hours(self) -> float:
        """Real hours in the period: 167 or 169 in a week with a DST change."""
        return (self.end - self.start).total_seconds() / 3600

    @property
    def is_week(self) -> bool:
        return self.days == 7 and self.first.weekday() == 0

    @property
    def label(self) -> str:
        a, b = self.first, self.last
        if self.is_week:
            return f"Mon {a.day} {a:%b} – Sun {b.day} {b:%b} {b.year}"
        return f"{a.day} {a:%b} {a.year} – {b.day} {b:%b} {b.year}"

    def previous(self) -> "Period":
        """The period of the same length just before this one."""
        first = self.first - timedelta(days=self.days)
        return make_period(first, self.first - timedelta(days=1), self.tz, self.start)


def local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(timezone.utc)


def make_period(first: date, last: date, tz: str, now: datetime) -> Period:
    if first.weekday() == 0 and (last - first).days == 6:
        year, week, _ = first.isocalendar()
        pid = f"{year}-W{week:02d}"
    else:
        pid = f"{first.isoformat()}..{last.isoformat()}"
    end = local_midnight(last + timedelta(days=1), ZoneInfo(tz))
    return Period(id=pid, first=first, last=last, tz=tz, as_of=min(end, now))


def week_of(day: date, tz: str, now: datetime) -> Period:
    monday = day - timedelta(days=day.weekday())
    return make_period(monday, monday + timedelta(days=6), tz, now)


_ISO_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
PERIOD_HELP = "last-week, this-week, an ISO week such as 2026-W02, or dates FROM..TO such as 2026-01-05..2026-01-11"


def parse_period(text: str | None, tz: str, now: datetime) -> Period:
    """'last-week' (default), 'this-week', 'YYYY-Www' or 'FROM..TO' -> Period; ValueError says what is wrong."""
    spec = (text or "last-week").strip()
    today = now.astimezone(ZoneInfo(tz)).date()
    if spec.lower() in ("last-week", "lastweek", "last"):
        return week_of(today - timedelta(days=7), tz, now)
    if spec.lower() in ("this-week", "thisweek", "this"):
        return week_of(today, tz, now)
    if m := _ISO_WEEK.match(spec):
        try:
            monday = date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        except ValueError:
            raise ValueError(f"{spec!r}: year {m.group(1)} has no ISO week {int(m.group(2))}; use {PERIOD_HELP}") from None
        return week_of(monday, tz, now)
    if m := _RANGE.match(spec):
        try:
            first, last = date.fromisoformat(m.group(1)), date.fromisoformat(m.group(2))
        except ValueError:
            raise ValueError(f"{spec!r}: not a real date; write dates as YYYY-MM-DD, e.g. 2026-01-05..2026-01-11") from None
        if last < first:
            raise ValueError(f"{spec!r}: the period ends before it starts; write FROM..TO with FROM first")
        return make_period(first, last, tz, now)
    raise ValueError(f"{spec!r} is not a period; use {PERIOD_HELP}")


# ---------------------------------------------------------------- figures


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
            "id": self.id, "platform": self.platform, "channel": self.channel, "asker": self.asker,
            "asked_at": iso(self.asked_at), "age_s": round(self.age_s), "excerpt": self.excerpt, "link": self.link,
            "first_time": self.first_time, "claimed_by": self.claimed_by, "answered_since": self.answered_since,
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
        return {"week": self.id, "first_day": self.first_day.isoformat(), "start": iso(self.start), "questions": self.questions,
                "answered_share": _round(self.answered_share), "within_window_share": _round(self.within_window_share),
                "median_first_response_s": _round(self.median_first_response_s, 1)}


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
    return {"id": p.id, "label": p.label, "timezone": p.tz, "first_day": p.first.isoformat(), "last_day": p.last.isoformat(),
            "start": iso(p.start), "end": iso(p.end), "hours": p.hours, "as_of": iso(p.as_of)}


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


# ---------------------------------------------------------------- computing

_COLUMNS = ("id, platform, channel, channel_name, author, asked_at, first_time, status, answered_at, answered_by,"
            " answered_by_name, answer_id, closed_at, claimed_by")
CLOSED = ("resolved", "closed")


class _Windows:
    """The answer window of each channel's route, looked up once per channel."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._cache: dict[tuple[str, str, str | None], float] = {}

    def __call__(self, row: sqlite3.Row) -> float:
        key = (row["platform"], row["channel"], row["channel_name"])
        found = self._cache.get(key)
        if found is None:
            route = policy.route_for(self.settings, *key)
            window = self.settings.window_for(route) if route else self.settings.defaults.window
            found = self._cache[key] = window.total_seconds()
        return found


def rates(rows: Iterable[sqlite3.Row], end: float, window: Callable[[sqlite3.Row], float]) -> Rates:
    """Figures for questions asked in a period ending at ``end`` (UNIX seconds)."""
    out = Rates()
    waits: list[float] = []
    for r in rows:
        if r["status"] == "dismissed":
            out.not_a_question += 1
            continue
        out.questions += 1
        answered_at = r["answered_at"]
        if answered_at is not None and answered_at < end:
            wait = answered_at - r["asked_at"]
            waits.append(wait)
            out.answered += 1
            if wait <= window(r):
                out.answered_within_window += 1
        elif r["status"] in CLOSED and r["closed_at"] is not None and r["closed_at"] < end:
            out.closed_without_reply += 1
    if waits:
        waits.sort()
        out.median_first_response_s = statistics.median(waits)
        out.p90_first_response_s = p90(waits)
    return out


def _between(rows: list[sqlite3.Row], keys: list[float], start: datetime, end: datetime) -> list[sqlite3.Row]:
    """The rows asked in [start, end): ``rows`` are sorted by asked_at, ``keys`` are their times."""
    return rows[bisect.bisect_left(keys, start.timestamp()): bisect.bisect_left(keys, end.timestamp())]


def compute(tracker: Tracker, settings: Settings, period: Period) -> DigestData:
    """Every figure of the digest for ``period`` (and the one before, and 12 weeks for the chart)."""
    conn = tracker.conn
    prev = period.previous()
    chart_first = period.last - timedelta(days=7 * CHART_WEEKS - 1)
    lo = min(prev.start, local_midnight(chart_first, period.zone), period.start - THANKS_LOOKBACK)
    end_ts = period.end.timestamp()
    rows = conn.execute(
        f"SELECT {_COLUMNS} FROM questions WHERE asked_at >= ? AND asked_at < ? AND status != 'deleted' ORDER BY asked_at",
        (lo.timestamp(), end_ts),
    ).fetchall()
    keys = [r["asked_at"] for r in rows]
    window = _Windows(settings)
    current = _between(rows, keys, period.start, period.end)
    before = _between(rows, keys, prev.start, prev.end)
    prev_end = prev.end.timestamp()

    staff = {p: settings.staff_ids(p) for p in {r["platform"] for r in current}}
    by_members = by_staff = 0
    for r in current:
        if r["status"] != "dismissed" and r["answered_at"] is not None and r["answered_at"] < end_ts:
            if r["answered_by"] in staff[r["platform"]]:
                by_staff += 1
            else:
                by_members += 1

    unanswered = [
        r for r in current
        if r["status"] != "dismissed"
        and (r["answered_at"] is None or r["answered_at"] >= end_ts)
        and not (r["status"] in CLOSED and r["closed_at"] is not None and r["closed_at"] < end_ts)
    ]
    return DigestData(
        period=period,
        previous_period=prev,
        totals=rates(current, end_ts, window),
        previous=rates(before, prev_end, window),
        by_platform=_groups(current, before, end_ts, prev_end, window, by_channel=False),
        by_channel=_groups(current, before, end_ts, prev_end, window, by_channel=True),
        unanswered=_waiting(conn, unanswered[:UNANSWERED_SHOWN], period),
        unanswered_total=len(unanswered),
        older_open=_older_open(conn, period),
        fairness=Fairness(
            first_time=rates((r for r in current if r["first_time"]), end_ts, window),
            returning=rates((r for r in current if not r["first_time"]), end_ts, window),
        ),
        thanks=_thanks(conn, settings, rows, period),
        first_responses_by_members=by_members,
        first_responses_by_staff=by_staff,
        bot=_bot_activity(conn, period),
        weekly=_weekly(rows, keys, period, chart_first, window),
    )


def _groups(current: list[sqlite3.Row], before: list[sqlite3.Row], end: float, prev_end: float,
            window: _Windows, *, by_channel: bool) -> list[Group]:
    def key(r: sqlite3.Row) -> tuple[str, ...]:
        return (r["platform"], r["channel"]) if by_channel else (r["platform"],)

    now_rows: dict[tuple[str, ...], list[sqlite3.Row]] = {}
    old_rows: dict[tuple[str, ...], list[sqlite3.Row]] = {}
    for r in current:
        now_rows.setdefault(key(r), []).append(r)
    for r in before:
        old_rows.setdefault(key(r), []).append(r)
    groups = []
    for k in sorted(set(now_rows) | set(old_rows)):
        sample = (now_rows.get(k) or old_rows[k])[-1]
        name = sample["platform"]
        if by_channel:
            name = _channel_name(sample["platform"], sample["channel"], sample["channel_name"])
        groups.append(Group(
            platform=k[0],
            channel=k[1] if by_channel else None,
            name=name,
            window_s=window(sample) if by_channel else None,
            figures=rates(now_rows.get(k, []), end, window),
            previous=rates(old_rows.get(k, []), prev_end, window),
        ))
    # Busiest first: where most questions were asked is what a reader looks for.
    groups.sort(key=lambda g: (-g.figures.questions, -g.previous.questions, g.name))
    return groups


def _channel_name(platform: str, channel: str, channel_name: str | None) -> str:
    name = plain_name(channel_name, channel)
    if platform in ("slack", "discord") and not name.startswith("#"):
        name = "#" + name
    return name


def _waiting(conn: sqlite3.Connection, rows: list[sqlite3.Row], period: Period) -> list[Waiting]:
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    extra = {
        e["id"]: e
        for e in conn.execute(
            f"SELECT id, author_name, excerpt, link FROM questions WHERE id IN ({','.join('?' * len(ids))})", ids
        )
    }
    out = []
    for r in rows:
        e = extra[r["id"]]
        asked = datetime.fromtimestamp(r["asked_at"], timezone.utc)
        out.append(Waiting(
            id=r["id"],
            platform=r["platform"],
            channel=_channel_name(r["platform"], r["channel"], r["channel_name"]),
            asker=plain_name(e["author_name"], r["author"]),
            asked_at=asked,
            age_s=(period.as_of - asked).total_seconds(),
            excerpt=one_line(e["excerpt"], 80),
            link=e["link"],
            first_time=bool(r["first_time"]),
            claimed_by=r["claimed_by"],
            answered_since=r["answered_at"] is not None,
        ))
    return out


def _older_open(conn: sqlite3.Connection, period: Period) -> int:
    """Questions asked before the period and still without a reply when it ended (the backlog)."""
    end = period.end.timestamp()
    row = conn.execute(
        "SELECT COUNT(*) FROM questions WHERE asked_at < ? AND status NOT IN ('deleted', 'dismissed')"
        " AND (answered_at IS NULL OR answered_at >= ?) AND (closed_at IS NULL OR closed_at >= ?)",
        (period.start.timestamp(), end, end),
    ).fetchone()
    return int(row[0])


def _thanks(conn: sqlite3.Connection, settings: Settings, rows: list[sqlite3.Row], period: Period) -> list[Helper]:
    """Members (not staff, not bots) who gave the most first responses during the period."""
    start, end = period.start.timestamp(), period.end.timestamp()
    counts: dict[tuple[str, str], int] = {}
    names: dict[tuple[str, str], str | None] = {}
    sample: dict[tuple[str, str], tuple[str, str]] = {}  # one of their responses: (channel, message id)
    staff = {p: settings.staff_ids(p) for p in ("slack", "discord")}
    for r in rows:
        at, by = r["answered_at"], r["answered_by"]
        if at is None or by is None or not (start <= at < end) or r["status"] == "dismissed":
            continue
        if by in staff.get(r["platform"], {}):
            continue
        k = (r["platform"], by)
        counts[k] = counts.get(k, 0) + 1
        names[k] = r["answered_by_name"] or names.get(k)
        if r["answer_id"]:
            sample[k] = (r["channel"], r["answer_id"])
    out: list[Helper] = []
    for (platform, who), n in sorted(counts.items(), key=lambda kv: (-kv[1], names.get(kv[0]) or kv[0][1])):
        if _by_a_bot(conn, platform, sample.get((platform, who))):
            continue  # the watchdog never records bots as responders; older data might
        out.append(Helper(platform=platform, id=who, name=plain_name(names[(platform, who)], who), first_responses=n))
        if len(out) == THANKS_SHOWN:
            break
    return out


def _by_a_bot(conn: sqlite3.Connection, platform: str, message: tuple[str, str] | None) -> bool:
    """Was this response posted by a bot? One probe of the messages key index."""
    if message is None:
        return False
    row = conn.execute(
        "SELECT is_bot FROM messages WHERE platform = ? AND channel = ? AND msg_id = ?", (platform, *message)
    ).fetchone()
    return row is not None and bool(row[0])


def _bot_activity(conn: sqlite3.Connection, period: Period) -> BotActivity:
    span = (period.start.timestamp(), period.end.timestamp())
    out = BotActivity()
    for kind, result, n, distinct in conn.execute(
        "SELECT kind, result, COUNT(*), COUNT(DISTINCT questions) FROM audit WHERE at >= ? AND at < ? GROUP BY kind, result", span
    ):
        if kind == "nudge" and result in ("sent", "dry-run"):
            out.nudges += n
            out.nudged_questions += distinct
        if str(result).startswith("failed"):
            out.failed_sends += n
    counters = {"claim": "claims", "snooze": "snoozes", "dismiss": "dismissals", "resolve": "resolves"}
    for kind, n in conn.execute("SELECT kind, COUNT(*) FROM actions WHERE at >= ? AND at < ? GROUP BY kind", span):
        if kind in counters:
            setattr(out, counters[kind], n)
    return out


def _weekly(rows: list[sqlite3.Row], keys: list[float], period: Period, first: date, window: _Windows) -> list[Week]:
    """Answered share and median first response for each of the 12 weeks ending with the period."""
    out = []
    for i in range(CHART_WEEKS):
        day = first + timedelta(days=7 * i)
        week = make_period(day, day + timedelta(days=6), period.tz, period.as_of)
        figures = rates(_between(rows, keys, week.start, week.end), week.end.timestamp(), window)
        out.append(Week(week.id, week.first, week.start, figures.questions, figures.answered_share, figures.median_first_response_s,
                        figures.within_window_share))
    return out
