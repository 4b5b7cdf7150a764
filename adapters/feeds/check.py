"""check-config's feed test: fetch each configured feed once and say plainly what is wrong.

``check_feeds`` returns problems (each names the feed, its URL without secrets,
and the fix); the CLI prints them as errors. Optional ``notes`` collects what is
worth knowing but not wrong (how "answered" will be detected, unrouted feeds).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from typing import Any

import aiohttp

from bot.config import Feed, Settings

from . import catchup, translate
from .fetch import FetchError, fetch, new_session, safe_url
from .forums import api_headers
from .parse import NotAFeed, parse
from .poller import ANSWERS_DETAIL, routed_feeds
from .translate import FeedSpec

DISCOURSE_HINT = "for Discourse use https://<forum>/latest.rss or a category feed https://<forum>/c/<slug>/<id>.rss"


async def check_feeds(settings: Settings, *, notes: list[str] | None = None, session: aiohttp.ClientSession | None = None) -> list[str]:
    """Problems with the configured feeds, one line each; empty when all are usable feeds."""
    if not settings.feeds:
        return []
    own = session is None
    http = session or new_session()
    try:
        results = await asyncio.gather(*(_check(http, i, feed, api_headers(settings, feed)) for i, feed in enumerate(settings.feeds)))
    finally:
        if own:
            await http.close()
    problems = [p for found, _ in results for p in found]
    if notes is not None:
        notes += [n for _, said in results for n in said]
        routed = {f.name for f in routed_feeds(settings)}
        for feed in settings.feeds:
            if feed.name not in routed:
                notes.append(
                    f'feeds {feed.name!r}: no [[routes]] entry with platform = "forum" and channel = {feed.name!r} (mode not "off"): it will not be polled'
                )
    return problems


async def _check(session: aiohttp.ClientSession, index: int, feed: Feed, auth: dict[str, str]) -> tuple[list[str], list[str]]:
    label = f"feeds[{index}] ({feed.name!r})"
    where = safe_url(feed.url)
    if not feed.url.startswith(("http://", "https://")):
        return [f'{label}: url {where!r} is not an http(s) URL; write the full address, e.g. "https://forum.example.org/latest.rss"'], []
    try:
        resp = await fetch(session, feed.url, timeout=feed.timeout.total_seconds(), max_bytes=feed.max_bytes, auth=auth)
        parsed = parse(resp.body, url=feed.url, content_type=resp.content_type)
    except FetchError as exc:
        return [f"{label}: {where}: {exc}; check the url (open it in a browser) and that this machine can reach it"], []
    except NotAFeed as exc:
        return [f"{label}: {where} is not a feed: {exc}; {DISCOURSE_HINT}; other forums: the page's RSS/Atom link"], []
    looks_discourse = translate.is_discourse(parsed)
    if feed.kind == "discourse":
        if _is_posts_feed(parsed) and not translate.is_discourse_topic_feed(parsed):
            return [f"{label}: {where} lists posts, not topics; {DISCOURSE_HINT}"], []
        if not looks_discourse:
            return [f'{label}: {where} does not look like a Discourse topic list (no "<host>-topic-<id>" guids); set kind = "rss", or {DISCOURSE_HINT}'], []
    notes = []
    if feed.kind == "rss" and looks_discourse:
        notes.append(f'{label}: {where} looks like Discourse; set kind = "discourse" so replies are read from topic feeds')
    spec = FeedSpec.from_config(feed)
    if feed.kind == "auto":
        spec = replace(spec, kind="discourse" if looks_discourse else "rss")
        notes.append(f'{label}: read as {"a Discourse forum" if looks_discourse else "a generic RSS/Atom feed"} (kind = "auto"; set kind to be explicit)')
        if looks_discourse and _is_posts_feed(parsed) and not translate.is_discourse_topic_feed(parsed):
            return [f"{label}: {where} lists posts, not topics; {DISCOURSE_HINT}"], []
    listed = translate.listing(parsed, spec)
    if spec.kind == "discourse" and translate.is_discourse_topic_feed(parsed):
        notes.append(f"{label}: {where} is one topic's own feed: only that topic is watched; for every new topic use https://<forum>/latest.rss")
    if listed.answers is not None:
        notes.append(f"{label}: {ANSWERS_DETAIL[listed.answers]}")
    if spec.kind == "discourse":
        notes.append(f"{label}: {await _catch_up_note(session, feed, auth)}")
    if listed.skipped:
        notes.append(f"{label}: {len(listed.skipped)} item(s) would be skipped: " + "; ".join(listed.skipped[:3]))
    return [], notes


def _is_posts_feed(parsed: Any) -> bool:
    """Discourse's /posts.rss: post guids from many topics."""
    ids = [str(e.get("id", "")) for e in parsed.get("entries") or []]
    return bool(ids) and all("-post-" in i for i in ids)


async def _catch_up_note(session: aiohttp.ClientSession, feed: Feed, auth: dict[str, str]) -> str:
    """Whether topics past the listing's newest 30 can be caught up after downtime (the forum's JSON list)."""
    url = catchup.json_url(feed.url)
    if url is None:
        return (
            "no JSON topic list for this URL: after downtime, topics past the listing's newest 30 cannot be "
            "caught up; watch latest.rss or category feeds for that"
        )
    try:
        resp = await fetch(session, url, timeout=feed.timeout.total_seconds(), max_bytes=feed.max_bytes, auth=auth, accept="application/json")
        data = json.loads(resp.body)
    except FetchError as exc:
        return f"catch-up after downtime unavailable: {safe_url(url)}: {exc}; only the listing's newest topics are seen"
    except (ValueError, UnicodeDecodeError, RecursionError):
        return f"catch-up after downtime unavailable: {safe_url(url)} is not JSON; only the listing's newest topics are seen"
    if not isinstance(data, dict) or not isinstance(data.get("topic_list"), dict):
        return f"catch-up after downtime unavailable: {safe_url(url)} is not a topic list"
    return f"catch-up after downtime: pages back through {safe_url(url)} (topics past the listing's newest 30)"
