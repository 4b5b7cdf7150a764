"""Nudge lateness with the real APScheduler loop, and idle CPU.

    python bench/lateness.py [QUESTIONS]     (default 300)

Questions arrive over two seconds into routes with windows of 2–6 s and an
escalation 1 s later, on the wall clock (SystemClock). Lateness = audit send time
minus the deadline recorded with the nudge. Then the process sits idle for 10 s with
a deadline far away: the CPU it burns meanwhile shows that nothing polls.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from common import peak_rss_mb, row, say, settings_from

from bot.clock import SystemClock
from bot.events import Message
from bot.outbound import Delivery, Note, Recipient, Rendered
from bot.store import Tracker
from bot.wiring import build

WINDOWS = [2, 3, 4, 5, 6]


class Transport:
    """A platform DM API that answers instantly: we measure our loop, not a network."""

    platform = "slack"

    def render(self, note: Note, key: str) -> Rendered:
        return Rendered(text=note.as_text())

    async def deliver(self, to: Recipient, rendered: Rendered, key: str, note: Note) -> Delivery:
        return Delivery(ok=True, ref=key)

    async def was_delivered(self, to: Recipient, key: str, since: object = None) -> bool | None:
        return None

    async def update(self, ref: str, rendered: Rendered, note: Note) -> None:
        pass


class Source:
    name = "bench"

    def transport(self) -> Transport:
        return Transport()

    async def start(self, hub) -> None:
        pass

    async def stop(self) -> None:
        pass


async def run(n: int) -> None:
    toml = '[defaults]\nescalate_after = "1s"\n[people.alice]\nslack = "UALICE001"\n[people.bob]\nslack = "UBOB00002"\n'
    toml += "".join(f'[[routes]]\nplatform = "slack"\nchannel = "C{w}"\nwindow = "{w}s"\nchain = ["alice", "bob"]\n' for w in WINDOWS)
    settings = settings_from(toml)
    with tempfile.TemporaryDirectory() as tmp:
        tracker = Tracker(Path(tmp) / "late.db")
        app = build(settings, clock=SystemClock(), tracker=tracker, sources=[Source()])
        await app.scheduler.start()
        for i in range(n):
            w = WINDOWS[i % len(WINDOWS)]
            app.watchdog.ingest(Message("slack", f"C{w}", f"{i}.0", f"U{i}", datetime.now(timezone.utc), "How do I configure the export?"))
            await asyncio.sleep(2 / n)
        expected = 2 * n
        deadline = time.monotonic() + max(WINDOWS) + 10
        while time.monotonic() < deadline:
            if tracker.conn.execute("SELECT COUNT(*) FROM audit WHERE result = 'sent'").fetchone()[0] >= expected:
                break
            await asyncio.sleep(0.2)
        rows = tracker.conn.execute("SELECT a.at - n.due_at FROM nudges n JOIN audit a ON a.id = n.audit").fetchall()
        late = sorted(r[0] * 1000 for r in rows)
        say(f"{len(late)} of {expected} nudges sent")
        row(f"nudge lateness p50 ({len(late)} nudges, real APScheduler)", round(statistics.median(late), 2), "ms", target="well under 1 s")
        row("nudge lateness p99", round(late[int(len(late) * 0.99) - 1], 2), "ms", reference=f"max {late[-1]:.1f} ms", target="p99 <= 1000 ms")
        # Idle: one deadline an hour away, nothing else to do.
        app.watchdog.ingest(Message("slack", "C2", "idle.0", "UIDLE", datetime.now(timezone.utc), "How do I sleep?"))
        c0, t0 = time.process_time(), time.monotonic()
        await asyncio.sleep(10)
        idle = (time.process_time() - c0) / (time.monotonic() - t0) * 100
        row("idle CPU with a deadline pending", round(idle, 3), "%", target="<= 1 %")
        app.scheduler.shutdown()
        tracker.close()
    row("lateness bench peak memory", round(peak_rss_mb()), "MB", target="<= 200 MB")


def main() -> None:
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 300))
    asyncio.run(run(n))


if __name__ == "__main__":
    main()
