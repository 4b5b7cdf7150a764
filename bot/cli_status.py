"""`unanswered status` and `unanswered audit`: read the tracker and the audit log, never write.

They exist apart from bot/cli.py because they are the read-only window on a running bot: what is
open and overdue, the bot's own health, and every word it sent (the audit).
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any

import click

from .cli_common import _settings, _since, _store, _with_db, config_option, db_option
from .clock import SystemClock
from .neutralise import for_terminal
from .render import age, one_line
from .store import Tracker


@click.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="One JSON document, for scripts.")
@click.option("--all", "show_all", is_flag=True, help="Include answered and closed questions of the last 7 days.")
@db_option
def status(config: str | None, as_json: bool, show_all: bool, db: str | None) -> None:
    """Open questions with their age, channel and who was nudged when; source health."""
    settings = _with_db(_settings(config)[0], db)
    tracker = _store(settings)
    now = SystemClock().now()
    questions = tracker.waiting_questions()  # open, and given up (every step of the chain was tried)
    if show_all:
        recent = [q for q in tracker.questions() if q.status not in ("open", "given_up") and q.asked_at >= now - timedelta(days=7)]
        questions = questions + recent
    rows: list[dict[str, Any]] = []
    for q in questions:
        nudges = [
            {"to": n["person"], "at": datetime.fromtimestamp(n["sent_at"] or n["due_at"], timezone.utc).isoformat(), "step": n["step"], "result": n["result"]}
            for n in tracker.nudges_for(q.id)
        ]
        rows.append(
            {
                # Member- and platform-supplied names and links: printed inert (bot.neutralise).
                "id": q.id,
                "platform": q.platform,
                "channel": for_terminal(q.channel_name or q.channel),
                "author": for_terminal(q.author_name or q.author),
                "asked_at": q.asked_at.isoformat(),
                "age_s": int((now - q.asked_at).total_seconds()),
                "status": q.status,
                "claimed_by": q.claimed_by,
                "answered_by": for_terminal(q.answered_by) if q.answered_by else None,
                "next_nudge": q.next_due.isoformat() if q.next_due else None,
                "nudges": nudges,
                "excerpt": one_line(q.excerpt, 80),
                "link": for_terminal(q.link, 500) if q.link else None,
            }
        )
    health = {k.split(":", 1)[1]: v for k, v in _kv(tracker, "health:")}
    failed = [dict(r) for r in tracker.failed_sends(limit=10)]
    from .health import from_store

    itself = from_store(tracker, settings)
    if as_json:
        click.echo(
            json.dumps({"now": now.isoformat(), "questions": rows, "sources": health, "failed_sends": failed, "health": itself}, indent=2, ensure_ascii=False)
        )
        return
    if not rows:
        click.echo("No open questions. 🎉")
    for r in rows:
        who = ", ".join(f"{n['to']} {age((now - datetime.fromisoformat(n['at'])).total_seconds())} ago ({n['result']})" for n in r["nudges"]) or "nobody yet"
        state = (
            f"claimed by {r['claimed_by']}"
            if r["claimed_by"]
            else ("given up: every step of the chain was nudged, still unanswered" if r["status"] == "given_up" else r["status"])
        )
        click.echo(f"#{r['id']:<5} {age(r['age_s']):>7}  {r['platform']}/{r['channel']}  {r['author']}: {r['excerpt']}")
        click.echo(f"        {state}; nudged: {who}" + (f"; next nudge {r['next_nudge']}" if r["next_nudge"] else ""))
    for name, h in health.items():
        click.echo(f"source {name}: {'ok' if h['ok'] else 'FAILING'} since {h['since']}" + (f" ({for_terminal(h['detail'], 600)})" if h.get("detail") else ""))
    for f in failed:
        click.echo(f"failed send: audit #{f['id']} to {f['person']} on {f['platform']}: {for_terminal(f['result'], 300)}")
    _status_itself(itself, now)


def _status_itself(itself: dict[str, Any], now: datetime) -> None:
    """The bot's own state: the deadline loop, DM failure streaks, what staff were told."""
    sched = itself["scheduler"]
    if itself["checked_at"] is None:
        click.echo("self-check: never ran (the bot has not run with this database since it learned to)")
    else:
        checked = datetime.fromisoformat(itself["checked_at"])
        click.echo(f"self-check: {itself['status']} at {itself['checked_at']} ({age(max(0, (now - checked).total_seconds()))} ago)")
        tick = sched.get("last_tick")
        click.echo(f"deadline loop: last tick {tick or 'not yet'} ({sched.get('ticks', 0)} ticks); next deadline {sched.get('next_due') or 'none'}")
    for problem in itself["problems"]:
        click.echo(f"problem: {problem['title']} (since {problem['since']})")
    for name, streak in itself["dm_failures"].items():
        click.echo(f"DMs to {name}: {streak['failures']} failed in a row since {streak['since']} (last: {one_line(streak['last_error'], 100)})")


def _kv(tracker: Tracker, prefix: str) -> list[tuple[str, Any]]:
    return tracker.state_items(prefix)


# ---------------------------------------------------------------- audit


@click.command()
@config_option
@click.option("--since", default=None, help='How far back: "7d", "12h", or a date "2026-01-05".')
@click.option("--recipient", default=None, help="Only messages to this person (their name in [people]).")
@click.option("--json", "as_json", is_flag=True)
@db_option
def audit(config: str | None, since: str | None, recipient: str | None, as_json: bool, db: str | None) -> None:
    """Every message the bot sent (or tried to), with its full text."""
    settings = _with_db(_settings(config)[0], db)
    tracker = _store(settings)
    rows = tracker.audit_rows(since=_since(since), person=recipient)
    if as_json:
        for r in rows:
            item = {k: r[k] for k in ("id", "kind", "person", "platform", "address", "text", "reason", "key", "result", "ref")}
            item["at"] = datetime.fromtimestamp(r["at"], timezone.utc).isoformat()
            item["questions"] = json.loads(r["questions"])
            click.echo(json.dumps(item, ensure_ascii=False))
        return
    if not rows:
        click.echo("Nothing sent" + (f" to {recipient}" if recipient else "") + (f" since {since}" if since else "") + ".")
    for r in rows:
        when = datetime.fromtimestamp(r["at"], timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")
        click.echo(f"#{r['id']} {when} {r['kind']} → {r['person']} ({r['platform']} {r['address']}) [{r['result']}]")
        click.echo("    " + r["text"].replace("\n", "\n    "))


# ---------------------------------------------------------------- replay
