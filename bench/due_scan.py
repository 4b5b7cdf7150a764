"""Due-scan: how long finding the due questions takes with 1M tracked messages and 10k open questions.

    python bench/due_scan.py

The store is filled with raw inserts into the real schema (the replay bench measures
the pipeline); here only the scan the scheduler runs is timed: ``Tracker.due(now)``
(nothing due, and 50 due) and ``Tracker.next_due()``.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from common import peak_rss_mb, row, say

from bot.store import Tracker

MESSAGES = 1_000_000
OPEN = 10_000
CLOSED = 90_000


def fill(tracker: Tracker, now: float) -> None:
    rnd = random.Random(3)
    conn = tracker.conn
    with tracker.transaction():
        conn.executemany(
            "INSERT INTO messages (platform, channel, msg_id, author, is_bot, at) VALUES (?, ?, ?, ?, 0, ?)",
            ((("slack", "discord")[i % 2], f"C{i % 40}", str(i), f"U{rnd.randint(1, 20000)}", now - (MESSAGES - i) * 2.0) for i in range(MESSAGES)),
        )
        conn.executemany(
            "INSERT INTO questions (platform, channel, msg_id, author, asked_at, excerpt, status, next_due, answered_at)"
            " VALUES (?, ?, ?, ?, ?, 'How do I …?', ?, ?, ?)",
            (
                (
                    ("slack", "discord")[i % 2],
                    f"C{i % 40}",
                    str(i * 10),
                    f"U{i}",
                    now - 86400 * rnd.random(),
                    "open" if i < OPEN else "answered",
                    (now + rnd.uniform(60, 86400)) if i < OPEN else None,  # every open question has a future deadline
                    None if i < OPEN else now - 3600,
                )
                for i in range(OPEN + CLOSED)
            ),
        )


def timed(fn, repeat: int = 2000) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.99)]


def main() -> None:
    now = datetime(2026, 1, 5, 12, tzinfo=timezone.utc)
    with tempfile.TemporaryDirectory() as tmp:
        tracker = Tracker(Path(tmp) / "due.db")
        say(f"filling {MESSAGES:,} messages, {OPEN:,} open and {CLOSED:,} answered questions…")
        fill(tracker, now.timestamp())
        med, p99 = timed(lambda: tracker.due(now))
        row("due-scan, nothing due (1M msgs, 10k open)", round(med, 4), "ms", reference=f"p99 {p99:.4f} ms", target="<= 5 ms")
        # Make 50 questions due now: the scan returns them (rows decoded into objects).
        tracker.conn.execute("UPDATE questions SET next_due = ? WHERE id <= 50", (now.timestamp() - 1,))
        med, p99 = timed(lambda: tracker.due(now), repeat=500)
        row("due-scan, 50 due", round(med, 4), "ms", reference=f"p99 {p99:.4f} ms", target="<= 5 ms")
        med, p99 = timed(tracker.next_due)
        row("next-deadline lookup", round(med, 4), "ms", reference=f"p99 {p99:.4f} ms")
        later = now + timedelta(days=2)
        med, _ = timed(lambda: tracker.due(later, limit=200), repeat=50)
        row("due-scan, all 10k due (first batch of 200)", round(med, 3), "ms")
        tracker.close()
    row("due-scan peak memory", round(peak_rss_mb()), "MB", target="<= 200 MB")


if __name__ == "__main__":
    main()
