"""Slack history catch-up: what was said while the bot was away, applied with its real times.

Runs on start, after every reconnect, and (through the ingest gate's retry) until every
channel whose history could not be read, or whose events the store refused, is read again.
Ordering, holding of live events, chunked transactions and the gap map are the gate's
(bot/ingest_gate.py); this module only knows how to read Slack.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.events import Event, Message
from bot.read_points import load_points, save_points

from . import translate
from .outbound import api_error

if TYPE_CHECKING:
    from .inbound import SlackSource

log = logging.getLogger("unanswered.slack")

PAGE = 200  # messages per history page (Slack recommends <= 200)
MAX_USER_LOOKUPS = 500  # users.info calls per catch-up, so a huge backlog cannot stall start
READ_ERRORS = (SlackApiError, aiohttp.ClientError, asyncio.TimeoutError, ValueError)  # ValueError: an unreadable answer
# Source state: per channel with nothing stored yet, where its history must be read from. Saved
# before the first read and moved on only by a complete catch-up, so a run that dies before it
# stored anything (or a quiet channel) never shrinks the look-back to "one window before now".


def ts_of(at: datetime) -> str:
    return f"{at.timestamp():.6f}"


def time_of(ts: str) -> datetime:
    return datetime.fromtimestamp(float(Decimal(ts)), timezone.utc)


async def catch_up(src: "SlackSource") -> int:
    """Read every watched channel from its resume point (or gap) and apply it. Returns events applied."""
    port = src.port
    gate = port.gate
    async with gate.catching_up():
        started = time.perf_counter()
        now = port.clock.now()
        raw: list[tuple[str, dict[str, Any]]] = []
        threads: set[tuple[str, str]] = set()
        read_from: dict[str, datetime] = {}
        points = load_points(port)
        for channel in list(src.watched):
            oldest = _oldest(src, channel, now, points)
            read_from[channel] = time_of(oldest)
            try:
                page = await _pages(src, "conversations_history", channel=channel, oldest=oldest)
            except READ_ERRORS as exc:
                gate.open_gap(channel, time_of(oldest))
                why = api_error(exc)[0] if isinstance(exc, SlackApiError) else type(exc).__name__
                log.warning(
                    "cannot read the history of Slack channel %s (%s); retrying later%s",
                    src.watched[channel] or channel,
                    why,
                    "; if this persists, invite the app with `/invite @unanswered`" if isinstance(exc, SlackApiError) else "",
                )
                continue
            gate.close_gap(channel)  # read: if storing it fails, the gate reopens it where it failed
            for msg in page:
                raw.append((channel, msg))
                if msg.get("reply_count") and Decimal(str(msg.get("latest_reply") or msg.get("ts") or 0)) > Decimal(oldest):
                    threads.add((channel, msg["ts"]))
        for q in port.open_questions():  # open only: given-up, answered and closed threads are not re-read
            if q.channel in src.watched:
                threads.add((q.channel, q.msg_id))
        for channel, root in sorted(threads):
            try:
                replies = await _pages(src, "conversations_replies", channel=channel, ts=root)
            except READ_ERRORS as exc:
                # Open questions' threads are read again at every catch-up.
                log.debug("no replies for a thread in %s (%s)", channel, type(exc).__name__)
                continue
            raw.extend((channel, m) for m in replies)
        users = {m["user"] for _, m in raw if isinstance(m.get("user"), str)}
        for user in sorted(users)[:MAX_USER_LOOKUPS]:
            await src.learn_user(user)
        events = _translate(src, raw, now)
        fetched = time.perf_counter()
        stored = await gate.apply(events, read_from)
        done = time.perf_counter()
        if not stored:
            return 0
        # Everything up to the start of this read is stored: channels still without a stored
        # message resume from here (live events held meanwhile are newer than ``now``).
        save_points(port, {c: now for c in src.watched if c not in gate.gaps} | {c: t for c, t in points.items() if c in gate.gaps}, "slack")
        src.catchups += 1
        src.last_catch_up = {"events": len(events), "threads": len(threads), "fetch_s": fetched - started, "apply_s": done - fetched}
        log.info(
            "Slack catch-up: %d event(s) from %d channel(s) and %d thread(s): %.1fs reading Slack, %.1fs applying",
            len(events),
            len(src.watched),
            len(threads),
            fetched - started,
            done - fetched,
        )
        if gate.gaps:
            port.report(False, f"could not read the history of {len(gate.gaps)} channel(s); retrying")
            gate.retry_later()
        return len(events)


def _oldest(src: "SlackSource", channel: str, now: datetime, points: dict[str, datetime]) -> str:
    gap = src.port.gate.gap(channel)
    if gap is not None:
        return ts_of(gap)  # an earlier catch-up failed: read from where it should have
    resume = src.port.resume_point(channel)
    if resume is not None:
        return resume[0] if re.fullmatch(r"\d+\.\d+", resume[0]) else ts_of(resume[1])
    if channel in points:
        return ts_of(points[channel])  # nothing stored yet: from where the last read began
    # First start: look back one window, so a question asked just before install is watched.
    # Saved before reading: a run killed before it stored anything must not lose that window.
    windows = [src.port.window_for(r) for r in src.port.watched_routes()] or [timedelta(hours=1)]
    points[channel] = now - max(windows)
    save_points(src.port, points, "slack")
    return ts_of(points[channel])


async def _pages(src: "SlackSource", method: str, **kwargs: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    cursor = None
    call = getattr(src.client, method)
    while True:
        resp = await call(limit=PAGE, cursor=cursor, **kwargs)
        out.extend(m for m in resp.get("messages") or [] if isinstance(m, dict))
        cursor = (resp.get("response_metadata") or {}).get("next_cursor")
        if not cursor or not resp.get("has_more", True):
            return out


def _translate(src: "SlackSource", raw: list[tuple[str, dict[str, Any]]], now: datetime) -> list[Event]:
    events: list[Event] = []
    seen: set[tuple[str, str]] = set()
    for channel, msg in raw:
        key = (channel, str(msg.get("ts")))
        if key in seen:  # a thread root comes back in its replies
            continue
        seen.add(key)
        try:
            found = translate.message(msg, channel, src.ctx)
            if found is not None:
                events.append(found)
            # When a reaction was added is not recorded: apply it as of now, after the messages.
            events.extend(translate.stored_reactions(msg, channel, src.ctx, now))
        except translate.Malformed as exc:
            log.warning("skipped a Slack history message in %s: %s", channel, exc)
    events.sort(key=lambda e: (e.at, translate.ts_key(e.id) if isinstance(e, Message) else Decimal(0)))
    return events
