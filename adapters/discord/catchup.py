"""Discord history catch-up: what was said while the bot was away, applied with its real times.

For each watched channel: its history after the resume point (or gap), plus the history
of its active threads and forum posts, its archived public and private threads that moved
since then, and the threads of open questions, merged oldest first. Ordering, holding of
live events, chunked transactions and the gap map are the ingest gate's (bot/ingest_gate.py).
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

import aiohttp
import discord

from bot.events import Event
from bot.read_points import load_points, save_points

from . import translate
from .payload import payload_of
from .translate import Malformed

if TYPE_CHECKING:
    from .inbound import DiscordSource, Watched

log = logging.getLogger("unanswered.discord")

SYNCED = "synced_at"  # source state (older versions): when the last complete catch-up started; read as a fallback
# Source state: per channel, where its history must be read from when nothing of it is stored.
# Saved before the first read and moved on as each channel's catch-up is stored, so a run that
# dies mid catch-up (or a quiet channel) never shrinks the look-back to "one window before now".
CLOCK_MARGIN = timedelta(seconds=2)  # a read point is moved on to this much before the read began
CATCH_UP_LIMIT = 10_000  # messages per channel or thread per catch-up, a guard against runaway history
ARCHIVED_LIMIT = 200  # archived threads looked at per channel and kind (newest archived first)
HISTORY_TYPES = (discord.TextChannel, discord.VoiceChannel, discord.StageChannel, discord.Thread)
READ_ERRORS = (discord.HTTPException, aiohttp.ClientError, OSError, asyncio.TimeoutError, ValueError)


async def catch_up(src: "DiscordSource") -> int:
    """Read what was missed in every watched channel; returns how many messages were read."""
    port = src.port
    gate = port.gate
    async with gate.catching_up():
        total = 0
        started = port.clock.now()
        points = load_points(port)
        for key, watched in list(src.watched.items()):
            after = _after(src, key, watched, points)
            events = await _missed(src, key, watched, after)
            total += len(events)
            stored = await gate.apply(events, {key: discord.utils.snowflake_time(after.id)})
            if stored and gate.gap(key) is None:
                # Everything of this channel up to the start of this read is stored (live events
                # held meanwhile are newer): with nothing stored, it resumes from here (less a
                # margin for the clocks of Discord and this machine; re-reading is harmless).
                points[key] = started - CLOCK_MARGIN
                save_points(port, points, "discord")
    src.catch_ups += 1
    src.caught_up_messages += total
    gate.retry_later()
    if total:
        log.info("discord: caught up on %d message(s)", total)
    return total


def _after(src: "DiscordSource", key: str, watched: "Watched", points: dict[str, datetime]) -> discord.Object:
    """Where history resumes: after the newest stored message of the channel; for a channel
    with none, from its saved read point, and on the very first start one window back."""
    gap = src.port.gate.gap(key)
    if gap is not None:
        return discord.Object(discord.utils.time_snowflake(gap))  # an earlier read or write failed here
    resume = src.port.resume_point(key)
    if resume is not None:
        return discord.Object(int(resume[0]))
    if key not in points:
        # First start: look back one window, so a question asked just before install is watched
        # (a database from before per-channel read points: from its last complete catch-up).
        # Saved before reading: a run killed before it stored anything must not lose that window.
        legacy = src.port.state(SYNCED)
        since = datetime.fromisoformat(legacy) if isinstance(legacy, str) else None
        points[key] = since or src.port.clock.now() - src.port.window_for(watched.route)
        save_points(src.port, points, "discord")
    return discord.Object(discord.utils.time_snowflake(points[key], high=True))


async def _threads(src: "DiscordSource", key: str, watched: "Watched", after: int) -> list[Any]:
    """Active and archived threads/forum posts of this channel that moved since ``after``, and open questions' threads."""
    channel = watched.channel
    guild = channel.guild
    threads = {t.id: t for t in guild.threads if t.parent_id == channel.id}
    for q in src.port.open_questions():
        if q.channel == key and q.msg_id.isdigit():
            thread = guild.get_thread(int(q.msg_id))
            if thread is not None:
                threads[thread.id] = thread
    since = discord.utils.snowflake_time(after)
    kinds = [False, True] if isinstance(channel, discord.TextChannel) else [False] if isinstance(channel, discord.ForumChannel) else []
    for private in kinds:
        try:
            if isinstance(channel, discord.TextChannel):
                listing = channel.archived_threads(limit=ARCHIVED_LIMIT, private=True) if private else channel.archived_threads(limit=ARCHIVED_LIMIT)
            elif isinstance(channel, discord.ForumChannel):  # forums have public posts only (kinds is [False])
                listing = channel.archived_threads(limit=ARCHIVED_LIMIT)
            else:
                continue  # not reached: kinds is empty for other channel types
            async for t in listing:
                if t.archive_timestamp < since:
                    break  # newest archived first: the rest were archived before we last read
                threads.setdefault(t.id, t)
        except discord.Forbidden:
            log.debug("discord: cannot list archived %s threads of #%s", "private" if private else "public", channel.name)
        except READ_ERRORS as exc:
            log.debug("discord: listing archived threads of #%s failed (%s)", channel.name, type(exc).__name__)
    return [t for t in threads.values() if t.last_message_id is None or t.last_message_id > after]


async def _missed(src: "DiscordSource", key: str, watched: "Watched", after: discord.Object) -> list[Event]:
    """What was said in a channel (and its threads) after the resume point."""
    gate = src.port.gate
    places: list[Any] = []
    if isinstance(watched.channel, HISTORY_TYPES):
        places.append(watched.channel)
    places += await _threads(src, key, watched, after.id)
    found: list[tuple[int, Event]] = []
    gate.close_gap(key)
    for place in places:
        src.remember_thread(place)
        try:
            first = True
            async for msg in place.history(limit=CATCH_UP_LIMIT, after=after, oldest_first=True):
                try:
                    opens = first and await src.opens_thread(place, msg.id, read_from=after.id)
                    found.append((msg.id, translate.message(payload_of(msg), src.lookup, me=src.me, opens_thread=opens)))
                except (Malformed, KeyError, TypeError, ValueError, AttributeError) as exc:
                    log.warning("skipped a malformed discord history message: %s", type(exc).__name__)
                first = False
        except discord.Forbidden:
            log.warning("discord: cannot read the history of #%s (missing Read Message History)", getattr(place, "name", place.id))
        except READ_ERRORS as exc:
            log.warning("discord: reading the history of #%s failed (%s); the next catch-up retries", getattr(place, "name", place.id), type(exc).__name__)
            gate.open_gap(key, discord.utils.snowflake_time(after.id))
            src.port.report(False, f"catch-up of #{getattr(place, 'name', place.id)} failed: {type(exc).__name__}")
    found.sort(key=lambda pair: pair[0])  # snowflakes sort by time across the channel and its threads
    return [event for _, event in found if event.channel == key]
