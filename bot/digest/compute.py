"""Every figure of the digest, from the store (the Tracker's queries for the digest) and the settings."""

from __future__ import annotations

import bisect
import sqlite3
import statistics
from datetime import date, datetime, timedelta, timezone
from typing import Callable, Iterable

from .. import policy
from ..config import Settings
from ..render import one_line, plain_name
from ..store import Tracker
from .model import BotActivity, DigestData, Fairness, Group, Helper, Rates, Waiting, Week, p90
from .period import Period, local_midnight, make_period

UNANSWERED_SHOWN = 10  # oldest unanswered questions listed; the rest become "and N more"
THANKS_SHOWN = 5
CHART_WEEKS = 12
# A first response given this period may answer a question asked a little earlier:
# look back this far for those (bounded, so the query stays an index range).
THANKS_LOOKBACK = timedelta(days=28)

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
    return rows[bisect.bisect_left(keys, start.timestamp()) : bisect.bisect_left(keys, end.timestamp())]


def compute(tracker: Tracker, settings: Settings, period: Period) -> DigestData:
    """Every figure of the digest for ``period`` (and the one before, and 12 weeks for the chart)."""
    store = tracker
    prev = period.previous()
    chart_first = period.last - timedelta(days=7 * CHART_WEEKS - 1)
    lo = min(prev.start, local_midnight(chart_first, period.zone), period.start - THANKS_LOOKBACK)
    end_ts = period.end.timestamp()
    rows = store.questions_asked_between(lo, period.end)
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
        r
        for r in current
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
        unanswered=_waiting(store, unanswered[:UNANSWERED_SHOWN], period),
        unanswered_total=len(unanswered),
        older_open=store.backlog_count(period.start, period.end),
        fairness=Fairness(
            first_time=rates((r for r in current if r["first_time"]), end_ts, window),
            returning=rates((r for r in current if not r["first_time"]), end_ts, window),
            memory_days=_memory_days(store, period),
        ),
        thanks=_thanks(store, settings, rows, period),
        first_responses_by_members=by_members,
        first_responses_by_staff=by_staff,
        bot=_bot_activity(store, period),
        weekly=_weekly(rows, keys, period, chart_first, window),
    )


def _groups(current: list[sqlite3.Row], before: list[sqlite3.Row], end: float, prev_end: float, window: _Windows, *, by_channel: bool) -> list[Group]:
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
        groups.append(
            Group(
                platform=k[0],
                channel=k[1] if by_channel else None,
                name=name,
                window_s=window(sample) if by_channel else None,
                figures=rates(now_rows.get(k, []), end, window),
                previous=rates(old_rows.get(k, []), prev_end, window),
            )
        )
    # Busiest first: where most questions were asked is what a reader looks for.
    groups.sort(key=lambda g: (-g.figures.questions, -g.previous.questions, g.name))
    return groups


def _channel_name(platform: str, channel: str, channel_name: str | None) -> str:
    name = plain_name(channel_name, channel)
    if platform in ("slack", "discord") and not name.startswith("#"):
        name = "#" + name
    return name


def _waiting(store: Tracker, rows: list[sqlite3.Row], period: Period) -> list[Waiting]:
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    extra = store.question_excerpts(ids)
    out = []
    for r in rows:
        e = extra[r["id"]]
        asked = datetime.fromtimestamp(r["asked_at"], timezone.utc)
        out.append(
            Waiting(
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
            )
        )
    return out


def _thanks(store: Tracker, settings: Settings, rows: list[sqlite3.Row], period: Period) -> list[Helper]:
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
        if (message := sample.get((platform, who))) and store.posted_by_bot(platform, *message):
            continue  # the watchdog never records bots as responders; older data might
        out.append(Helper(platform=platform, id=who, name=plain_name(names[(platform, who)], who), first_responses=n))
        if len(out) == THANKS_SHOWN:
            break
    return out


def _memory_days(store: Tracker, period: Period) -> float | None:
    """Days between the first member the tracker ever saw (live, catch-up or replayed export) and the period's start."""
    first = store.memory_start()
    if first is None:
        return None
    return max(0.0, (period.start.timestamp() - first) / 86400)


def _bot_activity(store: Tracker, period: Period) -> BotActivity:
    out = BotActivity()
    for kind, result, n, distinct in store.send_counts(period.start, period.end):
        if kind == "nudge" and result in ("sent", "dry-run"):
            out.nudges += n
            out.nudged_questions += distinct
        if str(result).startswith("failed"):
            out.failed_sends += n
    counters = {"claim": "claims", "snooze": "snoozes", "dismiss": "dismissals", "resolve": "resolves"}
    for kind, n in store.action_counts(period.start, period.end):
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
        out.append(
            Week(week.id, week.first, week.start, figures.questions, figures.answered_share, figures.median_first_response_s, figures.within_window_share)
        )
    return out
