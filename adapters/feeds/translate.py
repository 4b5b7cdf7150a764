"""Parsed feeds -> core events. Pure: no I/O, no clock, no logging of member text.

The live poller, saved-feed replay and check-config all go through these
functions, so one set of fixtures tests all three.

Two shapes of feed are understood:

- a *listing* (Discourse ``/latest.rss``, ``/c/<slug>/<id>.rss``; any RSS/Atom
  feed): every item is a topic, i.e. a top-level ``Message`` with
  ``starts_topic=True``;
- a *thread* (Discourse ``/t/<slug>/<id>.rss``; a generic item's
  ``wfw:commentRss`` or Atom ``rel="replies"`` feed): every item is a reply,
  a ``Message`` whose ``thread`` is the topic id. The watchdog decides whether a
  reply answers (the asker's own follow-ups never do; bots never do). A
  Discourse topic feed's post 1 is the topic itself: it gives the topic's opener
  (same id as a listing item), so a topic exists wherever it is first seen.

This module dispatches; the rules live in ``entries`` (reading feedparser's
entries), ``spec`` (what translating needs and returns), ``discourse`` and
``generic`` (comment feeds and counts); ``discourse_json`` reads the JSON lists
the catch-up pages through.

Decisions (documented in the README, "Forums"):
- an item with no date is skipped: a question needs an honest "asked at", and
  dating old items "now" would turn a feed's back catalogue into fresh nudges;
- an item with no author (and no feed-level author) is skipped: without the
  asker we could not tell their own follow-up from an answer;
- a reply with no date gets ``observed_at`` (the poll time) when one is given:
  the reply surely exists by then, and that is all "answered" needs;
- a generic item with only a comment count: a count above 0 becomes one
  synthetic reply by ``COMMENTER`` (id ``<item>#comments``), dated at the item's
  ``updated`` time if later than its publication, else ``observed_at``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Iterable

from bot.events import Event, Message

from .discourse import (
    discourse_listing,
    discourse_opener,
    discourse_post,
    discourse_topic_feed,
    discourse_topic_id,
    is_about_topic,
    is_discourse,
    is_discourse_topic_feed,
)
from .entries import as_str, entries, entry_author, entry_time, feed_time, get, host_of, is_yes, struct_time_utc, updated_time
from .generic import comment_count, comment_feed, generic_listing, item_id
from .spec import BY_COMMENT_COUNT, BY_THREAD_FEED, CANNOT_TELL, COMMENTER, FORUM, SYSTEM_USERS, FeedSpec, Listing, Thread

# The public names of this package's translate layer, whatever module holds them (live, replay, check, tests).
__all__ = [
    "BY_COMMENT_COUNT",
    "BY_THREAD_FEED",
    "CANNOT_TELL",
    "COMMENTER",
    "FORUM",
    "SYSTEM_USERS",
    "FeedSpec",
    "Listing",
    "Thread",
    "by_time",
    "comment_count",
    "comment_feed",
    "discourse_post",
    "discourse_topic_feed",
    "discourse_topic_id",
    "entry_author",
    "entry_time",
    "feed_time",
    "host_of",
    "is_about_topic",
    "is_discourse",
    "is_discourse_topic_feed",
    "is_yes",
    "item_id",
    "listing",
    "struct_time_utc",
    "thread",
    "updated_time",
]


def listing(parsed: Any, spec: FeedSpec, *, observed_at: datetime | None = None, not_before: datetime | None = None) -> Listing:
    """A listing feed -> topic messages (and TopicClosed), plus where their replies can be read.

    ``observed_at``: when the feed was fetched (dates closures and count-only replies).
    ``not_before``: topics posted before this are too old to become questions.
    """
    out = Listing()
    topic = is_discourse_topic_feed(parsed) if spec.kind == "discourse" else None
    if topic is not None:
        # One topic's own feed watched on its own: it is its opener (post 1) and its replies, every poll.
        found = thread(parsed, spec, topic, observed_at=observed_at)
        opener = next((e for e in found.events if isinstance(e, Message) and e.thread is None), None)
        too_old = opener is not None and not_before is not None and opener.at < not_before
        out.events = [e for e in found.events if not (too_old and e is opener)]
        out.skipped, out.ids, out.dates = found.skipped, [topic], [opener.at if opener else None]
        out.answers = BY_THREAD_FEED
    elif spec.kind == "discourse":
        discourse_listing(parsed, spec, out, observed_at, not_before)
    else:
        generic_listing(parsed, spec, out, observed_at, not_before)
    return out


def thread(parsed: Any, spec: FeedSpec, topic: str, *, observed_at: datetime | None = None) -> Thread:
    """A thread feed (Discourse topic feed, generic comment feed) -> reply messages under ``topic``."""
    out = Thread()
    for n, entry in enumerate(entries(parsed)):
        if spec.kind == "discourse":
            post = discourse_post(entry)
            if post is None:
                out.skipped.append(f"item {n + 1}: not a post of topic {topic}")
                continue
            if post[0] != topic:
                out.skipped.append(f"item {n + 1}: belongs to topic {post[0]}, not {topic}")
                continue
            if post[1] == 1:
                # Post 1 is the topic itself: its opener, wherever it is first seen (a topic feed saved or polled
                # alone has no listing to carry it). A repeat of a topic already stored changes nothing.
                opener = discourse_opener(entry, parsed, spec, topic, out)
                if opener is not None:
                    out.events.append(opener)
                continue
            ident = as_str(get(entry, "id")) or f"post-{topic}-{post[1]}"
        else:
            item = item_id(entry)
            if item is None or item == topic:
                continue
            ident = item
        author = entry_author(entry)
        if author is None:
            out.skipped.append(f"item {n + 1}: no author")  # unknown author: cannot tell an answer from the asker
            continue
        at = entry_time(entry) or observed_at
        if at is None:
            out.skipped.append(f"item {n + 1}: no date")
            continue
        # Reply text is not needed to decide "answered", so it is never carried.
        out.events.append(
            Message(
                platform=FORUM,
                channel=spec.name,
                id=ident,
                author=author,
                at=at,
                thread=topic,
                author_is_bot=spec.is_bot(author),
                author_name=author,
                link=as_str(get(entry, "link")),
            )
        )
    out.events = by_time(out.events)
    return out


def by_time(events: Iterable[Event]) -> list[Event]:
    """Events in time order; a topic sorts before a reply posted in the same second."""
    return sorted(events, key=lambda e: (e.at, 0 if isinstance(e, Message) and e.thread is None else 1))
