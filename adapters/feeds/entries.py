"""Reading feedparser's entries safely: typed field access, dates, authors, titles, bodies.

Pure and defensive: a feed is member-written input, so every accessor returns
None (or empty) for a missing or oddly typed field instead of raising.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from typing import Any, Mapping
from urllib.parse import urlsplit

from .text import TEXT_LIMIT, html_to_text


def get(obj: Any, key: str, default: Any = None) -> Any:
    try:
        return obj.get(key, default) if isinstance(obj, Mapping) or hasattr(obj, "get") else default
    except Exception:
        return default


def as_list(value: Any) -> list[Any]:
    """A list field (items, tags, links); anything else (never from feedparser, but this module is pure) is empty."""
    return value if isinstance(value, list) else []


def entries(parsed: Any) -> list[Any]:
    return as_list(get(parsed, "entries"))


def as_str(value: Any) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def struct_time_utc(value: Any) -> datetime | None:
    """feedparser's ``*_parsed`` (a UTC struct_time) -> aware datetime; None if absent or absurd."""
    if not isinstance(value, time.struct_time) and not (isinstance(value, tuple) and len(value) >= 6):
        return None
    try:
        year, month, day, hour, minute, second = tuple(value)[:6]
        at = datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None
    return at if at.year >= 1995 else None  # before feeds existed: a placeholder date, not a real one


def updated_time(obj: Any) -> datetime | None:
    """An element's own update date. (feedparser's ``get("updated_parsed")`` falls back to the
    publication date with a deprecation warning; we want "no update date" to mean None.)"""
    value = dict.get(obj, "updated_parsed") if isinstance(obj, dict) else get(obj, "updated_parsed")
    return struct_time_utc(value)


def entry_time(entry: Any) -> datetime | None:
    """When an item was posted: its publication date, else its update date."""
    return struct_time_utc(get(entry, "published_parsed")) or updated_time(entry)


def feed_time(parsed: Any) -> datetime | None:
    """The feed's own "as of" time (lastBuildDate / Atom updated)."""
    feed = get(parsed, "feed", {})
    return updated_time(feed) or struct_time_utc(get(feed, "published_parsed"))


_EMAIL_AND_NAME = re.compile(r"\s*[^\s()]+@[^\s()]+\s*\((?P<name>[^()]+)\)\s*")
_AT_USER_AND_NAME = re.compile(r"@(?P<user>[\w.\-]+)\s.*")


def entry_author(entry: Any, parsed: Any = None) -> str | None:
    """The item's author name (Discourse: the username), falling back to the feed's author."""
    for source in (entry, get(parsed, "feed", {}) if parsed is not None else {}):
        raw = as_str(get(source, "author")) or as_str(get(get(source, "author_detail") or {}, "name"))
        if not raw:
            continue
        # RSS 2.0 <author> is "email (Name)": keep the name, never an address we don't need.
        m = _EMAIL_AND_NAME.fullmatch(raw)
        if m:
            raw = m.group("name").strip()
        # Some Discourse feeds write "@username Full Name": the username is the identity.
        m = _AT_USER_AND_NAME.fullmatch(raw)
        if m:
            raw = m.group("user")
        return raw[:200]
    return None


def host_of(url: str | None) -> str | None:
    if not url:
        return None
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def is_yes(value: Any) -> bool:
    return isinstance(value, str) and value.strip().lower() in ("yes", "true", "1")


def flag(entry: Any, name: str) -> bool:
    """A ``discourse:topicX`` flag, whatever prefix the feed bound the namespace to."""
    suffix = "_" + name.lower()
    try:
        keys = list(entry.keys())
    except Exception:
        return False
    return any(is_yes(entry[k]) for k in keys if isinstance(k, str) and k.endswith(suffix))


def title_of(entry: Any) -> str:
    title = get(entry, "title") or ""
    detail = get(entry, "title_detail") or {}
    if isinstance(title, str) and "html" in str(get(detail, "type", "")):
        return html_to_text(title, 200)
    return " ".join(str(title).split())[:200]


def body_html(entry: Any) -> str:
    content = get(entry, "content")
    if isinstance(content, list) and content:
        value = get(content[0], "value")
        if isinstance(value, str):
            return value
    summary = get(entry, "summary")
    return summary if isinstance(summary, str) else ""


def join_text(title: str, body: str) -> str:
    text = title if not body else f"{title}\n{body}" if title else body
    return text[:TEXT_LIMIT]


def as_count(value: Any) -> int | None:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return n if n >= 0 else None
