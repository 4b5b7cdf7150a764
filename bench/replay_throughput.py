"""Replay throughput: N realistic events through the full watchdog, beside raw sqlite3 executemany.

    python bench/replay_throughput.py [N]        (default 1,000,000)

The reference is the physical limit: inserting the same message rows into the same
table with one executemany, no logic at all. The ratio says what our logic costs.
Both are measured in this one run, by wall time and by CPU time; on a machine shared
with other work the CPU-time ratio is the one to compare across runs.
"""

from __future__ import annotations

import asyncio
import itertools
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

from common import peak_rss_mb, row, say, settings_from

from bench.gen import events, settings_toml
from bot import replay
from bot.events import Message
from bot.store import Tracker


def main() -> None:
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 1_000_000))
    settings = settings_from(settings_toml())
    with tempfile.TemporaryDirectory() as tmp:
        tracker = Tracker(Path(tmp) / "replay.db")
        # Events are made in chunks ahead of the replay and streamed in, so memory stays flat
        # and the time spent making the synthetic input is not counted as replay time.
        making = 0.0

        def stream():
            nonlocal making
            source = events(n)
            while True:
                t = time.perf_counter()
                chunk = list(itertools.islice(source, 50_000))
                making += time.perf_counter() - t
                if not chunk:
                    return
                yield from chunk

        t0, c0 = time.perf_counter(), time.process_time()
        result, dog = asyncio.run(replay.run(stream(), settings, tracker, keep_judged=False))
        took = time.perf_counter() - t0 - making
        cpu = time.process_time() - c0 - making  # generation is CPU-bound: its wall time ≈ its CPU time
        replay_rss = peak_rss_mb()
        questions = tracker.question_count()
        nudges = tracker.nudge_count()
        tracker.close()

        # The columns the store writes for each message (reply_to included: earlier_reply reads it).
        rows = [
            (e.platform, e.channel, e.id, e.thread, e.reply_to, e.author, int(e.author_is_bot), e.at.timestamp()) for e in events(n) if isinstance(e, Message)
        ]
        raw = sqlite3.connect(Path(tmp) / "raw.db")
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=NORMAL")
        raw.execute(
            "CREATE TABLE messages (pk INTEGER PRIMARY KEY, platform TEXT, channel TEXT, msg_id TEXT, thread TEXT,"
            " reply_to TEXT, author TEXT, is_bot INTEGER, at REAL)"
        )
        raw.execute("CREATE UNIQUE INDEX k ON messages(platform, channel, msg_id)")
        t1, c1 = time.perf_counter(), time.process_time()
        with raw:
            raw.executemany(
                "INSERT OR IGNORE INTO messages (platform, channel, msg_id, thread, reply_to, author, is_bot, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", rows
            )  # same rows, same unique key, no logic
        raw_took = time.perf_counter() - t1
        raw_cpu = time.process_time() - c1
        raw_rows = len(rows)
        del rows
        raw.close()
    ours = n / took
    limit = raw_rows / raw_took
    say(f"{n:,} events: {questions:,} questions tracked, {nudges:,} nudges recorded, {dog.malformed} malformed")
    row(
        "replay throughput (1M realistic events)" if n == 1_000_000 else f"replay throughput ({n:,} events)",
        round(ours),
        "events/s",
        reference=f"raw sqlite3 executemany {limit:,.0f} rows/s; ratio {ours / limit:.2f}",
        target=">= 33,000 events/s (1M in <= 30 s)",
    )
    row("replay wall time", round(took, 2), "s")
    row(
        "replay throughput by CPU time (robust to a busy machine)",
        round(n / cpu),
        "events/s",
        reference=f"raw sqlite3 executemany {raw_rows / raw_cpu:,.0f} rows/s by CPU time; ratio {(n / cpu) / (raw_rows / raw_cpu):.2f}",
        target="ratio >= 0.15",
    )
    row("replay peak memory", round(replay_rss), "MB", target="<= 200 MB")


if __name__ == "__main__":
    main()
