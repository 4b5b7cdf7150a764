"""What translating a feed needs and returns: the feed's spec, the results, and the topic message.

Shared by the Discourse and the generic RSS rules (``discourse``, ``generic``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from bot.events import Event, Message

from .entries import as_list, as_str, entry_author, get, host_of

FORUM = "forum"
SYSTEM_USERS = frozenset({"system"})  # Discourse's own automated account
COMMENTER = "(commenter)"  # the author of a reply known only from a comment count

# Answered-detection a listing offers, from best to none.
BY_THREAD_FEED = "thread-feed"
BY_COMMENT_COUNT = "comment-count"
CANNOT_TELL = "none"


@dataclass(frozen=True)
class FeedSpec:
    """What translating needs to know about a feed (built from config, or guessed in replay)."""

    name: str  # the watched channel: the configured feed name
    kind: str = "rss"  # "discourse" | "rss"
    bots: frozenset[str] = frozenset()

    @classmethod
    def from_config(cls, feed: Any) -> "FeedSpec":
        return cls(name=feed.name, kind=feed.kind, bots=frozenset(b.lower() for b in feed.bots))

    def is_bot(self, author: str) -> bool:
        name = author.lower()
        return name in self.bots or (self.kind == "discourse" and name in SYSTEM_USERS)


@dataclass
class Listing:
    """What one listing feed says."""

    events: list[Event] = field(default_factory=list)
    # topic/item id -> URL of the feed listing its replies (Discourse topic feed, comment feed)
    threads: dict[str, str] = field(default_factory=dict)
    # topic/item id -> reply count the listing shows: unchanged count, no need to fetch the thread again
    counts: dict[str, int] = field(default_factory=dict)
    answers: str | None = CANNOT_TELL  # None: the feed had no items to tell from
    skipped: list[str] = field(default_factory=list)  # why items were skipped (never their text)
    ids: list[str] = field(default_factory=list)  # every topic/item id the listing holds (overlap with the last poll)
    dates: list[datetime | None] = field(default_factory=list)  # each item's date, in feed order (gap detection)
    excluded: list[str] = field(default_factory=list)  # topic ids left out on purpose: pinned, About, closed, archived


@dataclass
class Thread:
    events: list[Event] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def topic_message(
    entry: Any, spec: FeedSpec, topic: str, at: datetime | None, text: str, parsed: Any, out: "Listing | Thread", not_before: datetime | None
) -> Message | None:
    if at is None:
        out.skipped.append(f"item {topic}: no date")
        return None
    if not_before is not None and at < not_before:
        return None  # older than we watch topics for: never a fresh question
    author = entry_author(entry, parsed if spec.kind == "rss" else None)
    if author is None:
        out.skipped.append(f"item {topic}: no author")
        return None
    link = as_str(get(entry, "link"))
    tags = as_list(get(entry, "tags"))
    category = as_str(get(tags[0], "term")) if tags else None
    channel_name = (category if spec.kind == "discourse" else None) or host_of(link) or host_of(feed_link(parsed)) or spec.name
    return Message(
        platform=FORUM,
        channel=spec.name,
        id=topic,
        author=author,
        at=at,
        text=text,
        author_is_bot=spec.is_bot(author),
        author_name=author,
        link=link if link and link.startswith(("http://", "https://")) else None,
        channel_name=channel_name,
        starts_topic=True,
    )


def feed_link(parsed: Any) -> str | None:
    return as_str(get(get(parsed, "feed", {}), "link"))
