"""Feed polling throughput against a loopback forum, and what conditional GET saves.

    python bench/feeds_poll.py [N]        (default 200 feeds)

N Discourse-shaped feeds (30 topics each, ~20 KB) are served by a local aiohttp
server; the real FeedsSource polls them all concurrently, through the real
tracker and watchdog. Round 1 is cold (200 + parse + ingest of every topic);
rounds 2-4 are warm (the server answers 304 to our ETag: no body, no parse).
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from aiohttp import web
from common import peak_rss_mb, row, say, settings_from

from adapters.feeds.poller import FeedsSource
from bot.clock import FakeClock
from bot.store import Tracker
from bot.wiring import build
from tests.adapters.feeds.forum import Forum

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
TOPICS = 30
WARM_ROUNDS = 3


def make_forum(n: int) -> Forum:
    forum = Forum("http://127.0.0.1")
    for t in range(TOPICS):
        forum.topic(
            n * 1000 + t,
            f"Question {t} of forum {n}: how do I configure the thing?",
            f"user{t}",
            T0 - timedelta(minutes=5 * t),
            "<p>" + "Some details about the problem. " * 12 + "</p>",
        )
    return forum


async def serve(bodies: dict[str, bytes]) -> tuple[web.AppRunner, int, dict[str, int]]:
    served = {"200": 0, "304": 0, "bytes": 0}
    etags = {path: '"' + hashlib.sha1(body).hexdigest()[:16] + '"' for path, body in bodies.items()}

    async def handle(request: web.Request) -> web.Response:
        body = bodies.get(request.path)
        if body is None:
            return web.Response(status=404)
        if request.headers.get("If-None-Match") == etags[request.path]:
            served["304"] += 1
            return web.Response(status=304, headers={"ETag": etags[request.path]})
        served["200"] += 1
        served["bytes"] += len(body)
        return web.Response(body=body, headers={"ETag": etags[request.path], "Content-Type": "application/rss+xml"})

    app = web.Application()
    app.router.add_get("/{tail:.*}", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, site._server.sockets[0].getsockname()[1], served  # type: ignore[union-attr]  # a started TCPSite has a server


async def run(n: int) -> None:
    bodies = {f"/f{i}/latest.rss": make_forum(i).latest_rss() for i in range(n)}
    runner, port, served = await serve(bodies)
    toml = '[people.alice]\nslack = "U0ALICE01"\n'
    for i in range(n):
        toml += (
            f'[[routes]]\nplatform = "forum"\nchannel = "f{i}"\nmode = "all"\nchain = ["alice"]\n'
            f'[[feeds]]\nname = "f{i}"\nurl = "http://127.0.0.1:{port}/f{i}/latest.rss"\nkind = "discourse"\n'
        )
    settings = settings_from(toml)
    with tempfile.TemporaryDirectory() as tmp:
        tracker = Tracker(Path(tmp) / "bench.db")
        clock = FakeClock(T0)
        source = FeedsSource(settings, rng=random.Random(1))
        app = build(settings, clock=clock, tracker=tracker, sources=[source], dry_run=True)
        source.attach(app.hub)
        t = time.perf_counter()
        cold = await source.poll_all()
        cold_s = time.perf_counter() - t
        assert set(cold.values()) == {"ok"}, cold
        cold_bytes, cold_parses = source.stats.bytes, source.stats.parses
        warm_s = 0.0
        for _ in range(WARM_ROUNDS):
            clock.advance(timedelta(minutes=5))
            t = time.perf_counter()
            warm = await source.poll_all()
            warm_s += time.perf_counter() - t
            assert set(warm.values()) == {"not-modified"}, warm
        await source.stop()
        questions = len(tracker.open_questions("forum"))
        tracker.close()
    await runner.cleanup()
    warm_polls = n * WARM_ROUNDS
    say(f"{n} Discourse feeds x {TOPICS} topics ({sum(map(len, bodies.values())) // n:,} bytes each), {questions:,} questions opened")
    row(f"cold polls/s ({n} feeds: 200 + parse + ingest)", n / cold_s, "polls/s")
    row(f"warm polls/s ({n} feeds: 304, conditional GET)", warm_polls / warm_s, "polls/s")
    row("bytes received, cold round", cold_bytes, "bytes")
    row(
        f"bytes saved by conditional GET ({WARM_ROUNDS} warm rounds)",
        cold_bytes * WARM_ROUNDS,
        "bytes",
        reference=f"{source.stats.bytes - cold_bytes} bytes received",
    )
    row(
        f"parses saved by conditional GET ({WARM_ROUNDS} warm rounds)",
        source.stats.not_modified,
        "parses",
        reference=f"{source.stats.parses - cold_parses} parses done",
    )
    row("topic feeds not fetched (listing shows no reply)", source.stats.thread_skips, "fetches")
    row("server answers", f"{served['200']} x 200, {served['304']} x 304", "")
    row("peak memory", peak_rss_mb(), "MB")


def main() -> None:
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 200))
    asyncio.run(run(n))


if __name__ == "__main__":
    main()
