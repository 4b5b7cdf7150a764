"""Discourse's JSON topic lists -> core events. Pure: no I/O, no clock.

Discourse serves, beside its RSS, paginated JSON: ``/latest.json?page=N`` and
``/c/<slug>/<id>.json?page=N`` (``users[]`` and ``topic_list.topics[]``, 30 a
page, newest activity first). Each topic carries ``id``, ``slug``, ``title``,
``posts_count``, ``created_at``, ``bumped_at``/``last_posted_at``, ``pinned``,
``closed``, ``archived``, ``category_id`` and ``posters[]`` (``user_id`` with a
``description`` naming the "Original Poster"). The poller pages back through
these after downtime (``catchup``); the same rules as the RSS listing apply:
pinned and "About the … category" topics are never questions, closed and
archived ones stop being tracked.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any
from urllib.parse import quote

from bot.events import Message, TopicClosed

from .discourse import is_about_topic
from .spec import FORUM, FeedSpec, Listing


@dataclass
class Page:
    """One page of a JSON topic list."""

    listing: Listing = field(default_factory=Listing)
    bumped: list[datetime] = field(default_factory=list)  # each topic's last activity, in page order
    more: bool = False  # the forum says there is a next page


def iso_time(value: Any) -> datetime | None:
    """Discourse's ``2026-01-05T12:00:00.000Z`` -> an aware datetime; None if absent or unreadable."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        at = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _user(users: dict[int, str], poster: Any) -> str | None:
    uid = poster.get("user_id") if isinstance(poster, dict) else None
    return users.get(uid) if isinstance(uid, int) else None


def _opener(topic: dict[str, Any], users: dict[int, str]) -> str | None:
    posters = _list(topic.get("posters"))
    for poster in posters:
        if isinstance(poster, dict) and "original poster" in str(poster.get("description", "")).lower():
            return _user(users, poster)
    return _user(users, posters[0]) if posters else None  # Discourse lists the original poster first


def topic_list(data: Any, spec: FeedSpec, base: str, *, observed_at: datetime, not_before: datetime | None = None) -> Page:
    """A decoded ``latest.json``/category JSON page -> topic messages, closures and reply counts.

    ``base``: the forum's URL (scheme, host, port), for topic links and topic feeds.
    """
    page = Page()
    out = page.listing
    out.answers = "thread-feed"
    if not isinstance(data, dict) or not isinstance(data.get("topic_list"), dict):
        out.skipped.append("not a Discourse topic list (no topic_list)")
        return page
    users = {
        u["id"]: str(u.get("username")).strip()[:200]
        for u in _list(data.get("users"))
        if isinstance(u, dict) and isinstance(u.get("id"), int) and str(u.get("username") or "").strip()
    }
    listed = data["topic_list"]
    page.more = bool(listed.get("more_topics_url"))
    for n, topic in enumerate(_list(listed.get("topics"))):
        if not isinstance(topic, dict) or not isinstance(topic.get("id"), int) or isinstance(topic.get("id"), bool):
            out.skipped.append(f"topic {n + 1}: no id")
            continue
        ident = str(topic["id"])
        out.ids.append(ident)
        created = iso_time(topic.get("created_at"))
        bumped = iso_time(topic.get("bumped_at")) or iso_time(topic.get("last_posted_at")) or created
        title = " ".join(str(topic.get("title") or "").split())[:200]
        pinned = topic.get("pinned") is True or topic.get("pinned_globally") is True or is_about_topic(title)
        if bumped is not None and not pinned:
            page.bumped.append(bumped)  # pinned topics head the list whatever their age: no sign of where we are
        if topic.get("closed") is True or topic.get("archived") is True:
            out.excluded.append(ident)
            out.events.append(TopicClosed(platform=FORUM, channel=spec.name, id=ident, at=observed_at))
            continue
        if pinned:
            out.excluded.append(ident)
            continue
        if created is None:
            out.skipped.append(f"topic {ident}: no date")
            continue
        if not_before is not None and created < not_before:
            continue
        author = _opener(topic, users)
        if author is None:
            out.skipped.append(f"topic {ident}: no original poster")
            continue
        slug = s if isinstance(s := topic.get("slug"), str) and s.strip() else "topic"
        slug = quote(slug.strip()[:200], safe="-_.~%")
        link = f"{base}/t/{slug}/{ident}"
        out.events.append(
            Message(
                platform=FORUM,
                channel=spec.name,
                id=ident,
                author=author,
                at=created,
                text=title,
                author_is_bot=spec.is_bot(author),
                author_name=author,
                link=link,
                channel_name=None,
                starts_topic=True,
            )
        )
        out.threads[ident] = link + ".rss"
        posts = topic.get("posts_count")
        if isinstance(posts, int) and posts >= 0:
            out.counts[ident] = posts
    return page
