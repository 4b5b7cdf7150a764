"""Bytes -> a parsed feed, or a clear reason why the bytes are not a feed.

feedparser is only ever handed bytes we fetched ourselves (given a string that
looks like a URL it would fetch it, without our timeouts, size cap or headers).
Reasons never quote the body: it may be member text or a login page.
"""

from __future__ import annotations

from typing import Any

import feedparser

_HTML_STARTS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<meta", b"<title", b"<script")
_FEED_MARKERS = (b"<rss", b"<feed", b"<rdf:rdf", b"<channel")


class NotAFeed(Exception):
    """The response is not an RSS/Atom feed; ``str()`` is a reason phrased for a person."""


def _looks_like_html(head: bytes) -> bool:
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if any(marker in start for marker in _FEED_MARKERS):
        return False
    return start.startswith(_HTML_STARTS) or b"<html" in start[:1024]


def parse(body: bytes, *, url: str = "", content_type: str | None = None) -> Any:
    """Parse feed bytes. Raises ``NotAFeed`` for empty bodies, HTML pages and anything not RSS/Atom.

    Ill-formed XML that feedparser can still read leniently is accepted (``bozo``
    stays set, callers may mention it); its items then face the same checks as any
    other (an item missing its id, date or author never becomes a question).
    """
    if not body or not body.strip():
        raise NotAFeed("the response is empty")
    if _looks_like_html(body[:4096]):
        raise NotAFeed("it is an HTML page, not a feed (a login page, an error page or the forum's front page?)")
    headers = {"content-location": url} if url else {}
    if content_type:
        headers["content-type"] = content_type
    # We only ever turn item HTML into plain text (text.html_to_text), never render it:
    # feedparser's sanitizer and URI rewriting would cost 60% of the parse for nothing.
    try:
        parsed = feedparser.parse(body, response_headers=headers, sanitize_html=False, resolve_relative_uris=False)
    except Exception as exc:  # feedparser's own bugs on broken XML (its loose parser raises KeyError on some namespaced tags)
        raise NotAFeed(f"it is too broken to read as a feed ({type(exc).__name__} inside feedparser)") from None
    if not parsed.get("version"):
        problem = parsed.get("bozo_exception")
        detail = f" ({type(problem).__name__}: not well-formed XML)" if problem is not None else ""
        raise NotAFeed(f"it is not an RSS or Atom feed{detail}")
    return parsed


def leniently_parsed(parsed: Any) -> bool:
    """True when the feed was ill-formed XML, or its declared encoding was wrong, and was read anyway."""
    return bool(parsed.get("bozo"))
