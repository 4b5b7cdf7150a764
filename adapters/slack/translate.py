"""Slack payloads -> core events. Pure: no I/O, no clock, no Slack library.

One set of functions serves the three ways Slack messages reach us, so a fixture
tested here is tested for all of them:
- live Events API ``message`` / ``reaction_added`` events (Socket Mode or HTTP),
- ``conversations.history`` / ``conversations.replies`` message objects (catch-up),
- message objects from a workspace export's ``<channel>/<YYYY-MM-DD>.json`` files.
History and export objects look like event objects without ``channel``; the
caller passes the channel it read them from.

What Slack sends that we turn into nothing: housekeeping subtypes (joins, topic
changes, pins...), DMs, and anything we do not recognise. Bad shapes raise
``Malformed`` whose text never quotes the member's message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable

from bot.events import Delete, Edit, Event, Message, Reaction

PLATFORM = "slack"

# Subtypes that are a person (or bot) saying something in the channel.
SPOKEN_SUBTYPES = frozenset({None, "thread_broadcast", "reply_broadcast", "bot_message", "me_message", "file_share"})
# Subtypes the watchdog cares about besides speech.
EDITED, DELETED = "message_changed", "message_deleted"
# Everything else (channel_join, channel_leave, channel_topic, channel_purpose, channel_name,
# channel_archive, pinned_item, bot_add, message_replied, huddle_thread, ...) is housekeeping.

_MENTION = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_TS = re.compile(r"^\d{1,12}(?:\.\d{1,9})?$")


class Malformed(ValueError):
    """A payload that does not have the shape Slack documents. Its text names fields, never content."""


@dataclass
class Context:
    """What the adapter knows about the workspace, to enrich events (all optional)."""

    workspace_url: str | None = None  # "https://acme.slack.com/" from auth.test, for permalinks
    channel_names: dict[str, str] = field(default_factory=dict)  # C… -> "help"
    user_names: dict[str, str] = field(default_factory=dict)  # U… -> display name
    bot_users: set[str] = field(default_factory=set)  # app/bot user ids, our own included
    self_user: str | None = None  # our bot user id


# ------------------------------------------------------------------ small parts


def ts_id(ts: Any) -> str:
    """A Slack ``ts`` checked to be one, returned as the id string it is (else Malformed)."""
    if not isinstance(ts, str) or not _TS.match(ts):
        raise Malformed("ts is missing or not a Slack timestamp")
    return ts


def ts_time(ts: Any) -> datetime:
    """A Slack ``ts`` ("1767607200.000100") -> UTC datetime. The string stays the id."""
    ts = ts_id(ts)
    try:
        return datetime.fromtimestamp(float(Decimal(ts)), timezone.utc)
    except (InvalidOperation, OverflowError, ValueError):
        raise Malformed("ts is out of range") from None


def ts_key(ts: str) -> Decimal:
    """Order ``ts`` strings as numbers (never compare them as text or floats)."""
    return Decimal(ts)


def mentions(text: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(_MENTION.findall(text or "")))


def permalink(ctx: Context, channel: str, ts: str, thread: str | None = None) -> str | None:
    if not ctx.workspace_url:
        return None
    base = ctx.workspace_url.rstrip("/")
    link = f"{base}/archives/{channel}/p{ts.replace('.', '')}"
    if thread:
        link += f"?thread_ts={thread}&cid={channel}"
    return link


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None  # a blank id (" ") is no id


def _is_bot(msg: dict[str, Any], author: str, ctx: Context) -> bool:
    return bool(
        msg.get("bot_id")
        or msg.get("subtype") == "bot_message"
        or msg.get("app_id")
        and not msg.get("user")
        or author in ctx.bot_users
        or (ctx.self_user is not None and author == ctx.self_user)
        or (isinstance(msg.get("bot_profile"), dict))
    )


def _author_name(msg: dict[str, Any], author: str, ctx: Context) -> str | None:
    known = ctx.user_names.get(author)
    if known:
        return known
    profile = msg.get("user_profile")
    if isinstance(profile, dict):
        return _str(profile.get("display_name")) or _str(profile.get("real_name"))
    return _str(msg.get("username"))


# ------------------------------------------------------------------ messages


def message(msg: Any, channel: str, ctx: Context) -> Message | None:
    """One spoken message object (event, history or export) -> Message; None for housekeeping."""
    if not isinstance(msg, dict):
        raise Malformed("message is not an object")
    subtype = msg.get("subtype")
    if subtype is not None and not isinstance(subtype, str):
        raise Malformed("subtype is not a string")
    if subtype not in SPOKEN_SUBTYPES:
        return None
    ts = ts_id(msg.get("ts"))
    at = ts_time(ts)
    author = _str(msg.get("user")) or _str(msg.get("bot_id"))
    if author is None:
        raise Malformed("message has no user or bot_id")
    text = msg.get("text") or ""
    if not isinstance(text, str):
        raise Malformed("text is not a string")
    thread_ts = _str(msg.get("thread_ts"))
    if thread_ts is not None:
        ts_time(thread_ts)  # validates
    thread = thread_ts if thread_ts and thread_ts != ts else None
    return Message(
        platform=PLATFORM,
        channel=channel,
        id=ts,
        author=author,
        at=at,
        text=text,
        thread=thread,
        mentions=mentions(text),
        author_is_bot=_is_bot(msg, author, ctx),
        author_name=_author_name(msg, author, ctx),
        link=permalink(ctx, channel, ts, thread),
        channel_name=ctx.channel_names.get(channel),
    )


def message_event(event: Any, ctx: Context) -> list[Event]:
    """An Events API ``message`` event (any subtype) -> 0 or 1 core events."""
    if not isinstance(event, dict):
        raise Malformed("event is not an object")
    channel = _str(event.get("channel"))
    if channel is None:
        raise Malformed("message event has no channel")
    subtype = event.get("subtype")
    if subtype == EDITED:
        return _edited(event, channel, ctx)
    if subtype == DELETED:
        previous = event.get("previous_message")
        deleted = event.get("deleted_ts") or (previous.get("ts") if isinstance(previous, dict) else None)
        deleted = ts_id(deleted)
        return [Delete(PLATFORM, channel, deleted, ts_time(event.get("event_ts") or event.get("ts")))]
    found = message(event, channel, ctx)
    return [found] if found is not None else []


def _edited(event: dict[str, Any], channel: str, ctx: Context) -> list[Event]:
    new = event.get("message")
    if not isinstance(new, dict):
        raise Malformed("message_changed has no message object")
    ts = ts_id(new.get("ts"))
    when = ts_time(event.get("event_ts") or event.get("ts") or ts)
    if new.get("subtype") == "tombstone":
        # The parent of a thread was deleted; Slack keeps a placeholder.
        return [Delete(PLATFORM, channel, ts, when)]
    edited = new.get("edited")
    if isinstance(edited, dict) and _str(edited.get("ts")):
        when = ts_time(edited["ts"])
    text = new.get("text") or ""
    if not isinstance(text, str):
        raise Malformed("edited text is not a string")
    return [Edit(PLATFORM, channel, ts, when, text)]


def history(messages: Iterable[Any], channel: str, ctx: Context) -> list[Event]:
    """A page of conversations.history / .replies (or an export day) -> events; skips housekeeping."""
    out: list[Event] = []
    for msg in messages:
        found = message(msg, channel, ctx)
        if found is not None:
            out.append(found)
    return out


# ------------------------------------------------------------------ reactions


def reaction_event(event: Any, ctx: Context) -> list[Event]:
    """``reaction_added`` -> a Reaction on a channel message (file reactions are skipped)."""
    if not isinstance(event, dict):
        raise Malformed("event is not an object")
    item = event.get("item")
    if not isinstance(item, dict):
        raise Malformed("reaction event has no item")
    if item.get("type") != "message":
        return []
    channel, target, user, name = _str(item.get("channel")), item.get("ts"), _str(event.get("user")), _str(event.get("reaction"))
    if channel is None or user is None or name is None:
        raise Malformed("reaction event lacks channel, user or reaction")
    target = ts_id(target)
    at = ts_time(event.get("event_ts"))
    return [Reaction(PLATFORM, channel, target, user, name, at, author_is_bot=user in ctx.bot_users or user == ctx.self_user)]


def stored_reactions(msg: Any, channel: str, ctx: Context, at: datetime) -> list[Event]:
    """The ``reactions`` list on a history/export message -> Reaction events.

    Slack does not say *when* a reaction was added, so the caller picks ``at``
    (catch-up: the time it read them; export replay: the message's own time).
    """
    if not isinstance(msg, dict) or not isinstance(msg.get("reactions"), list):
        return []
    ts = ts_id(msg.get("ts"))
    out: list[Event] = []
    for r in msg["reactions"]:
        if not isinstance(r, dict) or not _str(r.get("name")) or not isinstance(r.get("users"), list):
            raise Malformed("a reaction lacks name or users")
        for user in r["users"]:
            if isinstance(user, str) and user:
                out.append(Reaction(PLATFORM, channel, ts, user, r["name"], at, author_is_bot=user in ctx.bot_users or user == ctx.self_user))
    return out


# ------------------------------------------------------------------ dispatch


def event(evt: Any, ctx: Context) -> list[Event]:
    """Any Events API inner event -> core events. Unknown types raise Malformed (callers log and skip)."""
    if not isinstance(evt, dict):
        raise Malformed("event is not an object")
    kind = evt.get("type")
    if kind == "message":
        return message_event(evt, ctx)
    if kind == "reaction_added":
        return reaction_event(evt, ctx)
    raise Malformed(f"unhandled event type {str(kind)[:40]!r}")


def event_channel(evt: Any) -> str | None:
    """The channel an inner event is about (for route filtering before translating)."""
    if not isinstance(evt, dict):
        return None
    if evt.get("type") == "reaction_added":
        item = evt.get("item")
        return _str(item.get("channel")) if isinstance(item, dict) else None
    return _str(evt.get("channel"))
