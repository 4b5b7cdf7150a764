"""The live feeds source: polls every routed feed on its own interval.

One poll of a feed:
1. GET the listing (conditional: an unchanged feed costs a 304 and no parse);
2. parse and translate it off the event loop (a big feed never stalls the others),
   ingest its topics;
3. for each open question of that feed, GET its thread feed (Discourse topic feed,
   comment feed) unless the listing's reply count shows nothing new, and ingest
   the replies: the watchdog decides whether one answers.

After downtime, a listing that no longer reaches back to the last read starts a
catch-up (``catchup``: Discourse's JSON pages; for generic feeds, a plain "items
may be missed" in ``status`` and to staff). Every feed of one forum shares one
channel (``forums``): a topic in two feeds is one question.

Failures back off exponentially with jitter, per URL. The feed's health is
reported to the hub (``status`` shows it); when the listing has failed for longer
than ``failing_alert_after`` the staff are told once, and once more on recovery.

Only feeds that a ``[[routes]]`` entry (platform "forum", channel = the feed's
name, mode not "off") watches are polled: a route is what decides.
"""

from __future__ import annotations

import asyncio
import logging
import random
import traceback
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Awaitable, Callable

import aiohttp

from bot.config import Settings, format_duration
from bot.render import age
from bot.store import StoreError

from . import catchup, state, translate
from .backoff import UrlState
from .fetch import FetchError, Response, fetch, new_session, safe_url
from .forums import api_headers, channel_of, lead_feeds, routed_feeds
from .parse import NotAFeed, leniently_parsed, parse
from .state import FeedRuntime
from .threads import ThreadFeeds
from .translate import FeedSpec

log = logging.getLogger("unanswered.feeds")

KV_PREFIX = state.KV_PREFIX
__all__ = ["ANSWERS_DETAIL", "FeedsSource", "PollStats", "routed_feeds"]

ANSWERS_DETAIL = {
    translate.BY_THREAD_FEED: "answered = a reply by someone other than the author, read from each topic's own feed",
    translate.BY_COMMENT_COUNT: ("answered = the item's comment count rose above 0 (a count cannot tell the author's own follow-up from an answer)"),
    translate.CANNOT_TELL: (
        "cannot tell when answered: the feed has no comment feed or comment count, so every new item is nudged after the window unless staff mark it answered"
    ),
}


@dataclass
class PollStats:
    fetches: int = 0
    not_modified: int = 0
    parses: int = 0
    bytes: int = 0
    failures: int = 0
    thread_fetches: int = 0
    thread_skips: int = 0  # topic feeds not fetched because the listing showed no new reply


class FeedsSource(ThreadFeeds):
    name = "feeds"

    def __init__(self, settings: Settings, *, rng: random.Random | None = None, session: aiohttp.ClientSession | None = None) -> None:
        self.settings = settings
        self.rng = rng or random.Random()
        self.session = session
        self._own_session = session is None
        self.hub: Any = None
        self.stats = PollStats()
        self.feeds: dict[str, FeedRuntime] = {}
        leads = lead_feeds(settings)
        for f in routed_feeds(settings):
            spec = FeedSpec.from_config(f)
            self.feeds[f.name] = FeedRuntime(
                feed=f, spec=FeedSpec(name=channel_of(settings, f, leads), kind=spec.kind, bots=spec.bots), auth=api_headers(settings, f)
            )
        self.unrouted = [f.name for f in settings.feeds if f.name not in self.feeds]

    def transport(self) -> None:
        return None  # forum questions are DMed on Slack/Discord; we never write to the forum

    # ------------------------------------------------------------ lifecycle

    async def start(self, hub: Any) -> None:
        """Load remembered validators, poll every feed once (the catch-up), then poll on each feed's interval."""
        self.attach(hub)
        for name in self.unrouted:
            log.warning('feed %s has no [[routes]] entry (platform = "forum", channel = %r): not polled', name, name)
        if not self.feeds:
            return
        await self.poll_all()
        for name, rt in self.feeds.items():
            hub.every(rt.feed.interval, self._job(name), id=f"feed:{name}")

    def attach(self, hub: Any) -> None:
        self.hub = hub
        if self.session is None:
            self.session = new_session()
        for rt in self.feeds.values():
            self._load(rt)

    def _http(self) -> aiohttp.ClientSession:
        """The session ``attach`` opened (or the one passed in); fetching before either is a wiring bug."""
        if self.session is None:
            raise RuntimeError("feed poller used before attach(): no HTTP session")
        return self.session

    async def stop(self) -> None:
        if self.session is not None and self._own_session:
            await self.session.close()
            self.session = None

    def _job(self, name: str) -> Callable[[], Awaitable[None]]:
        async def poll() -> None:
            await self.poll_feed(name)

        return poll

    async def poll_all(self) -> dict[str, str]:
        """Poll every feed concurrently; returns each feed's outcome."""
        names = list(self.feeds)
        outcomes = await asyncio.gather(*(self.poll_feed(n) for n in names))
        return dict(zip(names, outcomes, strict=True))

    # ------------------------------------------------------------ one feed

    async def poll_feed(self, name: str) -> str:
        """One poll. Returns "ok", "not-modified", "failed", "backoff" or "busy". Never raises."""
        rt = self.feeds[name]
        if rt.lock.locked():
            return "busy"  # the previous poll of this feed is still running
        async with rt.lock:
            now = self.hub.clock.now()
            if not rt.state.due(now):
                return "backoff"
            since = rt.state.failing_since
            try:
                outcome = await self._poll_listing(rt, now)
            except (FetchError, NotAFeed) as exc:
                await self._listing_failed(rt, now, str(exc), getattr(exc, "retry_after", None))
                return "failed"
            except StoreError as exc:
                log.error("feed %s: the database refused the update: %s", name, exc)
                return "failed"
            except Exception as exc:  # a bug must not stop the other feeds or the scheduler
                await self._listing_failed(rt, now, f"internal error ({_where(exc)})", None)
                return "failed"
            await self._recovered(rt, now, since)
            try:
                await self._poll_threads(rt, now)
            except StoreError as exc:
                log.error("feed %s: the database refused the update: %s", name, exc)
            except Exception as exc:
                log.error("feed %s: polling topic feeds failed: internal error (%s)", name, _where(exc))
            self._save(rt)
            return outcome

    async def _poll_listing(self, rt: FeedRuntime, now: datetime) -> str:
        feed = rt.feed
        resp = await self._fetch(feed.url, rt.state, rt)
        if resp.status == 304:
            rt.state.succeeded(resp.etag, resp.last_modified)
            rt.last_ok = now  # unchanged since the last read: nothing slipped past it
            self._report_ok(rt, lenient=False)
            return "not-modified"
        parsed, result = await asyncio.to_thread(self._translate_listing, rt, resp, now)
        self.stats.parses += 1
        if result.skipped:
            # Reasons only (ids, "no date"), never item text.
            log.info(
                "feed %s (%s): skipped %d item(s): %s",
                feed.name,
                safe_url(feed.url),
                len(result.skipped),
                "; ".join(result.skipped[:5]) + (" …" if len(result.skipped) > 5 else ""),
            )
        self.hub.ingest_batch(translate.by_time(result.events))
        rt.threads.update(result.threads)
        rt.listed = set(result.threads)
        rt.counts = result.counts
        if result.answers is not None:
            rt.answers = result.answers
        since = catchup.gap_since(rt, result)
        if since is not None and rt.spec.kind == "discourse":
            pages, topics, _complete = await catchup.discourse(self, rt, now, since)
            log.info(
                "feed %s: the listing no longer reached back to %s; caught up %d topic(s) from %d JSON page(s)",
                feed.name,
                f"{since:%Y-%m-%d %H:%M}",
                topics,
                pages,
            )
        elif since is not None:
            await catchup.generic(self, rt, now, since, result)
        rt.seen, rt.last_ok = set(result.ids), now
        # Validators only after the ingest: a crash in between re-reads the feed instead of skipping it.
        rt.state.succeeded(resp.etag, resp.last_modified)
        self._report_ok(rt, lenient=leniently_parsed(parsed))
        return "ok"

    def _translate_listing(self, rt: FeedRuntime, resp: Response, now: datetime) -> tuple[Any, translate.Listing]:
        # Runs in a worker thread (under the feed's lock): pure functions only, no database.
        parsed = parse(resp.body, url=rt.feed.url, content_type=resp.content_type)
        if rt.feed.kind == "auto":  # no kind configured: Discourse if the feed says so, else generic RSS/Atom
            rt.spec = state.resolved(rt, "discourse" if translate.is_discourse(parsed) else "rss")
        return parsed, translate.listing(parsed, rt.spec, observed_at=now, not_before=now - rt.feed.max_topic_age)

    async def _fetch(self, url: str, state: UrlState, rt: FeedRuntime) -> Response:
        self.stats.fetches += 1
        feed = rt.feed
        resp = await fetch(
            self._http(),
            url,
            etag=state.etag,
            last_modified=state.last_modified,
            timeout=feed.timeout.total_seconds(),
            max_bytes=feed.max_bytes,
            auth=rt.auth,
        )
        if resp.status == 304:
            self.stats.not_modified += 1
        self.stats.bytes += len(resp.body)
        return resp

    # ------------------------------------------------------------ health and alerts

    def _report_ok(self, rt: FeedRuntime, *, lenient: bool) -> None:
        detail = ANSWERS_DETAIL.get(rt.answers or "", "no items yet")
        gap = catchup.status_note(rt, self.hub.clock.now())
        if gap:
            detail += "; " + gap
        if lenient:
            detail += "; the feed is not well-formed (or mislabels its encoding) and was read leniently"
        self.hub.report(rt.health_key, True, detail)

    async def _listing_failed(self, rt: FeedRuntime, now: datetime, reason: str, retry_after: float | None) -> None:
        self.stats.failures += 1
        state = rt.state
        wait = state.failed(now, rt.feed.interval, reason, retry_after=retry_after, rng=self.rng)
        since = state.failing_since or now
        where = safe_url(rt.feed.url)
        log.warning("feed %s (%s): %s; failure %d in a row, next try in %s", rt.feed.name, where, reason, state.failures, format_duration(wait))
        try:
            self.hub.report(rt.health_key, False, f"{reason} ({where}); failing since {since:%Y-%m-%d %H:%M} UTC")
        except StoreError as exc:
            log.error("feed %s: could not record its health: %s", rt.feed.name, exc)
        failing_for = now - since
        if not rt.alerted and failing_for >= rt.feed.failing_alert_after:
            rt.alerted = True  # set first: a failing send must not turn into an alert every poll
            await self._alert(
                f"feed:{rt.feed.name}:failing:{int(since.timestamp())}",
                f"Forum feed {rt.feed.name!r} has been failing for {age(failing_for.total_seconds())}",
                f"{where}: {reason}.\nUntil it works again, new topics there are not seen and nobody is nudged about them. "
                f"Retrying with backoff; you will get one more note when it recovers.",
            )
        self._save(rt)

    async def _recovered(self, rt: FeedRuntime, now: datetime, since: datetime | None) -> None:
        if not rt.alerted:
            return
        rt.alerted = False
        down = age((now - since).total_seconds()) if since else "a while"
        await self._alert(
            f"feed:{rt.feed.name}:recovered:{int(since.timestamp()) if since else 0}",
            f"Forum feed {rt.feed.name!r} works again",
            f"{safe_url(rt.feed.url)} answered normally after failing for {down}. Topics posted meanwhile were caught up.",
        )

    async def fetch_json(self, rt: FeedRuntime, url: str) -> Response:
        """One page of a Discourse JSON list (catch-up): unconditional, with the feed's limits and API headers."""
        self.stats.fetches += 1
        resp = await fetch(
            self._http(),
            url,
            timeout=rt.feed.timeout.total_seconds(),
            max_bytes=rt.feed.max_bytes,
            auth=rt.auth,
            accept="application/json",
        )
        self.stats.bytes += len(resp.body)
        return resp

    async def alert(self, key: str, title: str, body: str) -> None:
        await self._alert(key, title, body)

    async def _alert(self, key: str, title: str, body: str) -> None:
        try:
            await self.hub.alert(key, title, body)
        except Exception as exc:
            log.error("could not tell staff about %s: %s", key, type(exc).__name__)

    # ------------------------------------------------------------ memory across restarts

    def _load(self, rt: FeedRuntime) -> None:
        state.load(rt, self.hub.tracker.get(KV_PREFIX + rt.feed.name) or {})

    def _save(self, rt: FeedRuntime) -> None:
        value = state.dump(rt)
        try:
            with self.hub.tracker.transaction():
                self.hub.tracker.put(KV_PREFIX + rt.feed.name, value)
        except StoreError as exc:
            log.error("feed %s: could not remember its poll state: %s", rt.feed.name, exc)


def _where(exc: BaseException) -> str:
    """Exception type and innermost frame, without the message (it could quote feed content)."""
    frames = traceback.extract_tb(exc.__traceback__)
    last = frames[-1] if frames else None
    return f"{type(exc).__name__} at {last.filename.rsplit('/', 1)[-1]}:{last.lineno}" if last else type(exc).__name__
