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
  reply answers (the asker's own follow-ups never do; bots never do).

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

import re
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Mapping
from urllib.parse import urlsplit

from bot.events import Event, Message, TopicClosed

from .text import TEXT_LIMIT, html_to_text

FORUM = "forum"
SYSTEM_USERS = frozenset({"system"})  # Discourse's own automated account
COMMENTER = "(commenter)"  # the author of a reply known only from a comment count

# Answered-detection a listing offers, from best to none.
BY_THREAD_FEED = "thread-feed"
BY_COMMENT_COUNT = "comment-count"
CANNOT_TELL = "none"

_TOPIC_GUID = re.compile(r"-topic-(\d+)$")
_POST_GUID = re.compile(r"-post-(\d+)-(\d+)$")
_TOPIC_LINK = re.compile(r"/t/(?:[^/?#]+/)?(\d+)(?:/(\d+))?/?(?:[?#].*)?$")
# Discourse appends "<p><small>N posts - M participants</small></p><p><a href=…>Read full topic</a></p>"
# to each listing description (localised wording, same markup).
_DISCOURSE_TAIL = re.compile(
    r"<p>\s*<small>(?P<counts>[^<]*)</small>\s*</p>\s*(?:<p>\s*<a [^>]*>[^<]*</a>\s*</p>\s*)?$", re.IGNORECASE
)
_FIRST_INT = re.compile(r"\d+")


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


@dataclass
class Thread:
    events: list[Event] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


# ---------------------------------------------------------------- small helpers


def _get(obj: Any, key: str, default: Any = None) -> Any:
    try:
        return obj.get(key, default) if isinstance(obj, Mapping) or hasattr(obj, "get") else default
    except Exception:
        return default


def _list(value: Any) -> list[Any]:
    """A list field (items, tags, links); anything else (never from feedparser, but this module is pure) is empty."""
    return value if isinstance(value, list) else []


def _entries(parsed: Any) -> list[Any]:
    return _list(_get(parsed, "entries"))


def _str(value: Any) -> str | None:
    if isinstance(value, str):
        value = value.strip()
        return value or None
    return None


def struct_time_utc(value: Any) -> datetime | None:
    """feedparser's ``*_parsed`` (a UTC struct_time) -> aware datetime; None if absent or absurd."""
    if not isinstance(value, time.struct_time) and not (isinstance(value, tuple) and len(value) >= 6):
        return None
    try:
        at = datetime(*tuple(value)[:6], tzinfo=timezone.utc)
    except (TypeError, ValueError):
        return None
    return at if at.year >= 1995 else None  # before feeds existed: a placeholder date, not a real one


def updated_time(obj: Any) -> datetime | None:
    """An element's own update date. (feedparser's ``get("updated_parsed")`` falls back to the
    publication date with a deprecation warning; we want "no update date" to mean None.)"""
    value = dict.get(obj, "updated_parsed") if isinstance(obj, dict) else _get(obj, "updated_parsed")
    return struct_time_utc(value)


def entry_time(entry: Any) -> datetime | None:
    """When an item was posted: its publication date, else its update date."""
    return struct_time_utc(_get(entry, "published_parsed")) or updated_time(entry)


def feed_time(parsed: Any) -> datetime | None:
    """The feed's own "as of" time (lastBuildDate / Atom updated)."""
    feed = _get(parsed, "feed", {})
    return updated_time(feed) or struct_time_utc(_get(feed, "published_parsed"))


_EMAIL_AND_NAME = re.compile(r"\s*[^\s()]+@[^\s()]+\s*\((?P<name>[^()]+)\)\s*")
_AT_USER_AND_NAME = re.compile(r"@(?P<user>[\w.\-]+)\s.*")


def entry_author(entry: Any, parsed: Any = None) -> str | None:
    """The item's author name (Discourse: the username), falling back to the feed's author."""
    for source in (entry, _get(parsed, "feed", {}) if parsed is not None else {}):
        raw = _str(_get(source, "author")) or _str(_get(_get(source, "author_detail") or {}, "name"))
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


def _flag(entry: Any, name: str) -> bool:
    """A ``discourse:topicX`` flag, whatever prefix the feed bound the namespace to."""
    suffix = "_" + name.lower()
    try:
        keys = list(entry.keys())
    except Exception:
        return False
    return any(is_yes(entry[k]) for k in keys if isinstance(k, str) and k.endswith(suffix))


def _title(entry: Any) -> str:
    title = _get(entry, "title") or ""
    detail = _get(entry, "title_detail") or {}
    if isinstance(title, str) and "html" in str(_get(detail, "type", "")):
        return html_to_text(title, 200)
    return " ".join(str(title).split())[:200]


def _body_html(entry: Any) -> str:
    content = _get(entry, "content")
    if isinstance(content, list) and content:
        value = _get(content[0], "value")
        if isinstance(value, str):
            return value
    summary = _get(entry, "summary")
    return summary if isinstance(summary, str) else ""


def _text(title: str, body: str) -> str:
    text = title if not body else f"{title}\n{body}" if title else body
    return text[:TEXT_LIMIT]


def _count(value: Any) -> int | None:
    try:
        n = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return n if n >= 0 else None


# ---------------------------------------------------------------- Discourse


def discourse_topic_id(entry: Any) -> str | None:
    guid = _str(_get(entry, "id")) or ""
    m = _TOPIC_GUID.search(guid)
    if m:
        return m.group(1)
    m = _TOPIC_LINK.search(_str(_get(entry, "link")) or "")
    return m.group(1) if m and not m.group(2) else None


def discourse_post(entry: Any) -> tuple[str, int] | None:
    """(topic id, post number) of a Discourse post item, from its guid (or its link)."""
    guid = _str(_get(entry, "id")) or ""
    m = _POST_GUID.search(guid)
    if m:
        return m.group(1), int(m.group(2))
    m = _TOPIC_LINK.search(_str(_get(entry, "link")) or "")
    if m and m.group(2):
        return m.group(1), int(m.group(2))
    return None


def discourse_topic_feed(entry: Any) -> str | None:
    """The topic's own feed: ``<source url=…/t/<slug>/<id>.rss>``, else its link + ``.rss``."""
    source = _get(entry, "source") or {}
    href = _str(_get(source, "href")) or _str(_get(source, "url"))
    if href and href.endswith(".rss"):
        return href
    link = _str(_get(entry, "link"))
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


def _discourse_listing(parsed: Any, spec: FeedSpec, out: Listing, observed_at: datetime | None,
                       not_before: datetime | None) -> None:
    out.answers = BY_THREAD_FEED
    for n, entry in enumerate(_entries(parsed)):
        topic = discourse_topic_id(entry)
        if topic is None:
            out.skipped.append(f"item {n + 1}: no topic id in its guid or link")
            continue
        at = entry_time(entry)
        if _flag(entry, "topicClosed") or _flag(entry, "topicArchived"):
            # Closed before or after we saw it: either way, stop tracking it.
            when = observed_at or at
            if when is not None:
                out.events.append(TopicClosed(platform=FORUM, channel=spec.name, id=topic, at=when))
            continue
        title = _title(entry)
        if _flag(entry, "topicPinned") or is_about_topic(title):
            continue  # pinned topics are staff announcements and category descriptions, never member questions
        body, posts = _split_discourse_summary(_body_html(entry))
        message = _topic_message(entry, spec, topic, at, _text(title, html_to_text(body)), parsed, out, not_before)
        if message is None:
            continue
        out.events.append(message)
        thread_url = discourse_topic_feed(entry)
        if thread_url:
            out.threads[topic] = thread_url
        if posts is not None:
            out.counts[topic] = posts


def _topic_message(entry: Any, spec: FeedSpec, topic: str, at: datetime | None, text: str, parsed: Any,
                   out: Listing, not_before: datetime | None) -> Message | None:
    if at is None:
        out.skipped.append(f"item {topic}: no date")
        return None
    if not_before is not None and at < not_before:
        return None  # older than we watch topics for: never a fresh question
    author = entry_author(entry, parsed if spec.kind == "rss" else None)
    if author is None:
        out.skipped.append(f"item {topic}: no author")
        return None
    link = _str(_get(entry, "link"))
    tags = _list(_get(entry, "tags"))
    category = _str(_get(tags[0], "term")) if tags else None
    channel_name = (category if spec.kind == "discourse" else None) or host_of(link) or host_of(_feed_link(parsed)) or spec.name
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


def _feed_link(parsed: Any) -> str | None:
    return _str(_get(_get(parsed, "feed", {}), "link"))


# ---------------------------------------------------------------- generic RSS / Atom


def item_id(entry: Any) -> str | None:
    """A generic item's id: its guid / Atom id, else its link."""
    return (_str(_get(entry, "id")) or _str(_get(entry, "link")) or "")[:500] or None


def comment_feed(entry: Any) -> str | None:
    """``wfw:commentRss``, or an Atom ``<link rel="replies">`` to a feed."""
    url = _str(_get(entry, "wfw_commentrss"))
    if url:
        return url
    for link in _list(_get(entry, "links")):
        if _get(link, "rel") == "replies" and ("xml" in str(_get(link, "type", "")) or "atom" in str(_get(link, "type", ""))):
            href = _str(_get(link, "href"))
            if href:
                return href
    return None


def comment_count(entry: Any) -> int | None:
    """``slash:comments``, ``thr:total``, or a ``rel="replies"`` link's ``thr:count``."""
    for key in ("slash_comments", "thr_total"):
        n = _count(_get(entry, key))
        if n is not None:
            return n
    for link in _list(_get(entry, "links")):
        if _get(link, "rel") == "replies":
            n = _count(_get(link, "thr:count") or _get(link, "count"))
            if n is not None:
                return n
    return None


def _generic_listing(parsed: Any, spec: FeedSpec, out: Listing, observed_at: datetime | None,
                     not_before: datetime | None) -> None:
    modes: set[str] = set()
    for n, entry in enumerate(_entries(parsed)):
        ident = item_id(entry)
        if ident is None:
            out.skipped.append(f"item {n + 1}: no guid, id or link")
            continue
        thread_url = comment_feed(entry)
        count = comment_count(entry)
        modes.add(BY_THREAD_FEED if thread_url else BY_COMMENT_COUNT if count is not None else CANNOT_TELL)
        body = html_to_text(_body_html(entry))
        message = _topic_message(entry, spec, ident, entry_time(entry), _text(_title(entry), body), parsed, out, not_before)
        if message is None:
            continue
        out.events.append(message)
        if thread_url:
            out.threads[ident] = thread_url
        if count is not None:
            out.counts[ident] = count
            if count > 0 and not thread_url:
                reply = _count_reply(entry, message, observed_at)
                if reply is not None:
                    out.events.append(reply)
    # The weakest signal any item offers is what we can promise for the feed.
    for mode in (CANNOT_TELL, BY_COMMENT_COUNT, BY_THREAD_FEED):
        if mode in modes:
            out.answers = mode
            break
    else:
        out.answers = None  # an empty feed says nothing either way


def _count_reply(entry: Any, topic: Message, observed_at: datetime | None) -> Message | None:
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


# ---------------------------------------------------------------- public API


def is_discourse(parsed: Any) -> bool:
    """Does this feed come from Discourse? (namespace or guid shape; used when no config says so)."""
    namespaces = _get(parsed, "namespaces") or {}
    if any("discourse.org" in str(uri) for uri in getattr(namespaces, "values", lambda: [])()):
        return True
    ids = [_str(_get(e, "id")) or "" for e in _entries(parsed)[:10]]
    return bool(ids) and all(_TOPIC_GUID.search(i) or _POST_GUID.search(i) for i in ids)


def is_discourse_topic_feed(parsed: Any) -> str | None:
    """The topic id if this is a Discourse topic feed (its items are posts), else None."""
    topics = {p[0] for p in (discourse_post(e) for e in _entries(parsed)) if p}
    ids = [_str(_get(e, "id")) or "" for e in _entries(parsed)]
    if len(topics) == 1 and ids and all(_POST_GUID.search(i) for i in ids):
        return next(iter(topics))
    return None


def listing(parsed: Any, spec: FeedSpec, *, observed_at: datetime | None = None,
            not_before: datetime | None = None) -> Listing:
    """A listing feed -> topic messages (and TopicClosed), plus where their replies can be read.

    ``observed_at``: when the feed was fetched (dates closures and count-only replies).
    ``not_before``: topics posted before this are too old to become questions.
    """
    out = Listing()
    if spec.kind == "discourse":
        _discourse_listing(parsed, spec, out, observed_at, not_before)
    else:
        _generic_listing(parsed, spec, out, observed_at, not_before)
    return out


def thread(parsed: Any, spec: FeedSpec, topic: str, *, observed_at: datetime | None = None) -> Thread:
    """A thread feed (Discourse topic feed, generic comment feed) -> reply messages under ``topic``."""
    out = Thread()
    for n, entry in enumerate(_entries(parsed)):
        if spec.kind == "discourse":
            post = discourse_post(entry)
            if post is None:
                out.skipped.append(f"item {n + 1}: not a post of topic {topic}")
                continue
            if post[0] != topic:
                out.skipped.append(f"item {n + 1}: belongs to topic {post[0]}, not {topic}")
                continue
            if post[1] == 1:
                continue  # post 1 is the topic itself
            ident = _str(_get(entry, "id")) or f"post-{topic}-{post[1]}"
        else:
            ident = item_id(entry)
            if ident is None or ident == topic:
                continue
        author = entry_author(entry)
        if author is None:
            out.skipped.append(f"item {n + 1}: no author")  # unknown author: cannot tell an answer from the asker
            continue
        at = entry_time(entry) or observed_at
        if at is None:
            out.skipped.append(f"item {n + 1}: no date")
            continue
        # Reply text is not needed to decide "answered", so it is never carried.
        out.events.append(Message(
            platform=FORUM,
            channel=spec.name,
            id=ident,
            author=author,
            at=at,
            thread=topic,
            author_is_bot=spec.is_bot(author),
            author_name=author,
            link=_str(_get(entry, "link")),
        ))
    out.events.sort(key=lambda e: e.at)
    return out


def by_time(events: Iterable[Event]) -> list[Event]:
    """Events in time order; a topic sorts before a reply posted in the same second."""
    return sorted(events, key=lambda e: (e.at, 0 if isinstance(e, Message) and e.thread is None else 1))
