"""The core's own event format: one JSON object per line.

    {"type":"message","platform":"discord","channel":"help","id":"m1","author":"u1",
     "author_is_bot":false,"at":"2026-01-05T10:00:00Z","text":"How do I reset my password?",
     "thread":null,"reply_to":null,"mentions":[]}
    {"type":"edit","platform":"discord","channel":"help","id":"m1","at":"...","text":"..."}
    {"type":"delete","platform":"discord","channel":"help","id":"m1","at":"..."}
    {"type":"reaction","platform":"discord","channel":"help","message":"m1","author":"u2","emoji":"✅","at":"..."}

Optional on messages: ``author_name``, ``link``, ``channel_name``, ``starts_topic``.
A bad line is reported with its number and skipped; the rest is processed.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable, Iterator

from .events import Delete, Edit, Event, Message, Reaction, TopicClosed

log = logging.getLogger("unanswered.jsonl")


class BadRecord(ValueError):
    pass


@dataclass(frozen=True)
class LineError:
    path: str
    line: int
    error: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: skipped: {self.error}"


def parse_time(value: Any) -> datetime:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(float(value), timezone.utc)
        except (OverflowError, OSError, ValueError):  # inf, nan, 1e300: json reads them all
            raise BadRecord('"at" is not a time within range') from None
    if not isinstance(value, str) or not value:
        raise BadRecord('"at" must be an ISO 8601 time such as "2026-01-05T10:00:00Z"')
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise BadRecord(f'"at" {value[:40]!r} is not an ISO 8601 time') from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    try:
        return parsed.astimezone(timezone.utc)
    except OverflowError:  # year 1 with a positive offset, year 9999 with a negative one
        raise BadRecord(f'"at" {value[:40]!r} is out of range') from None


def _str(obj: dict[str, Any], key: str, *, required: bool = True) -> str | None:
    value = obj.get(key)
    if value is None:
        if required:
            raise BadRecord(f'missing "{key}"')
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise BadRecord(f'"{key}" must be a string')
    value = str(value)
    if required and not value:
        raise BadRecord(f'"{key}" is empty')
    return value


def _required(obj: dict[str, Any], key: str) -> str:
    value = _str(obj, key)
    if value is None:  # _str has refused it already; this tells the type checker
        raise BadRecord(f'missing "{key}"')
    return value


def to_event(obj: Any) -> Event:
    if not isinstance(obj, dict):
        raise BadRecord("not a JSON object")
    kind = obj.get("type", "message")
    platform, channel = _required(obj, "platform"), _required(obj, "channel")
    at = parse_time(obj.get("at"))
    if kind == "message":
        mentions = obj.get("mentions") or []
        if not isinstance(mentions, list):
            raise BadRecord('"mentions" must be a list')
        text = obj.get("text") or ""
        if not isinstance(text, str):
            raise BadRecord('"text" must be a string')
        return Message(
            platform=platform,
            channel=channel,
            id=_required(obj, "id"),
            author=_required(obj, "author"),
            at=at,
            text=text,
            thread=_str(obj, "thread", required=False),
            reply_to=_str(obj, "reply_to", required=False),
            mentions=tuple(str(m) for m in mentions),
            author_is_bot=bool(obj.get("author_is_bot", False)),
            author_name=_str(obj, "author_name", required=False),
            link=_str(obj, "link", required=False),
            channel_name=_str(obj, "channel_name", required=False),
            starts_topic=bool(obj.get("starts_topic", False)),
        )
    if kind == "edit":
        return Edit(platform, channel, _required(obj, "id"), at, str(obj.get("text") or ""))
    if kind == "delete":
        return Delete(platform, channel, _required(obj, "id"), at)
    if kind == "reaction":
        return Reaction(
            platform,
            channel,
            _required(obj, "message"),
            _required(obj, "author"),
            _required(obj, "emoji"),
            at,
            bool(obj.get("author_is_bot", False)),
        )
    if kind == "closed":
        return TopicClosed(platform, channel, _required(obj, "id"), at)
    raise BadRecord(f'unknown "type" {str(kind)[:30]!r} (expected message, edit, delete, reaction)')


def read(paths: Iterable[Path | str], errors: list[LineError] | None = None) -> Iterator[Event]:
    """Events from jsonl files, in time order; bad lines are logged, collected in ``errors`` and skipped.

    Replay runs a simulated clock, so out-of-order lines would move deadlines: the events are
    sorted by time (stable, so same-time lines keep file order), and the first line that went
    back in time is named in a warning.
    """
    events: list[Event] = []
    latest = None
    warned = False
    for path, number, event in _read(paths, errors):
        if latest is not None and event.at < latest and not warned:
            log.warning("%s:%d: goes back in time (%s after %s); replaying the file sorted by time", path, number, event.at.isoformat(), latest.isoformat())
            warned = True
        latest = event.at if latest is None or event.at > latest else latest
        events.append(event)
    events.sort(key=lambda e: e.at)
    yield from events


def _read(paths: Iterable[Path | str], errors: list[LineError] | None) -> Iterator[tuple[Path | str, int, Event]]:
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                try:
                    event = to_event(json.loads(line))
                except (ValueError, TypeError, RecursionError) as exc:  # RecursionError: absurdly nested JSON
                    err = LineError(str(path), number, str(exc) if isinstance(exc, BadRecord) else f"not valid JSON ({exc})")
                    log.warning("%s", err)
                    if errors is not None:
                        errors.append(err)
                else:
                    yield path, number, event
