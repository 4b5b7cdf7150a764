"""Reading the replies of open questions from their thread feeds (Discourse topic feeds, comment feeds).

A mixin of the live ``FeedsSource``: for each open question of a feed's channel,
GET its thread feed unless the listing's reply count shows nothing new, and
ingest the replies (the watchdog decides whether one answers). The first feed of
a forum watches every open question of the forum; the others only what they list.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any

from bot.config import format_duration

from . import translate
from .backoff import UrlState
from .fetch import FetchError, Response, safe_url
from .parse import NotAFeed, parse
from .state import FeedRuntime
from .translate import FORUM

log = logging.getLogger("unanswered.feeds")

THREAD_FETCHES_PER_FEED = 4  # concurrent topic-feed GETs per forum: polite, and a slow topic delays no feed


class ThreadFeeds:
    feeds: dict[str, FeedRuntime]
    hub: Any
    stats: Any
    rng: Any

    async def _fetch(self, url: str, state: UrlState, rt: FeedRuntime) -> Response:
        raise NotImplementedError

    def _thread_url(self, rt: FeedRuntime, topic: str, link: str | None) -> str | None:
        url = rt.threads.get(topic)
        if url is None and rt.spec.kind == "discourse" and link:
            url = translate.discourse_topic_feed({"link": link})
        return url

    async def _poll_threads(self, rt: FeedRuntime, now: datetime) -> None:
        cutoff = now - rt.feed.max_topic_age
        # A Discourse listing counts the topic's first post; a comment count does not count the item.
        no_replies = 1 if rt.spec.kind == "discourse" else 0
        wanted: list[tuple[str, str, int | None]] = []
        watching: set[str] = set()
        keep_urls: set[str] = set()
        # Each feed reads the threads of the topics it lists (with their counts, an unchanged topic costs nothing);
        # the forum's first feed also reads those no feed of the forum lists any more.
        siblings = [o for o in self.feeds.values() if o is not rt and o.spec.name == rt.spec.name]
        elsewhere: set[str] = set().union(*(o.listed for o in siblings)) if rt.is_lead else set()
        refs = self.hub.tracker.open_topic_refs(FORUM, rt.spec.name, None if rt.is_lead else rt.listed)
        for topic, asked_at, link in refs:
            if asked_at < cutoff:
                continue  # too old to keep polling
            if topic not in rt.listed and (not rt.is_lead or topic in elsewhere):
                continue  # another feed of this forum lists it and reads its thread
            url = self._thread_url(rt, topic, link)
            if url is None or url == rt.feed.url:
                continue  # nothing to read replies from, or the feed is that topic's own: its poll read them
            watching.add(topic)
            keep_urls.add(url)
            count = rt.counts.get(topic)
            if count is not None and (
                count <= no_replies or rt.read_at_count.get(topic) == count or any(o.read_at_count.get(topic) == count for o in siblings)
            ):
                self.stats.thread_skips += 1
                continue  # the listing shows no reply, or none since this forum last read the thread
            state = rt.thread_states.setdefault(url, UrlState())
            if state.due(now):
                wanted.append((topic, url, count))
        limit = asyncio.Semaphore(THREAD_FETCHES_PER_FEED)

        async def one(topic: str, url: str, count: int | None) -> None:
            async with limit:
                await self._poll_thread(rt, topic, url, count, now)

        await asyncio.gather(*(one(*w) for w in wanted))
        # Forget threads of questions that are answered, closed or too old: state stays bounded.
        rt.threads = {t: u for t, u in rt.threads.items() if t in watching or t in rt.listed}
        rt.read_at_count = {t: c for t, c in rt.read_at_count.items() if t in watching}
        rt.thread_states = {u: s for u, s in rt.thread_states.items() if u in keep_urls}

    async def _poll_thread(self, rt: FeedRuntime, topic: str, url: str, count: int | None, now: datetime) -> None:
        state = rt.thread_states.setdefault(url, UrlState())
        self.stats.thread_fetches += 1
        try:
            resp = await self._fetch(url, state, rt)
            if resp.status != 304:
                parsed, result = await asyncio.to_thread(self._translate_thread, rt, topic, resp, now)
                self.stats.parses += 1
                if result.skipped:
                    log.info("feed %s: topic feed %s: skipped %d item(s): %s", rt.feed.name, safe_url(url), len(result.skipped), "; ".join(result.skipped[:5]))
                self.hub.ingest_batch(result.events)
        except (FetchError, NotAFeed) as exc:
            self.stats.failures += 1
            wait = state.failed(now, rt.feed.interval, str(exc), retry_after=getattr(exc, "retry_after", None), rng=self.rng)
            log.warning("feed %s: topic feed %s: %s; next try in %s", rt.feed.name, safe_url(url), exc, format_duration(wait))
            return
        state.succeeded(resp.etag, resp.last_modified)
        if count is not None:
            rt.read_at_count[topic] = count

    def _translate_thread(self, rt: FeedRuntime, topic: str, resp: Response, now: datetime) -> tuple[Any, translate.Thread]:
        parsed = parse(resp.body, url=rt.feed.url, content_type=resp.content_type)
        return parsed, translate.thread(parsed, rt.spec, topic, observed_at=now)
