"""The demo: a small example community replayed in accelerated real time.

It runs the live machinery (APScheduler, the watchdog, the door) on an
accelerated clock, feeding the bundled history as if members were typing it now,
and prints every DM the bot would send. Nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import TextIO

from . import jsonl
from .clock import AcceleratedClock
from .config import Settings, load_settings
from .events import Message
from .outbound import ConsoleTransport
from .render import one_line
from .store import Tracker
from .wiring import build

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "demo"

BANNER = """\
╔══════════════════════════════════════════════════════════════════════╗
║  DEMO MODE: no Slack, Discord or feed credentials are configured.    ║
║  Replaying a made-up community (examples/demo/) at {speed:>4.0f}x speed.      ║
║  Nothing is sent anywhere: the DMs the bot would send are printed.   ║
╚══════════════════════════════════════════════════════════════════════╝"""

OUTRO = """
Demo finished: {questions} questions seen, {answered} answered by members, {nudges} DMs to moderators.
To watch your own community:
  1. cp config.example.toml unanswered.toml   and name your moderators and channels
  2. export UNANSWERED_SLACK__BOT_TOKEN=... UNANSWERED_SLACK__APP_TOKEN=...   (and/or UNANSWERED_DISCORD__TOKEN=...)
  3. make run
See README.md for the Slack, Discord and forum set-up."""


def demo_settings(db_path: Path) -> Settings:
    settings, _ = load_settings(EXAMPLES / "unanswered.toml", environ={})
    return settings.model_copy(update={"storage": settings.storage.model_copy(update={"path": db_path})})


async def run_demo(*, speed: float | None = None, out: TextIO | None = None, db_dir: Path | None = None) -> dict[str, int]:
    out = out or sys.stdout
    events = list(jsonl.read([EXAMPLES / "community.jsonl"]))
    with tempfile.TemporaryDirectory(prefix="unanswered-demo-") as tmp:
        db_path = (db_dir or Path(tmp)) / "demo.db"
        settings = demo_settings(db_path)
        speed = speed or settings.demo.speed
        out.write(BANNER.format(speed=speed) + "\n")
        clock = AcceleratedClock(start=events[0].at - timedelta(seconds=5), factor=speed)
        tracker = Tracker(db_path)
        app = build(settings, dry_run=True, clock=clock, tracker=tracker, sources=[], console=ConsoleTransport(out))
        await app.scheduler.start()
        try:
            for event in events:
                delay = (clock.to_wall(event.at) - clock.to_wall(clock.now())).total_seconds()
                if delay > 0:
                    await asyncio.sleep(delay)
                if isinstance(event, Message):
                    where = "#" + one_line(event.channel_name or event.channel, 60)
                    kind = " (bot)" if event.author_is_bot else (" (in thread)" if not event.is_top_level else "")
                    out.write(f"[{event.at:%H:%M}] {where} {one_line(event.author_name or event.author, 60)}{kind}: {one_line(event.text, 90)}\n")
                    out.flush()
                app.watchdog.ingest(event)
            # Let the last deadlines (and escalations) play out.
            horizon = events[-1].at + timedelta(hours=1)
            while (due := app.watchdog.next_due()) is not None and due <= horizon:
                await asyncio.sleep(max(0.05, (clock.to_wall(due) - clock.to_wall(clock.now())).total_seconds() + 0.05))
        finally:
            await app.scheduler.close()
        qs = [q for q in tracker.questions() if q.status != "deleted"]
        figures = {
            "questions": len(qs),
            "answered": sum(q.answered_at is not None for q in qs),
            "nudges": len(tracker.audit_rows(kind="nudge")),
        }
        tracker.close()
    out.write(OUTRO.format(**figures) + "\n")
    return figures
