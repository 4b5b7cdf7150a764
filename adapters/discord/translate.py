"""Discord payloads -> core events. Pure: no discord.py, no I/O, no clock.

Live gateway events, history catch-up and DiscordChatExporter files all end up
here as gateway-shaped dicts, so one set of rules (and one set of tests) covers
all three.

Where a message sits comes from a ``Lookup`` the caller passes in (the adapter's
channel cache, or an export's header): Discord payloads name only the channel or
thread a message is in, never the thread's parent, and the core wants the
*watched* channel (the parent) plus the thread.

Rules, following bot/events.py:
- ``channel`` is the watched channel: for a message in a thread or forum post,
  the thread's parent. ``thread`` is the thread id (Discord's thread id equals its
  starter message id), None for a top-level message.
- A message whose id equals its thread's id is a forum post's starter message
  (only forum/media posts keep their starter inside the thread): it opens a topic
  (``starts_topic``) and is top-level.
- ``reply_to`` is ``message_reference.message_id`` (replies only, not forwards);
  ``mentions`` the mentioned user ids.
- Bots, webhooks, system messages (joins, pins, "thread created"...) and the bot
  itself are ``author_is_bot``: they never ask and never answer.
- ``at`` is the time inside the snowflake id, never a local clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Callable, Mapping

from bot.events import Delete, Edit, Message, Reaction

PLATFORM = "discord"
DISCORD_EPOCH_MS = 1420070400000
JUMP_BASE = "https://discord.com/channels"

# Message types a person writes; every other type is the system talking.
# 0 DEFAULT, 19 REPLY. (20/23 are slash-command responses, written by bots.)
USER_MESSAGE_TYPES = frozenset({0, 19})
THREAD_TYPES = frozenset({10, 11, 12})  # announcement, public and private threads


class Malformed(ValueError):
    """A payload we cannot read. Its text never contains member text."""


@dataclass(frozen=True, slots=True)
class Place:
    """Where a Discord channel id sits, as far as the core is concerned."""

    channel: str  # the watched channel: the parent for a thread
    name: str | None = None  # the watched channel's name, for routes by name and for DMs
    guild: str | None = None
    thread: str | None = None  # set when the id is a thread (or forum post)


Lookup = Callable[[str], "Place | None"]


def no_lookup(_: str) -> Place | None:
    return None


# ------------------------------------------------------------------ small helpers


def snowflake_time(snowflake: str | int) -> datetime:
    """The creation time inside a Discord id (same rule as discord.utils.snowflake_time)."""
    ms = (int(snowflake) >> 22) + DISCORD_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, timezone.utc)


def jump_link(guild: str | None, channel: str, message: str) -> str:
    return f"{JUMP_BASE}/{guild or '@me'}/{channel}/{message}"


def _is_snowflake(value: Any) -> bool:
    # ASCII digits only ("²".isdigit() is True) and within 64 bits, so the time inside is a real date.
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return False
    text = str(value)
    return text.isascii() and text.isdigit() and len(text) <= 20 and int(text) < 1 << 64


def _snowflake(payload: Mapping[str, Any], key: str) -> str:
    value = payload.get(key)
    if not _is_snowflake(value):
        raise Malformed(f"{key!r} is missing or not a Discord id")
    return str(value)


def _optional_snowflake(payload: Mapping[str, Any] | None, key: str) -> str | None:
    if not isinstance(payload, Mapping):
        return None
    value = payload.get(key)
    if not _is_snowflake(value):
        return None
    return str(value)


def _mapping(payload: Any, what: str) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping):
        raise Malformed(f"{what} is not an object")
    return payload


def sub_object(payload: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """``payload[key]`` when it is an object; an empty one when absent or of another type."""
    value = payload.get(key)
    return value if isinstance(value, Mapping) else {}


def place_of(channel_id: str, lookup: Lookup) -> Place:
    """The watched channel and thread for a channel id; unknown ids stand for themselves."""
    found = lookup(channel_id)
    return found if found is not None else Place(channel=channel_id)


def place_from_channel(payload: Mapping[str, Any], parent_name: str | None = None) -> Place:
    """A Place from a channel or thread object (THREAD_CREATE, GET /channels/{id})."""
    payload = _mapping(payload, "channel")
    cid = _snowflake(payload, "id")
    guild = _optional_snowflake(payload, "guild_id")
    if isinstance(payload.get("type"), int) and payload["type"] in THREAD_TYPES:
        parent = _snowflake(payload, "parent_id")
        return Place(channel=parent, name=parent_name, guild=guild, thread=cid)
    name = payload.get("name")
    return Place(channel=cid, name=name if isinstance(name, str) else None, guild=guild)


# ------------------------------------------------------------------ messages


def is_from_bot(payload: Mapping[str, Any], me: str | None = None) -> bool:
    """Bots, webhooks, system messages and ourselves never ask and never answer."""
    author = sub_object(payload, "author")
    return bool(
        author.get("bot")
        or author.get("system")
        or payload.get("webhook_id")
        or not (isinstance(payload.get("type", 0), int) and payload.get("type", 0) in USER_MESSAGE_TYPES)
        or (me is not None and str(author.get("id")) == me)
    )


def display_name(payload: Mapping[str, Any]) -> str | None:
    """What other members see: server nickname, else global display name, else username."""
    member = sub_object(payload, "member")
    author = sub_object(payload, "author")
    for value in (member.get("nick"), author.get("global_name"), author.get("username")):
        if isinstance(value, str) and value.strip():
            return value
    return None


def message(payload: Any, lookup: Lookup = no_lookup, *, me: str | None = None, opens_thread: bool = False) -> Message:
    """MESSAGE_CREATE (or a history/export message in the same shape) -> Message.

    ``opens_thread``: this is the first message of a thread with no starter message (made with
    "+", a private thread, or an export that begins after the starter). It is then the thread's
    question: top-level, keyed by the thread id (as a forum post is), so the thread's replies answer it.
    """
    payload = _mapping(payload, "message")
    mid = _snowflake(payload, "id")
    where = place_of(_snowflake(payload, "channel_id"), lookup)
    author = _mapping(payload.get("author"), "author")
    author_id = _snowflake(author, "id")
    content = payload.get("content") or ""
    if not isinstance(content, str):
        raise Malformed("content is not text")
    mentions = payload.get("mentions") or []
    if not isinstance(mentions, list):
        raise Malformed("mentions is not a list")
    guild = _optional_snowflake(payload, "guild_id") or where.guild
    thread, starts_topic = where.thread, False
    key = mid
    if thread is not None and (thread == mid or opens_thread):
        # A forum post's starter message (or a starter-less thread's first): the topic itself, top-level.
        key, thread, starts_topic = thread, None, True
    return Message(
        platform=PLATFORM,
        channel=where.channel,
        id=key,
        author=author_id,
        at=snowflake_time(mid),
        text=content,
        thread=thread,
        reply_to=_reply_target(payload.get("message_reference")),
        mentions=tuple(str(m["id"]) for m in mentions if isinstance(m, Mapping) and m.get("id") is not None),
        author_is_bot=is_from_bot(payload, me),
        author_name=display_name(payload),
        link=jump_link(guild, where.thread or where.channel, mid),
        channel_name=where.name,
        starts_topic=starts_topic,
        author_joined_at=_joined_at(payload),
    )


def _joined_at(payload: Mapping[str, Any]) -> datetime | None:
    """member.joined_at (gateway events carry it; REST history does not); unreadable means unknown."""
    member = payload.get("member")
    value = member.get("joined_at") if isinstance(member, Mapping) else None
    if not isinstance(value, str):
        return None
    try:
        joined = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return joined if joined.tzinfo else joined.replace(tzinfo=timezone.utc)


def _reply_target(reference: Any) -> str | None:
    # Type 1 is a forward (a copy of another message), not a reply to it.
    if not isinstance(reference, Mapping) or reference.get("type", 0) not in (0, None):
        return None
    return _optional_snowflake(reference, "message_id")


def edit(payload: Any, lookup: Lookup = no_lookup) -> Edit | None:
    """MESSAGE_UPDATE -> Edit, or None when the text did not change (embeds unfurling, pins)."""
    payload = _mapping(payload, "message update")
    content = payload.get("content")
    if content is None:
        return None
    if not isinstance(content, str):
        raise Malformed("content is not text")
    mid = _snowflake(payload, "id")
    where = place_of(_snowflake(payload, "channel_id"), lookup)
    at = _iso_time(payload.get("edited_timestamp")) or snowflake_time(mid)
    return Edit(platform=PLATFORM, channel=where.channel, id=mid, at=at, text=content)


def delete(payload: Any, lookup: Lookup, at: datetime) -> Delete:
    """MESSAGE_DELETE -> Delete. Discord does not say when; the caller passes its clock."""
    payload = _mapping(payload, "message delete")
    where = place_of(_snowflake(payload, "channel_id"), lookup)
    return Delete(platform=PLATFORM, channel=where.channel, id=_snowflake(payload, "id"), at=at)


def reaction(payload: Any, lookup: Lookup, at: datetime, *, me: str | None = None) -> Reaction:
    """MESSAGE_REACTION_ADD -> Reaction (the emoji's name: "✅" or a custom emoji's name)."""
    payload = _mapping(payload, "reaction")
    user = _snowflake(payload, "user_id")
    emoji = _mapping(payload.get("emoji"), "emoji")
    name = emoji.get("name")
    if not isinstance(name, str) or not name:
        raise Malformed("emoji has no name")
    member = sub_object(payload, "member")
    member_user = sub_object(member, "user")
    where = place_of(_snowflake(payload, "channel_id"), lookup)
    return Reaction(
        platform=PLATFORM,
        channel=where.channel,
        message=_snowflake(payload, "message_id"),
        author=user,
        emoji=name,
        at=at,
        author_is_bot=bool(member_user.get("bot")) or user == me,
    )


def _iso_time(value: Any) -> datetime | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
