"""Soak: N realistic events through the live machinery, with time accelerated.

    python bench/soak.py [N] [--speed X]       (default 100,000 events at 3000x)

The real composition (``bot.wiring.build`` + ``start``): the APScheduler deadline
loop, the door, the hub, the health monitor with its own task, on an
``AcceleratedClock`` (like the demo) so that a day and a half of community traffic
(several channels, threads, bots, edits, deletes, reactions) with hour-long
windows passes in about a minute. Events are ingested one at a time, as a live
adapter does, at their own (accelerated) time; nudges fire from the real loop.

Printed: resident memory every 10k events (the curve), open file handles and
asyncio tasks at start / middle / end. A leak shows as a curve that keeps rising
after warm-up, or handles/tasks that grow.

Note on memory: SQLite's page cache (``cache_size`` = 32 MB in ``Tracker``) fills
as the database grows, so RSS rises until the cache is full and then stays (at about
140k events here); that is bounded, not a leak. So the curve also shows SQLite's own
heap (``sqlite3_status64``, read through ctypes) and RSS minus it: the bot's memory.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

try:  # as a script (bench/ on sys.path) or imported from a test (repo root on sys.path)
    from common import row, say, settings_from
except ImportError:  # pragma: no cover - depends on how it is run
    from bench.common import row, say, settings_from

from bench.gen import events, settings_toml
from bot import wiring
from bot.clock import AcceleratedClock
from bot.outbound import Delivery, Note, Recipient, Rendered
from bot.store import Tracker

SAMPLE_EVERY = 10_000
YIELD_EVERY = 50  # events ingested between chances for the scheduler to run, when behind


class CountingTransport:
    """A DM API that answers at once and keeps only counts (keeping texts would be our own leak)."""

    platform = "slack"

    nudges = 0  # shared by both platforms' transports
    alerts = 0

    def render(self, note: Note, key: str) -> Rendered:
        return Rendered(text=note.as_text())

    async def deliver(self, to: Recipient, rendered: Rendered, key: str, note: Note) -> Delivery:
        if note.kind == "nudge":
            CountingTransport.nudges += 1
        else:
            CountingTransport.alerts += 1
        return Delivery(ok=True, ref=key)

    async def was_delivered(self, to: Recipient, key: str, since: object = None) -> bool | None:
        return None

    async def update(self, ref: str, rendered: Rendered, note: Note) -> None:
        pass


class DiscordCounting(CountingTransport):
    platform = "discord"


class SoakSource:
    """Contributes the DM transports; the events are fed by the bench itself (like the demo)."""

    name = "soak"

    def __init__(self, transport: CountingTransport) -> None:
        self._transport = transport

    def transport(self) -> CountingTransport:
        return self._transport

    async def start(self, hub: Any) -> None:
        pass

    async def stop(self) -> None:
        pass


def rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


def tasks() -> int:
    return len(asyncio.all_tasks())


def sqlite_heap_mb() -> float | None:
    """Memory SQLite itself holds (page cache, schema, statements); None where it cannot be read."""
    try:
        import _sqlite3

        status = ctypes.CDLL(_sqlite3.__file__).sqlite3_status64
        current, high = ctypes.c_int64(), ctypes.c_int64()
        if status(0, ctypes.byref(current), ctypes.byref(high), 0) != 0:  # 0 = SQLITE_STATUS_MEMORY_USED
            return None
        return current.value / 2**20
    except (ImportError, OSError, AttributeError):
        return None


def db_mb(tracker: Tracker) -> float:
    """The database file plus its WAL: what SQLite's page cache can fill up to."""
    assert tracker.path is not None
    return sum(p.stat().st_size for p in (tracker.path, tracker.path.with_name(tracker.path.name + "-wal")) if p.exists()) / 2**20


async def run(n: int, *, speed: float = 3000.0, sample_every: int = SAMPLE_EVERY, db_dir: Path | None = None, extra_toml: str = "") -> dict[str, Any]:
    settings = settings_from(settings_toml() + "\n" + extra_toml)
    stream = events(n)
    first = next(stream)
    with tempfile.TemporaryDirectory(prefix="unanswered-soak-") as tmp:
        tracker = Tracker((db_dir or Path(tmp)) / "soak.db")
        clock = AcceleratedClock(start=first.at - timedelta(seconds=1), factor=speed)
        CountingTransport.nudges = CountingTransport.alerts = 0
        slack, discord = CountingTransport(), DiscordCounting()
        app = wiring.build(settings, clock=clock, tracker=tracker, sources=[SoakSource(slack), SoakSource(discord)])
        await wiring.start(app)
        at_start = {"fds": open_fds(), "tasks": tasks(), "rss": rss_mb()}
        curve: list[tuple[int, float, int, int, float, int, float | None]] = []  # (events, RSS, fds, tasks, db MB, Python blocks, SQLite heap)
        middle: dict[str, Any] = {}
        began = time.perf_counter()
        behind = 0
        try:
            for i, event in enumerate(_chain(first, stream), 1):
                delay = (clock.to_wall(event.at) - clock.to_wall(clock.now())).total_seconds()
                if delay > 0.001:
                    await asyncio.sleep(delay)
                elif i % YIELD_EVERY == 0:
                    behind += 1
                    await asyncio.sleep(0)  # running behind: still let due nudges out
                app.hub.ingest(event)
                if i % sample_every == 0 or i == n:
                    curve.append((i, rss_mb(), open_fds(), tasks(), db_mb(tracker), sys.getallocatedblocks(), sqlite_heap_mb()))
                    say(
                        f"  {i:>9,} events  RSS {curve[-1][1]:6.1f} MB (SQLite {curve[-1][6] or 0:5.1f})  fds {curve[-1][2]}"
                        f"  tasks {curve[-1][3]}  db {curve[-1][4]:5.1f} MB  py blocks {curve[-1][5]:,}"
                        f"  sim {clock.now():%a %H:%M}  nudges {slack.nudges}"
                    )
                if i == n // 2:
                    middle = {"fds": open_fds(), "tasks": tasks(), "rss": rss_mb()}
            # Let deadlines already due play out (the loop, not us, sends them).
            settle = time.perf_counter() + 10
            while (due := app.watchdog.next_due()) is not None and due <= clock.now() and time.perf_counter() < settle:
                await asyncio.sleep(0.05)
            wall = time.perf_counter() - began
            # A tick the loop started just now must finish before the store closes (LiveScheduler.shutdown
            # does not wait for its tick tasks: reported to the lead).
            while app.scheduler._tasks and time.perf_counter() < settle + 5:
                await asyncio.sleep(0.01)
            at_end = {"fds": open_fds(), "tasks": tasks(), "rss": rss_mb()}
            lateness = [r[0] for r in tracker.conn.execute("SELECT a.at - n.due_at FROM nudges n JOIN audit a ON a.id = n.audit")]
            figures = {
                "events": n,
                "wall_s": wall,
                "sim_hours": (clock.now() - first.at).total_seconds() / 3600,
                "speed": speed,
                "behind_yields": behind,
                "questions": tracker.conn.execute("SELECT COUNT(*) FROM questions").fetchone()[0],
                "nudges": CountingTransport.nudges,
                "audited": tracker.conn.execute("SELECT COUNT(*) FROM audit WHERE kind = 'nudge'").fetchone()[0],
                "health_alerts": tracker.conn.execute("SELECT COUNT(*) FROM audit WHERE kind = 'health'").fetchone()[0],
                "other_sends": CountingTransport.alerts,
                "lateness_sim_p50_s": statistics.median(lateness) if lateness else None,
                "lateness_sim_p99_s": sorted(lateness)[int(len(lateness) * 0.99) - 1] if lateness else None,
                "start": at_start,
                "middle": middle or at_start,
                "end": at_end,
                "curve": curve,
            }
        finally:
            await wiring.stop(app)
    return figures


def _chain(first: Any, rest: Any) -> Any:
    yield first
    yield from rest


def report(f: dict[str, Any]) -> None:
    n = f["events"]
    say(f"{n:,} events, {f['sim_hours']:.1f} simulated hours in {f['wall_s']:.1f} s wall ({f['speed']:.0f}x)")
    for i, rss, _, _, db, blocks, lite in f["curve"]:
        own = f"; without SQLite's heap {rss - lite:.1f} MB (SQLite {lite:.1f} MB)" if lite is not None else ""
        row(f"soak RSS after {i:,} events", round(rss, 1), "MB", reference=f"db file {db:.1f} MB; {blocks:,} Python blocks{own}")
    first, last = f["curve"][0], f["curve"][-1]
    row(
        "soak RSS growth after warm-up (first sample -> end)",
        round(last[1] - first[1], 1),
        "MB",
        reference=f"start {f['start']['rss']:.1f} MB, peak {max(c[1] for c in f['curve']):.1f} MB; SQLite cache (bounded, 32 MB) is most of it",
        target="flat; <= 200 MB",
    )
    if first[6] is not None and last[6] is not None:
        row(
            "soak growth of RSS without SQLite's heap",
            round((last[1] - last[6]) - (first[1] - first[6]), 1),
            "MB",
            reference=f"Python blocks {first[5]:,} -> {last[5]:,}",
            target="flat",
        )
    row("soak open file handles start/middle/end", f"{f['start']['fds']}/{f['middle']['fds']}/{f['end']['fds']}", target="no growth")
    row("soak asyncio tasks start/middle/end", f"{f['start']['tasks']}/{f['middle']['tasks']}/{f['end']['tasks']}", target="no growth")
    row(
        "soak events per wall second (pace set by --speed)",
        round(n / f["wall_s"]),
        "events/s",
        reference=f"{f['sim_hours']:.0f} simulated hours; {f['questions']:,} questions, {f['nudges']:,} nudges delivered, {f['audited']:,} audited",
    )
    if f["lateness_sim_p99_s"] is not None:
        row(
            "soak nudge lateness p99 (simulated time)",
            round(f["lateness_sim_p99_s"], 1),
            "s",
            reference=f"p50 {f['lateness_sim_p50_s']:.1f} s; 1 wall ms = {f['speed'] / 1000:.0f} simulated s",
        )
    row("soak staff alerts from the self-check", f["health_alerts"], target="0 (nothing was broken)")


def main() -> None:
    args = sys.argv[1:]
    n = int(next((a for a in args if a.isdigit()), 100_000))
    speed = float(args[args.index("--speed") + 1]) if "--speed" in args else 3000.0
    report(asyncio.run(run(n, speed=speed)))


if __name__ == "__main__":
    main()
