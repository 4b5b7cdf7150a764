"""DiscordChatExporter JSON files -> core events, for ``unanswered replay``.

DiscordChatExporter (the tool community managers already use) writes one JSON
file per channel or thread::

    {"guild": {"id", "name"}, "channel": {"id", "type", "categoryId", "category", "name"},
     "messages": [{"id", "type", "timestamp", "content", "author": {"id", "name", "nickname", "isBot"},
                   "reactions": [{"emoji": {"name"}, "users": [{"id", "isBot"}]}],
                   "mentions": [{"id"}], "reference": {"messageId", "channelId", "guildId"}}]}

Each record is reshaped into the gateway's message shape and goes through the
same ``translate.message`` as live messages. A thread's file (its channel type
names a thread) belongs to its parent channel (``parentId``, else ``categoryId``,
which the exporter fills with the parent for threads). Events from all files are
merged in time order. Bad files and records are collected in ``errors`` and skipped.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from bot.events import Event, Reaction

from . import translate
from .translate import Malformed, Place

log = logging.getLogger("unanswered.discord.export")

# DiscordChatExporter's message kinds -> Discord's numeric message types.
MESSAGE_TYPES = {
    "Default": 0,
    "RecipientAdd": 1,
    "RecipientRemove": 2,
    "Call": 3,
    "ChannelNameChange": 4,
    "ChannelIconChange": 5,
    "ChannelPinnedMessage": 6,
    "GuildMemberJoin": 7,
    "ThreadCreated": 18,
    "Reply": 19,
    "ThreadStarterMessage": 21,
}
SYSTEM_TYPE = 99  # any kind we do not know is treated as the system talking


@dataclass(frozen=True)
class ExportError:
    path: str
    where: str
    error: str

    def __str__(self) -> str:
        return f"{self.path}: {self.where}: skipped: {self.error}"


def _place(channel: Mapping[str, Any], guild: Mapping[str, Any]) -> Place:
    cid = str(channel.get("id") or "")
    if not cid.isdigit():
        raise Malformed('"channel.id" is missing or not a Discord id')
    guild_id = str(guild.get("id")) if guild.get("id") is not None else None
    if "thread" in str(channel.get("type", "")).lower():
        parent = channel.get("parentId") or channel.get("categoryId")
        if parent is None or not str(parent).isdigit():
            raise Malformed("a thread's file names no parent channel (categoryId)")
        name = channel.get("parent") or channel.get("category")
        return Place(channel=str(parent), name=name if isinstance(name, str) else None, guild=guild_id, thread=cid)
    name = channel.get("name")
    return Place(channel=cid, name=name if isinstance(name, str) else None, guild=guild_id)


def gateway_payload(record: Mapping[str, Any], channel_id: str, guild_id: str | None) -> dict[str, Any]:
    """One exported message in the shape of a gateway MESSAGE_CREATE."""
    if not isinstance(record, Mapping):
        raise Malformed("a message is not an object")
    author = translate.sub_object(record, "author")
    reference = translate.sub_object(record, "reference") or None
    kind = record.get("type", "Default")
    return {
        "id": record.get("id"),
        "channel_id": channel_id,
        "guild_id": guild_id,
        "type": MESSAGE_TYPES.get(kind, SYSTEM_TYPE) if isinstance(kind, str) else SYSTEM_TYPE,
        "content": record.get("content") or "",
        "author": {"id": author.get("id"), "username": author.get("name"), "bot": bool(author.get("isBot"))},
        "member": {"nick": author.get("nickname")},
        "mentions": [{"id": m.get("id")} for m in _list(record.get("mentions")) if isinstance(m, Mapping)],
        "message_reference": {"message_id": reference.get("messageId")} if reference else None,
    }


def _list(value: Any) -> list[Any]:
    """A list field of a record; anything else (a number, an object) counts as empty."""
    return value if isinstance(value, list) else []


def _reactions(record: Mapping[str, Any], msg: Any) -> Iterator[Reaction]:
    """Who reacted with what. The export has no reaction times: the message's own time stands in."""
    for item in _list(record.get("reactions")):
        if not isinstance(item, Mapping) or not isinstance(item.get("emoji"), Mapping):
            continue
        name = item["emoji"].get("name")
        if not isinstance(name, str) or not name:
            continue
        for user in _list(item.get("users")):
            if isinstance(user, Mapping) and user.get("id") is not None:
                yield Reaction(translate.PLATFORM, msg.channel, msg.id, str(user["id"]), name, msg.at, bool(user.get("isBot")))


def read_file(path: Path, errors: list[Any] | None = None, elsewhere: set[str] | None = None) -> list[Event]:
    """Events of one export file (file order); problems go to ``errors``."""

    def fail(where: str, error: str) -> None:
        err = ExportError(str(path), where, error)
        log.warning("%s", err)
        if errors is not None:
            errors.append(err)

    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8", errors="replace"))
    except (OSError, ValueError, RecursionError) as exc:  # RecursionError: absurdly nested JSON
        fail("file", f"not a readable JSON file ({type(exc).__name__})")
        return []
    if not isinstance(doc, Mapping) or not isinstance(doc.get("channel"), Mapping) or not isinstance(doc.get("messages"), list):
        fail("file", 'not a DiscordChatExporter JSON export (needs "channel" and "messages")')
        return []
    guild = translate.sub_object(doc, "guild")
    try:
        place = _place(doc["channel"], guild)
    except Malformed as exc:
        fail("channel", str(exc))
        return []
    file_channel = place.thread or place.channel

    def lookup(cid: str) -> Place | None:
        return place if cid == file_channel else None

    # A thread whose starter is not in the file (made with "+", private, or exported from later on):
    # its first member message is the thread's question (see translate.message's ``opens_thread``).
    records = doc["messages"]
    starterless = (
        place.thread is not None
        and place.thread not in (elsewhere or set())
        and not any(isinstance(r, Mapping) and str(r.get("id")) == place.thread for r in records)
    )
    events: list[Event] = []
    for index, record in enumerate(records):
        try:
            payload = gateway_payload(record, file_channel, place.guild)
            opens = starterless and payload["type"] in (0, 19) and not payload["author"].get("bot")
            msg = translate.message(payload, lookup, opens_thread=opens)
        except Malformed as exc:
            fail(f"messages[{index}]", str(exc))
            continue
        if opens:
            starterless = False
        events.append(msg)
        events.extend(_reactions(record, msg))
    if not events:
        why = "it has no messages" if not records else f"none of its {len(records)} message(s) could be read"
        log.warning("%s: no events to replay: %s", path, why)
    return events


def read(paths: Iterable[Path | str], errors: list[Any] | None = None) -> Iterator[Event]:
    """Events of several export files, merged in time order (a stable sort keeps each file's order)."""
    merged: list[Event] = []
    every: list[Path] = []
    for path in paths:
        path = Path(path)
        # A folder of exports (one file per channel/thread) reads like the files in it.
        files = sorted(path.glob("*.json")) if path.is_dir() else [path]
        every.extend(files)
    ids = set().union(*(_ids(file) for file in every))  # a thread's starter may sit in its parent's file
    for file in every:
        merged.extend(read_file(file, errors, elsewhere=ids))
    merged.sort(key=lambda e: e.at)
    yield from merged


def _ids(path: Path) -> set[str]:
    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8", errors="replace"))
        return {str(r.get("id")) for r in doc.get("messages", []) if isinstance(r, Mapping)}
    except (OSError, ValueError, RecursionError, AttributeError, TypeError):
        return set()  # read_file reports it
