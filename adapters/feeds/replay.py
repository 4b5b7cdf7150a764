"""Saved feed files -> events, through the same parse and translate as live polls.

``unanswered replay latest.rss t/*.rss --format rss`` (or ``--format auto``):

- a Discourse listing (``latest.rss``, a category feed) gives topics; Discourse
  topic feeds given beside it (``/t/<slug>/<id>.rss`` saved as files) give their
  replies, matched to the topic by the id in their posts' guids;
- any other RSS/Atom file gives items; a file whose own URL (``atom:link
  rel="self"``) is some item's ``wfw:commentRss`` is read as that item's comments.

Each feed's channel is named after its host (no config is read here), and a
topic's ``channel_name`` is its Discourse category or the host. A file is dated
by its own ``lastBuildDate``/``updated`` where a date is needed but absent (a
closure, a comment count).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Iterable, Iterator

from bot.events import Event, Message

from . import translate
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


@dataclass
class _File:
    path: Path
    parsed: Any
    self_url: str | None
    host: str


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
    host = translate.host_of(self_url) or translate.host_of(parsed.get("feed", {}).get("link")) or path.stem
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


def read(paths: Iterable[Path], errors: list[Any]) -> Iterator[Event]:
    """Events of saved feed files in time order; unreadable files and skipped items go to ``errors``."""
    files = [f for f in (_load(p, errors) for p in _expand(paths)) if f is not None]
    topic_feeds: list[tuple[_File, str]] = []
    others: list[_File] = []
    for f in files:
        topic = translate.is_discourse_topic_feed(f.parsed)
        (topic_feeds.append((f, topic)) if topic else others.append(f))

    events: list[Event] = []
    channel_of: dict[str, str] = {}  # topic id -> channel, so replies join their topic
    comment_feeds: dict[str, tuple[str, str]] = {}  # comment feed URL -> (channel, item id)
    listings: list[tuple[_File, FeedSpec, translate.Listing]] = []
    for f in others:
        spec = FeedSpec(name=f.host, kind="discourse" if translate.is_discourse(f.parsed) else "rss")
        result = translate.listing(f.parsed, spec, observed_at=_observed(f.parsed))
        listings.append((f, spec, result))
        for item, url in result.threads.items():
            comment_feeds[url] = (spec.name, item)
        for ev in result.events:
            if isinstance(ev, Message) and ev.thread is None:
                channel_of.setdefault(ev.id, ev.channel)

    for f, spec, listed in listings:
        target = comment_feeds.get(f.self_url or "")
        if target is not None and spec.kind == "rss":
            channel, item = target  # this file is an item's comment feed, not a listing
            result = translate.thread(f.parsed, FeedSpec(name=channel), item, observed_at=_observed(f.parsed))
            events += result.events
            _note_skips(f.path, result.skipped, errors)
            continue
        events += listed.events
        _note_skips(f.path, listed.skipped, errors)

    for f, topic in topic_feeds:
        spec = FeedSpec(name=channel_of.get(topic, f.host), kind="discourse")
        result = translate.thread(f.parsed, spec, topic, observed_at=_observed(f.parsed))
        events += result.events
        _note_skips(f.path, result.skipped, errors)

    yield from translate.by_time(events)
