"""A feed's poll state, remembered across restarts (in the store's key-value table).

Validators (ETag/Last-Modified), backoff, thread URLs and reply counts, and what
catch-up needs: when the listing was last read and which items it held then.
"""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from bot.config import Feed

from .backoff import UrlState
from .translate import FeedSpec

KV_PREFIX = "feeds:"
ANSWERS = ("thread-feed", "comment-count", "none")


@dataclass
class FeedRuntime:
    feed: Feed
    spec: FeedSpec  # spec.name is the forum's channel (forums.channel_of), shared by every feed of one forum
    state: UrlState = field(default_factory=UrlState)
    threads: dict[str, str] = field(default_factory=dict)  # topic id -> thread feed URL
    counts: dict[str, int] = field(default_factory=dict)  # topic id -> reply count in the last listing
    read_at_count: dict[str, int] = field(default_factory=dict)  # topic id -> count when its thread was last read
    thread_states: dict[str, UrlState] = field(default_factory=dict)  # thread URL -> state
    listed: set[str] = field(default_factory=set)  # topic ids with a thread URL in the last listing
    answers: str | None = None
    alerted: bool = False
    last_ok: datetime | None = None  # the listing was last read (200 or 304) at this time
    seen: set[str] = field(default_factory=set)  # every item id the last listing held
    gap_note: str | None = None  # what `status` says about items that may have been missed
    gap_at: datetime | None = None
    auth: dict[str, str] = field(default_factory=dict)  # Discourse API headers (never stored, never logged)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    @property
    def health_key(self) -> str:
        return f"feed:{self.feed.name}"

    @property
    def is_lead(self) -> bool:
        """The first feed of its forum: it watches every open question of the forum's channel."""
        return self.spec.name == self.feed.name


def resolved(rt: FeedRuntime, kind: str) -> FeedSpec:
    """The spec of a ``kind = "auto"`` feed once its kind is known: a generic feed keeps its own channel."""
    return replace(rt.spec, kind=kind, name=rt.feed.name if kind == "rss" else rt.spec.name)


def fingerprint(url: str) -> str:
    return hashlib.sha256(url.encode()).hexdigest()[:16]


def _when(value: Any) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def load(rt: FeedRuntime, raw: Any) -> None:
    if not isinstance(raw, dict) or raw.get("url") != fingerprint(rt.feed.url):
        return  # a new URL starts afresh: its validators would be meaningless
    rt.state = UrlState.load(raw.get("listing"))
    threads = raw.get("threads")
    if isinstance(threads, dict):
        rt.threads = {str(k): v for k, v in threads.items() if isinstance(v, str)}
    http = raw.get("thread_http")
    if isinstance(http, dict):
        rt.thread_states = {u: UrlState.load(s) for u, s in http.items() if isinstance(u, str)}
    rt.alerted = bool(raw.get("alerted"))
    for key, target in (("counts", rt.counts), ("read_at_count", rt.read_at_count)):
        found = raw.get(key)
        if isinstance(found, dict):
            target.update({str(k): v for k, v in found.items() if isinstance(v, int)})
    for key in ("listed", "seen"):
        found = raw.get(key)
        if isinstance(found, list):
            setattr(rt, key, {str(t) for t in found})
    if raw.get("answers") in ANSWERS:
        rt.answers = raw["answers"]
    if rt.feed.kind == "auto" and raw.get("kind") in ("discourse", "rss"):
        rt.spec = resolved(rt, raw["kind"])  # what the feed was found to be: a 304 re-parses nothing
    rt.last_ok = _when(raw.get("last_ok"))
    rt.gap_at = _when(raw.get("gap_at"))
    rt.gap_note = raw.get("gap_note") if isinstance(raw.get("gap_note"), str) else None


def dump(rt: FeedRuntime) -> dict[str, Any]:
    return {
        "url": fingerprint(rt.feed.url),  # the URL may carry a key: store only a fingerprint
        "listing": rt.state.dump(),
        "kind": rt.spec.kind,
        "threads": rt.threads,
        "thread_http": {u: {"etag": s.etag, "last_modified": s.last_modified} for u, s in rt.thread_states.items() if s.etag or s.last_modified},
        "alerted": rt.alerted,
        "answers": rt.answers,
        # The last listing's reply counts: after a restart a 304 still tells which threads need no fetch.
        "counts": rt.counts,
        "read_at_count": rt.read_at_count,
        "listed": sorted(rt.listed),
        "seen": sorted(rt.seen),
        "last_ok": rt.last_ok.isoformat() if rt.last_ok else None,
        "gap_at": rt.gap_at.isoformat() if rt.gap_at else None,
        "gap_note": rt.gap_note,
    }
