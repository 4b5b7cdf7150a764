"""Generic RSS/Atom rules: item ids, comment feeds (``wfw:commentRss``, ``rel="replies"``) and comment counts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from bot.events import Message

from .entries import as_count, as_list, as_str, body_html, entries, entry_time, get, join_text, title_of, updated_time
from .spec import BY_COMMENT_COUNT, BY_THREAD_FEED, CANNOT_TELL, COMMENTER, FORUM, FeedSpec, Listing, topic_message
from .text import html_to_text


def item_id(entry: Any) -> str | None:
    """A generic item's id: its guid / Atom id, else its link."""
    return (as_str(get(entry, "id")) or as_str(get(entry, "link")) or "")[:500] or None


def comment_feed(entry: Any) -> str | None:
    """``wfw:commentRss``, or an Atom ``<link rel="replies">`` to a feed."""
    url = as_str(get(entry, "wfw_commentrss"))
    if url:
        return url
    for link in as_list(get(entry, "links")):
        if get(link, "rel") == "replies" and ("xml" in str(get(link, "type", "")) or "atom" in str(get(link, "type", ""))):
            href = as_str(get(link, "href"))
            if href:
                return href
    return None


def comment_count(entry: Any) -> int | None:
    """``slash:comments``, ``thr:total``, or a ``rel="replies"`` link's ``thr:count``."""
    for key in ("slash_comments", "thr_total"):
        n = as_count(get(entry, key))
        if n is not None:
            return n
    for link in as_list(get(entry, "links")):
        if get(link, "rel") == "replies":
            n = as_count(get(link, "thr:count") or get(link, "count"))
            if n is not None:
                return n
    return None


def generic_listing(parsed: Any, spec: FeedSpec, out: Listing, observed_at: datetime | None, not_before: datetime | None) -> None:
    modes: set[str] = set()
    for n, entry in enumerate(entries(parsed)):
        ident = item_id(entry)
        if ident is None:
            out.skipped.append(f"item {n + 1}: no guid, id or link")
            continue
        out.ids.append(ident)
        out.dates.append(entry_time(entry))
        thread_url = comment_feed(entry)
        count = comment_count(entry)
        modes.add(BY_THREAD_FEED if thread_url else BY_COMMENT_COUNT if count is not None else CANNOT_TELL)
        body = html_to_text(body_html(entry))
        message = topic_message(entry, spec, ident, entry_time(entry), join_text(title_of(entry), body), parsed, out, not_before)
        if message is None:
            continue
        out.events.append(message)
        if thread_url:
            out.threads[ident] = thread_url
        if count is not None:
            out.counts[ident] = count
            if count > 0 and not thread_url:
                reply = count_reply(entry, message, observed_at)
                if reply is not None:
                    out.events.append(reply)
    # The weakest signal any item offers is what we can promise for the feed.
    for mode in (CANNOT_TELL, BY_COMMENT_COUNT, BY_THREAD_FEED):
        if mode in modes:
            out.answers = mode
            break
    else:
        out.answers = None  # an empty feed says nothing either way


def count_reply(entry: Any, topic: Message, observed_at: datetime | None) -> Message | None:
    updated = updated_time(entry)
    at = updated if updated is not None and updated > topic.at else observed_at
    if at is None:
        at = topic.at  # replay of a file with no dates beyond the item's own: answered, time unknown
    return Message(
        platform=FORUM,
        channel=topic.channel,
        id=f"{topic.id}#comments",
        author=COMMENTER,
        at=max(at, topic.at),
        thread=topic.id,
        author_name=COMMENTER,
    )
