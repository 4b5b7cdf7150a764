"""Catching up past a listing's window after downtime (or a burst busier than the listing holds).

A listing feed carries only its newest items (Discourse: 30 topics by latest
activity). When the listing just read shares no item with the one read before,
or (Discourse) even its least recently active topic was created after the last
read, topics may have slipped past it:

- Discourse: page back through the forum's JSON topic list (``latest.json?page=N``,
  ``/c/<slug>/<id>.json?page=N``) until a page reaches activity from before the
  last read, a topic seen then, the end of the list, or ``MAX_PAGES``. Topics found
  are ingested like listing items, and their post counts queue the topics whose
  replies changed for a read of their topic feed;
- generic RSS/Atom has no history to page through: the items that fell out of the
  feed cannot be recovered. ``status`` says so with the time span, and the staff
  are told once (the hub's once-only alert).
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from bot.render import age

from .discourse_json import Page, topic_list
from .fetch import FetchError, safe_url
from .state import FeedRuntime
from .translate import Listing

log = logging.getLogger("unanswered.feeds")

MAX_PAGES = 20  # 600 topics: a forum busier than that during a downtime gets a warning instead
GAP_NOTE_KEPT = timedelta(days=7)  # how long `status` keeps saying items may have been missed
_JSON_PATH = re.compile(r"^(/latest|/c/.+)\.rss$")


def gap_since(rt: FeedRuntime, listed: Listing) -> datetime | None:
    """When the unseen span began (the last read), if the listing may have lost items; else None."""
    if rt.last_ok is None or not rt.seen or not listed.ids:
        return None  # a first read: nothing to compare with, and the back catalogue is not "missed"
    overlap = bool(rt.seen & set(listed.ids))
    dates = [d for d in listed.dates if d is not None]
    if rt.spec.kind == "discourse":
        last = listed.dates[-1] if listed.dates else None  # the least recently active topic of the listing
        if not overlap or (last is not None and last > rt.last_ok):
            return rt.last_ok
        return None
    if not overlap and dates and min(dates) > rt.last_ok:
        return rt.last_ok
    return None


def json_url(feed_url: str) -> str | None:
    """``…/latest.rss`` -> ``…/latest.json``; ``…/c/<slug>/<id>.rss`` -> ``.json``; None for other feeds."""
    parts = urlsplit(feed_url)
    if not _JSON_PATH.match(parts.path):
        return None
    return urlunsplit((parts.scheme, parts.netloc, parts.path[: -len(".rss")] + ".json", parts.query, ""))


def page_url(url: str, page: int) -> str:
    if page == 0:
        return url
    return url + ("&" if "?" in url else "?") + f"page={page}"


def _base(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "", "", ""))


async def discourse(src: Any, rt: FeedRuntime, now: datetime, since: datetime) -> tuple[int, int, bool]:
    """Page back through the JSON topic list; ingest what is found. Returns (pages, topics, complete).

    When it cannot finish (no JSON list, a failing page, the page bound), the span it could not reach is
    reported like a generic feed's gap: in `status`, and to staff once.
    """
    url = json_url(rt.feed.url)
    if url is None:
        await note_gap(src, rt, now, since, oldest=None, why="this Discourse feed has no JSON list to page back through")
        return 0, 0, False
    not_before = now - rt.feed.max_topic_age
    pages = topics = 0
    reached_back: datetime | None = None  # the oldest activity the pages read so far reach
    for n in range(MAX_PAGES):
        try:
            resp = await src.fetch_json(rt, page_url(url, n))
            data = await asyncio.to_thread(json.loads, resp.body)
        except FetchError as exc:
            problem = f"page {n} of {safe_url(url)}: {exc}"
            break
        except (ValueError, UnicodeDecodeError, RecursionError):
            problem = f"page {n} of {safe_url(url)} is not JSON"
            break
        page: Page = topic_list(data, rt.spec, _base(rt.feed.url), observed_at=now, not_before=not_before)
        pages += 1
        found = page.listing
        src.hub.ingest_batch(sorted(found.events, key=lambda e: e.at))
        topics += sum(1 for e in found.events if getattr(e, "starts_topic", False))
        rt.threads.update(found.threads)
        rt.counts.update(found.counts)
        rt.listed |= set(found.threads)
        if page.bumped:
            reached_back = min([*page.bumped, *([reached_back] if reached_back else [])])
        # Newest activity first: a topic last active before the last read means the rest was seen then.
        reached = any(b <= since or b < not_before for b in page.bumped)
        if reached or not page.more or not found.ids:
            return pages, topics, True
    else:
        problem = f"it stopped after {MAX_PAGES} pages of {safe_url(url)} (its bound)"
    await note_gap(src, rt, now, since, oldest=reached_back, why=f"the catch-up through the forum's JSON topic list could not reach back that far: {problem}")
    return pages, topics, False


async def note_gap(src: Any, rt: FeedRuntime, now: datetime, since: datetime, *, oldest: datetime | None, why: str) -> None:
    """Say in `status`, and to staff once, that items of a span may be lost for good."""
    until = oldest or now
    rt.gap_at = now
    rt.gap_note = f"items published between {since:%Y-%m-%d %H:%M} and {until:%Y-%m-%d %H:%M} UTC may have been missed while the feed was not read: {why}"
    log.warning("feed %s: %s", rt.feed.name, rt.gap_note)
    await src.alert(
        f"feed:{rt.feed.name}:gap:{int(since.timestamp())}",
        f"Forum feed {rt.feed.name!r}: items from a {age((until - since).total_seconds())} span may be missed",
        f"{safe_url(rt.feed.url)} was last read at {since:%Y-%m-%d %H:%M} UTC; what it shows now reaches back only to "
        f"{until:%Y-%m-%d %H:%M} UTC, so items published in between may not have been seen: {why}. Please look at the "
        f"forum for that span: nobody will be nudged about those items.",
    )


async def generic(src: Any, rt: FeedRuntime, now: datetime, since: datetime, listed: Listing) -> None:
    dates = [d for d in listed.dates if d is not None]
    await note_gap(
        src,
        rt,
        now,
        since,
        oldest=min(dates) if dates else None,
        why="none of the items seen then is still in the feed, and an RSS/Atom feed keeps only its newest items, so they cannot be recovered",
    )


def status_note(rt: FeedRuntime, now: datetime) -> str | None:
    if rt.gap_note and rt.gap_at and now - rt.gap_at <= GAP_NOTE_KEPT:
        return rt.gap_note
    return None
