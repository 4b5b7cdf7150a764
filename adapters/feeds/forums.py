"""Which feeds belong to one forum, and the channel its topics are tracked under.

One topic is one question across every feed of the same forum: ``latest.rss``
and a category feed of one Discourse both list topic 42, and both must land on
the same stored question. So every feed of a forum (same kind, same host and
port) shares one channel: the name of the first routed ``[[feeds]]`` entry of
that forum, in config order. Its ``[[routes]]`` entry decides the window and the
chain for all the forum's topics; the other feeds' routes only decide that they
are polled. Live polling and saved-feed replay both name channels this way.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

FORUM = "forum"


def forum_key(url: str | None) -> str | None:
    """A forum's identity: its host (and port), lowercased. None for an unreadable URL."""
    if not url:
        return None
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        return (f"{host}:{parts.port}" if parts.port else host) or None
    except ValueError:
        return None


def routed_feeds(settings: Any) -> list[Any]:
    """Feeds a ``[[routes]]`` entry watches (platform "forum", channel = the feed's name, mode not "off")."""
    watched = {r.channel for r in settings.routes if r.platform == FORUM and r.mode != "off"}
    return [f for f in settings.feeds if f.name in watched]


def lead_feeds(settings: Any) -> dict[tuple[str, str], Any]:
    """(kind, forum key) -> the first routed feed of that forum: its name is the forum's channel."""
    leads: dict[tuple[str, str], Any] = {}
    for feed in routed_feeds(settings):
        key = forum_key(feed.url)
        if key is not None:
            leads.setdefault((feed.kind, key), feed)
    return leads


def channel_of(settings: Any, feed: Any) -> str:
    """The channel a routed feed's topics are tracked under."""
    key = forum_key(feed.url)
    lead = lead_feeds(settings).get((feed.kind, key)) if key is not None else None
    return lead.name if lead is not None else feed.name
