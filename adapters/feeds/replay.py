"""Saved feed files -> events, through the same parse and translate as live polls.

``unanswered replay latest.rss c/ t/ --format rss`` (or ``--format auto``, or a folder):

- a Discourse listing (``latest.rss``, a category feed) gives topics; Discourse
  topic feeds (``/t/<slug>/<id>.rss`` saved as files) give their replies and, when
  no listing carried the topic, its opener (post 1);
- any other RSS/Atom file gives items; a file whose own URL (``atom:link
  rel="self"``) is some item's ``wfw:commentRss`` is read as that item's comments.

Files are grouped by forum (host and port) and named the way live polling names
them (``forums``): the first routed ``[[feeds]]`` entry of that forum in the
config, so its ``[[routes]]`` apply; with no such feed, the host. One topic is one
event however many files carry it. A file is dated by its own
``lastBuildDate``/``updated`` where a date is needed but absent (a closure, a
comment count). A file that yields nothing gets a warning saying why.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

from bot.events import Event, Message

from . import translate
from .forums import forum_key, lead_feeds, routed_feeds
from .parse import NotAFeed, parse
from .translate import FeedSpec

MAX_FILE_BYTES = 50_000_000
SUFFIXES = (".rss", ".atom", ".xml")


@dataclass(frozen=True)
class FileProblem:
    path: str
    error: str

    def __str__(self) -> str:
        return f"{self.path}: skipped: {self.error}"


@dataclass(frozen=True)
class FileWarning:
    """A file that was read but gave nothing to replay."""

    path: str
    why: str

    def __str__(self) -> str:
        return f"{self.path}: warning: nothing to replay: {self.why}"


@dataclass
class _File:
    path: Path
    parsed: Any
    self_url: str | None
    host: str  # the forum key (host and port), else the file's stem


def _expand(paths: Iterable[Path]) -> list[Path]:
    out: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)
        else:
            out.append(path)
    return out


def _self_url(parsed: Any) -> str | None:
    feed = parsed.get("feed", {})
    for link in feed.get("links") or []:
        if link.get("rel") == "self" and link.get("href"):
            return link["href"]
    return None


def _load(path: Path, errors: list[Any]) -> _File | None:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            errors.append(FileProblem(str(path), f"larger than {MAX_FILE_BYTES} bytes"))
            return None
        body = path.read_bytes()
        parsed = parse(body, url=path.resolve().as_uri())
    except NotAFeed as exc:
        errors.append(FileProblem(str(path), str(exc)))
        return None
    except OSError as exc:
        errors.append(FileProblem(str(path), f"cannot read it ({exc.strerror or type(exc).__name__})"))
        return None
    self_url = _self_url(parsed)
    entries = parsed.get("entries") or []
    first_link = entries[0].get("link") if entries else None
    host = forum_key(self_url) or forum_key(parsed.get("feed", {}).get("link")) or forum_key(first_link) or path.stem
    return _File(path, parsed, self_url, host)


def _observed(parsed: Any) -> datetime | None:
    """The file's own "as of" time: its build date, else its newest item's date."""
    stamp = translate.feed_time(parsed)
    if stamp is not None:
        return stamp
    dates = [d for d in (translate.entry_time(e) for e in parsed.get("entries") or []) if d is not None]
    return max(dates) if dates else None


def _note_skips(path: Path, skipped: list[str], errors: list[Any]) -> None:
    if skipped:
        errors.append(FileProblem(str(path), f"{len(skipped)} item(s): " + "; ".join(skipped[:5]) + (" …" if len(skipped) > 5 else "")))


def _specs(settings: Any) -> dict[str, FeedSpec]:
    """Forum key (Discourse) or feed URL (generic) -> the spec live polling would use (its channel and bots)."""
    if settings is None:
        return {}
    spec = lambda feed: FeedSpec(name=feed.name, bots=frozenset(b.lower() for b in feed.bots))  # noqa: E731
    found = {feed.url: spec(feed) for feed in routed_feeds(settings)}
    found.update({key: spec(feed) for key, feed in lead_feeds(settings).items()})
    return found


def _spec_for(specs: dict[str, FeedSpec], f: _File, kind: str) -> FeedSpec:
    """The file's spec; its kind is what the file shows itself to be (a listing, a topic feed, a generic feed).

    A Discourse file belongs to its forum (by host), as live; a generic one only to the feed with its own URL.
    """
    known = specs.get(f.host) if kind == "discourse" else specs.get(f.self_url or "")
    return FeedSpec(name=known.name, kind=kind, bots=known.bots) if known else FeedSpec(name=f.host, kind=kind)


def _why_empty(parsed: Any, skipped: list[str], excluded: list[str]) -> str:
    items = len(parsed.get("entries") or [])
    if not items:
        return "the feed has no items"
    if skipped:
        return f"every item was skipped ({'; '.join(skipped[:3])})"
    if excluded:
        return f'its {len(excluded)} topic(s) are pinned, "About the … category", closed or archived'
    return f"none of its {items} item(s) is a topic or a reply this replay can use"


def read(paths: Iterable[Path], errors: list[Any], settings: Any = None) -> Iterator[Event]:
    """Events of saved feed files in time order; unreadable files, skipped items and empty files go to ``errors``.

    ``settings``: the config whose ``[[feeds]]`` name each forum's channel (None: channels are hosts).
    """
    specs = _specs(settings)
    files = [f for f in (_load(p, errors) for p in _expand(paths)) if f is not None]
    topic_feeds: list[tuple[_File, str]] = []
    others: list[_File] = []
    for f in files:
        topic = translate.is_discourse_topic_feed(f.parsed)
        (topic_feeds.append((f, topic)) if topic else others.append(f))

    per_file: list[tuple[_File, list[Event], list[str], list[str]]] = []  # file, events, skipped, excluded
    comment_feeds: dict[str, tuple[FeedSpec, str]] = {}  # comment feed URL -> (spec, item id)
    excluded: set[tuple[str, str]] = set()  # (channel, topic id) a listing showed pinned, About or closed
    listings: list[tuple[_File, FeedSpec, translate.Listing]] = []
    for f in others:
        spec = _spec_for(specs, f, "discourse" if translate.is_discourse(f.parsed) else "rss")
        result = translate.listing(f.parsed, spec, observed_at=_observed(f.parsed))
        listings.append((f, spec, result))
        for item, url in result.threads.items():
            comment_feeds[url] = (spec, item)
        excluded |= {(spec.name, t) for t in result.excluded}

    for f, spec, listed in listings:
        target = comment_feeds.get(f.self_url or "")
        if target is not None and spec.kind == "rss":
            owner, item = target  # this file is an item's comment feed, not a listing
            replies = translate.thread(f.parsed, FeedSpec(name=owner.name, bots=owner.bots), item, observed_at=_observed(f.parsed))
            per_file.append((f, replies.events, replies.skipped, []))
            continue
        per_file.append((f, listed.events, listed.skipped, listed.excluded))

    for f, topic in topic_feeds:
        spec = _spec_for(specs, f, "discourse")
        thread = translate.thread(f.parsed, spec, topic, observed_at=_observed(f.parsed))
        if (spec.name, topic) in excluded:
            # Pinned or closed per a listing: the replies may stay (they answer nothing), the opener may not.
            thread.events = [e for e in thread.events if not (isinstance(e, Message) and e.thread is None)]
        per_file.append((f, thread.events, thread.skipped, [topic] if (spec.name, topic) in excluded else []))

    events: list[Event] = []
    seen: set[tuple[str, str, str]] = set()
    for f, found, skipped, left_out in per_file:
        _note_skips(f.path, skipped, errors)
        if not found:
            errors.append(FileWarning(str(f.path), _why_empty(f.parsed, skipped, left_out)))
        for ev in found:
            if isinstance(ev, Message):
                key = (ev.channel, ev.id, "topic" if ev.thread is None else "reply")
                if key in seen:
                    continue  # one topic, one event, whichever files carry it
                seen.add(key)
            events.append(ev)
    yield from translate.by_time(events)
