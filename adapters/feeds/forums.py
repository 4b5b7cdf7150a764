"""Which feeds belong to one forum, and the channel its topics are tracked under.

One topic is one question across every feed of the same forum: ``latest.rss``
and a category feed of one Discourse both list topic 42, and both must land on
the same stored question. So every Discourse feed of a forum (same host and
port) shares one channel: the name of the first routed Discourse ``[[feeds]]``
entry of that forum, in config order. Its ``[[routes]]`` entry decides the window and the
chain for all the forum's topics; the other feeds' routes only decide that they
are polled. Live polling and saved-feed replay both name channels this way.

Generic RSS/Atom feeds are never grouped: one host often serves unrelated
communities (github.com, stackoverflow.com), each with its own route. A feed of
``kind = "auto"`` is grouped until its first read shows it is not Discourse.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlsplit

FORUM = "forum"
log = logging.getLogger("unanswered.feeds")


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


def lead_feeds(settings: Any) -> dict[str, Any]:
    """Forum key -> the first routed feed of that forum: its name is the forum's channel."""
    leads: dict[str, Any] = {}
    for feed in routed_feeds(settings):
        if feed.kind == "rss":
            continue
        key = forum_key(feed.url)
        if key is not None:
            leads.setdefault(key, feed)
    return leads


def channel_of(settings: Any, feed: Any, leads: dict[str, Any] | None = None) -> str:
    """The channel a routed feed's topics are tracked under (``leads``: ``lead_feeds(settings)``, if at hand)."""
    if feed.kind == "rss":
        return feed.name
    key = forum_key(feed.url)
    lead = (leads if leads is not None else lead_feeds(settings)).get(key) if key is not None else None
    return lead.name if lead is not None else feed.name


def api_headers(settings: Any, feed: Any) -> dict[str, str]:
    """``Api-Key``/``Api-Username`` for a Discourse feed of the key's forum (private categories); else none.

    The key comes from the environment only (config refuses it in the file). It is sent to one forum only:
    ``[discourse] host``, or the host of the Discourse feeds when they all name the same one.
    """
    auth = settings.discourse
    if auth.api_key is None or feed.kind == "rss":
        return {}
    hosts = {forum_key(f.url) for f in settings.feeds if f.kind != "rss"}
    host = (auth.host or "").strip().lower() or (next(iter(hosts)) if len(hosts) == 1 else None)
    if host is None:
        log.warning(
            "UNANSWERED_DISCOURSE__API_KEY is set but feeds name several Discourse forums; set "
            "[discourse] host (or UNANSWERED_DISCOURSE__HOST) to the one it belongs to: not sent"
        )
        return {}
    if forum_key(feed.url) != host and (forum_key(feed.url) or "").split(":")[0] != host:
        return {}
    if feed.url.lower().startswith("http://") and host.split(":")[0] not in ("127.0.0.1", "localhost", "::1"):
        log.warning("feed %s: the Discourse API key would travel unencrypted over http://; use https://", feed.name)
    headers = {"Api-Key": auth.api_key.get_secret_value()}
    if auth.api_username:
        headers["Api-Username"] = auth.api_username
    return headers
