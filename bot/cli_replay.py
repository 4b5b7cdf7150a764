"""`unanswered replay`: a history through the watchdog with a simulated clock.

It exists apart from bot/cli.py because replay is the evaluation tool (what would have been flagged,
who was pinged when), with its own JSON output format, and shares nothing with running live.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import click

from .cli_common import EXIT_CONFIG, _settings, config_option
from .neutralise import for_terminal
from .store import StoreError, Tracker


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--format", "fmt", type=click.Choice(["auto", "jsonl", "slack-export", "discord-export", "rss"]), default="auto", show_default=True)
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON object per judged top-level message, in input order.")
@click.option("--db", type=click.Path(dir_okay=False), default=None, help="Keep the replayed tracker in this file (e.g. for `digest`).")
@click.option("--list", "list_all", is_flag=True, help="After the summary, every question with its fate and nudges.")
@click.option("--progress/--no-progress", default=None, help="A progress bar on stderr (default: when it is a terminal).")
def replay(paths: tuple[str, ...], fmt: str, config: str | None, as_json: bool, db: str | None, list_all: bool, progress: bool | None) -> None:
    """Run a history through the watchdog with a simulated clock: what would have been flagged, and who pinged when."""
    settings, _ = _settings(config)
    from . import replay as replay_mod
    from .wiring import read_history

    errors: list[Any] = []
    events = read_history([Path(p) for p in paths], fmt, errors, settings)
    try:
        tracker = Tracker(db)
    except StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_CONFIG) from None
    from .progress import bar

    with bar(events, "replaying", "events", enabled=progress) as counted:
        result, _ = asyncio.run(replay_mod.run(counted, settings, tracker))
    for err in errors:
        click.echo(str(err), err=True)
    if as_json:
        _replay_json(tracker, result)
    else:
        from .replay_report import report

        for line in report(tracker, result, list_all=list_all):
            click.echo(line)
    tracker.close()


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat().replace("+00:00", "Z")


def _replay_json(tracker: Tracker, result: Any) -> None:
    by_key = {(q.platform, q.channel, q.msg_id): q for q in tracker.questions()}
    out = sys.stdout
    for j in result.judged:
        q = by_key.get((j.platform, j.channel, j.id)) if j.is_question else None
        nudges = []
        if q is not None:
            nudges = [{"to": n["person"], "at": _iso(datetime.fromtimestamp(n["sent_at"], timezone.utc)), "step": n["step"]} for n in tracker.nudges_for(q.id)]
        record = {
            "platform": j.platform,
            "channel": for_terminal(j.channel_name or j.channel),
            "id": j.id,
            "author": j.author,
            "at": _iso(j.at),
            "is_question": j.is_question,
            "reasons": list(j.reasons),
            "status": q.status if q else None,
            "answered_at": _iso(q.answered_at) if q else None,
            "answered_by": q.answered_by if q else None,
            "nudges": nudges,
        }
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
