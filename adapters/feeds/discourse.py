"""Discourse's feed rules: topic and post ids, topic feeds, the listing's post count, pinned/About/closed."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot.events import Message, TopicClosed

from .entries import as_str, body_html, entries, entry_time, flag, get, join_text, title_of
from .spec import BY_THREAD_FEED, FORUM, FeedSpec, Listing, topic_message
from .text import html_to_text

TOPIC_GUID = re.compile(r"-topic-(\d+)$")
POST_GUID = re.compile(r"-post-(\d+)-(\d+)$")
_TOPIC_LINK = re.compile(r"/t/(?:[^/?#]+/)?(\d+)(?:/(\d+))?/?(?:[?#].*)?$")
# Discourse appends "<p><small>N posts - M participants</small></p><p><a href=…>Read full topic</a></p>"
# to each listing description (localised wording, same markup).
_DISCOURSE_TAIL = re.compile(r"<p>\s*<small>(?P<counts>[^<]*)</small>\s*</p>\s*(?:<p>\s*<a [^>]*>[^<]*</a>\s*</p>\s*)?$", re.IGNORECASE)
_FIRST_INT = re.compile(r"\d+")


def discourse_topic_id(entry: Any) -> str | None:
    guid = as_str(get(entry, "id")) or ""
    m = TOPIC_GUID.search(guid)
    if m:
        return m.group(1)
    m = _TOPIC_LINK.search(as_str(get(entry, "link")) or "")
    return m.group(1) if m and not m.group(2) else None


def discourse_post(entry: Any) -> tuple[str, int] | None:
    """(topic id, post number) of a Discourse post item, from its guid (or its link)."""
    guid = as_str(get(entry, "id")) or ""
    m = POST_GUID.search(guid)
    if m:
        return m.group(1), int(m.group(2))
    m = _TOPIC_LINK.search(as_str(get(entry, "link")) or "")
    if m and m.group(2):
        return m.group(1), int(m.group(2))
    return None


def discourse_topic_feed(entry: Any) -> str | None:
    """The topic's own feed: ``<source url=…/t/<slug>/<id>.rss>``, else its link + ``.rss``."""
    source = get(entry, "source") or {}
    href = as_str(get(source, "href")) or as_str(get(source, "url"))
    if href and href.endswith(".rss"):
        return href
    link = as_str(get(entry, "link"))
    if link and _TOPIC_LINK.search(link):
        return link.split("?")[0].split("#")[0].rstrip("/") + ".rss"
    return None


def _split_discourse_summary(html: str) -> tuple[str, int | None]:
    """Listing description -> (first post's HTML, the "N posts" count)."""
    m = _DISCOURSE_TAIL.search(html.rstrip())
    if not m:
        return html, None
    found = _FIRST_INT.search(m.group("counts"))
    return html[: m.start()], int(found.group()) if found else None


def is_about_topic(title: str) -> bool:
    low = title.lower()
    return low.startswith("about the ") and low.endswith(" category")


def discourse_listing(parsed: Any, spec: FeedSpec, out: Listing, observed_at: datetime | None, not_before: datetime | None) -> None:
    out.answers = BY_THREAD_FEED
    for n, entry in enumerate(entries(parsed)):
        topic = discourse_topic_id(entry)
        if topic is None:
            out.skipped.append(f"item {n + 1}: no topic id in its guid or link")
            continue
        at = entry_time(entry)
        out.ids.append(topic)
        out.dates.append(at)
        if flag(entry, "topicClosed") or flag(entry, "topicArchived"):
            # Closed before or after we saw it: either way, stop tracking it.
            when = observed_at or at
            out.excluded.append(topic)
            if when is not None:
                out.events.append(TopicClosed(platform=FORUM, channel=spec.name, id=topic, at=when))
            continue
        title = title_of(entry)
        if flag(entry, "topicPinned") or is_about_topic(title):
            out.excluded.append(topic)
            continue  # pinned topics are staff announcements and category descriptions, never member questions
        body, posts = _split_discourse_summary(body_html(entry))
        message = topic_message(entry, spec, topic, at, join_text(title, html_to_text(body)), parsed, out, not_before)
        if message is None:
            continue
        out.events.append(message)
        thread_url = discourse_topic_feed(entry)
        if thread_url:
            out.threads[topic] = thread_url
        if posts is not None:
            out.counts[topic] = posts


def is_discourse(parsed: Any) -> bool:
    """Does this feed come from Discourse? (namespace or guid shape; used when no config says so)."""
    namespaces = get(parsed, "namespaces") or {}
    if any("discourse.org" in str(uri) for uri in getattr(namespaces, "values", lambda: [])()):
        return True
    ids = [as_str(get(e, "id")) or "" for e in entries(parsed)[:10]]
    return bool(ids) and all(TOPIC_GUID.search(i) or POST_GUID.search(i) for i in ids)


def is_discourse_topic_feed(parsed: Any) -> str | None:
    """The topic id if this is a Discourse topic feed (its items are posts), else None."""
    topics = {p[0] for p in (discourse_post(e) for e in entries(parsed)) if p}
    ids = [as_str(get(e, "id")) or "" for e in entries(parsed)]
    if len(topics) == 1 and ids and all(POST_GUID.search(i) for i in ids):
        return next(iter(topics))
    return None


def discourse_opener(entry: Any, parsed: Any, spec: FeedSpec, topic: str, out: Any) -> Message | None:
    """Post 1 of a topic feed -> the topic's opening message (title and first post, like a listing item)."""
    title = title_of(entry)
    if is_about_topic(title):
        return None  # a category's description, never a member question
    text = join_text(title, html_to_text(body_html(entry)))
    message = topic_message(entry, spec, topic, entry_time(entry), text, parsed, out, None)
    if message is not None and message.link:
        # Post 1's link is ".../t/<slug>/<id>/1": the topic's own link is what a listing gives and staff want.
        link = re.sub(r"/1/?$", "", message.link.split("?")[0].split("#")[0])
        message = replace(message, link=link)
    return message
