"""The ``unanswered`` command line."""

from __future__ import annotations

import asyncio
import json
import logging
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import click

from . import logs
from .clock import SystemClock
from .config import ConfigError, Settings, config_warnings, format_duration, load_settings, parse_duration
from .cues import KNOWN_LANGUAGES
from .neutralise import for_terminal
from .render import age, one_line
from .store import StoreError, Tracker, store_problem

EXIT_CONFIG = 2


def _setup_logging(verbose: bool, default: int = logging.INFO) -> None:
    """A command's log level: DEBUG with -v (the command's or the group's), else ``default``."""
    ctx = click.get_current_context(silent=True)
    obj = (ctx.find_root().obj if ctx else None) or {}
    logs.setup(logging.DEBUG if verbose or obj.get("verbose") else default, obj.get("log_format", "text"))


def _settings(config: str | None) -> tuple[Settings, Path | None]:
    try:
        return load_settings(config)
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(f"config error: {problem}", err=True)
        raise SystemExit(EXIT_CONFIG) from None


def _with_db(settings: Settings, db: str | None) -> Settings:
    """``--db FILE`` instead of storage.path (e.g. a tracker made by `replay --db`)."""
    if not db:
        return settings
    return settings.model_copy(update={"storage": settings.storage.model_copy(update={"path": Path(db)})})


db_option = click.option(
    "--db", type=click.Path(dir_okay=False), default=None, help="Read this tracker instead of storage.path (e.g. one made by `replay --db`)."
)


def _store(settings: Settings, must_exist: bool = True) -> Tracker:
    path = settings.storage.path
    if must_exist and not Path(path).exists():
        click.echo(f"No database at {path} yet: nothing has been tracked. Run `unanswered run` (or `replay --db {path}`) first.", err=True)
        raise SystemExit(1)
    try:
        return Tracker(path)
    except StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(1) from None


def _since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return SystemClock().now() - parse_duration(value)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise click.BadParameter(f'{value!r}: give a duration back from now ("7d", "12h") or a date ("2026-01-05")') from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


config_option = click.option(
    "--config",
    "-c",
    "config",
    type=click.Path(dir_okay=False),
    default=None,
    help="Config file (default: ./unanswered.toml if present, else built-in defaults).",
)


class _Commands(click.Group):
    """Core commands plus the ones adapters provide, imported only when used."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        from .wiring import COMMANDS

        return sorted(set(super().list_commands(ctx)) | set(COMMANDS))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        found = super().get_command(ctx, name)
        if found is not None:
            return found
        from .wiring import COMMANDS, command

        if name not in COMMANDS:
            return None
        try:
            return command(name)
        except (ImportError, AttributeError):
            return None


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="unanswered")
@click.option("-v", "--verbose", "verbose", is_flag=True, help="Debug logging, for every command.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Logs on stderr as text, or one JSON object a line (for log shippers).",
)
@click.pass_context
def main(ctx: click.Context, verbose: bool, log_format: str) -> None:
    """unanswered: privately pings your moderators when a member's question goes unanswered.

    Shell completion (bash): eval "$(_UNANSWERED_COMPLETE=bash_source unanswered)"; zsh_source and
    fish_source work the same way.
    """
    ctx.obj = {"verbose": verbose, "log_format": log_format}
    logs.setup(logging.DEBUG if verbose else logging.WARNING, log_format)


# ---------------------------------------------------------------- run


@main.command()
@config_option
@click.option("--dry-run", is_flag=True, help="Print the DMs instead of sending them (still audited).")
@click.option("--demo", "force_demo", is_flag=True, help="Run the bundled demo community even if credentials are set.")
@click.option("--speed", type=float, default=None, help="Demo only: how many times faster than real time.")
@click.option("-v", "--verbose", is_flag=True)
def run(config: str | None, dry_run: bool, force_demo: bool, speed: float | None, verbose: bool) -> None:
    """Watch the configured channels and feeds; DM staff about unanswered questions."""
    _setup_logging(verbose)
    settings, _ = _settings(config)
    for warning in config_warnings(settings):
        logging.getLogger("unanswered.config").warning("%s", warning)
    from . import wiring

    if force_demo or not any(wanted(settings) for wanted, _ in wiring.SOURCES.values()):
        from .demo import run_demo

        if not force_demo:
            click.echo("No credentials or feeds configured: starting the demo. (`unanswered check-config` shows what is set.)", err=True)
        logging.getLogger().setLevel(logging.WARNING)  # the demo prints its own story
        asyncio.run(run_demo(speed=speed))
        return
    from .instance_lock import AlreadyRunning, InstanceLock

    db_path = wiring.dry_run_path(settings.storage.path) if dry_run else settings.storage.path
    try:
        lock = InstanceLock(db_path).acquire()  # held until the process ends
    except AlreadyRunning as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_CONFIG) from None
    except OSError as exc:
        click.echo(f"error: {StoreError(store_problem(db_path, exc))}", err=True)
        raise SystemExit(EXIT_CONFIG) from None
    if dry_run:
        click.echo(f"dry run: using its own database {db_path} (the real one is never touched)", err=True)
    try:
        app = wiring.build(settings, dry_run=dry_run)
    except StoreError as exc:
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_CONFIG) from None
    except ConfigError as exc:
        for problem in exc.problems:
            click.echo(f"config error: {problem}", err=True)
        raise SystemExit(EXIT_CONFIG) from None
    try:
        asyncio.run(wiring.run_forever(app))
    except ConfigError as exc:  # adapters turn bad tokens/intents into these at connect time
        for problem in exc.problems:
            click.echo(f"config error: {problem}", err=True)
        raise SystemExit(EXIT_CONFIG) from None
    except StoreError as exc:  # the database became unusable while running (read-only, disk gone)
        click.echo(f"error: {exc}", err=True)
        raise SystemExit(EXIT_CONFIG) from None
    except KeyboardInterrupt:
        pass
    finally:
        lock.release()


# ---------------------------------------------------------------- check-config


@main.command("check-config")
@config_option
@click.option(
    "--online/--offline",
    "online",
    default=None,
    help="Ask Slack, Discord and the feeds whether the set-up works (default: when their tokens/feeds are set); --offline checks the file only.",
)
def check_config(config: str | None, online: bool | None) -> None:
    """Validate the configuration, prove it against the platforms, and print what will be watched."""
    settings, path = _settings(config)
    from . import wiring
    from .check_people import person_lines, platform_warnings

    active = [name for name, (wanted, _) in wiring.SOURCES.items() if wanted(settings)]
    click.echo(f"Config: {path or 'built-in defaults (no unanswered.toml found)'}")
    click.echo(f"Storage: {settings.storage.path} (messages kept {settings.storage.retention_days} days, audit {settings.storage.audit_retention_days} days)")
    click.echo(f"People ({len(settings.people)}):")
    for line in person_lines(settings, SystemClock().now(), {p for p in active if p in ("slack", "discord")}):
        click.echo(line)
    click.echo(f"Routes ({len(settings.routes)}):")
    for r in settings.routes:
        chain = " → ".join(r.chain) or "nobody"
        click.echo(
            f"  {r.platform} {r.channel}: mode {r.mode}, window {format_duration(settings.window_for(r))}, "
            f"nudge {chain} (every {format_duration(settings.escalate_after_for(r))}{', repeating' if r.repeat else ''})"
        )
    click.echo("Sources: " + (", ".join(active) if active else "none configured: `unanswered run` starts the demo"))
    warnings = _warnings(settings, active) + platform_warnings(settings)
    problems: list[str] = []
    notes: list[str] = []
    if online and not active:
        problems.append("--online: nothing to check online; set UNANSWERED_SLACK__BOT_TOKEN / UNANSWERED_DISCORD__TOKEN or add [[feeds]]")
    elif online is not False and active:
        click.echo("Checking online: " + ", ".join(active) + " (read-only calls; --offline skips this)")
        problems, notes = asyncio.run(wiring.run_checks(settings, active))
    elif active:
        notes.append("--offline: Slack, Discord and the feeds were not asked; run without --offline to prove the set-up")
    for w in warnings + notes:
        click.echo(f"warning: {w}" if w in warnings else f"note: {w}")
    for problem in problems:
        click.echo(f"config error: {problem}", err=True)
    if problems:
        raise SystemExit(EXIT_CONFIG)
    click.echo("OK" + (f" ({len(warnings)} warning(s))" if warnings else ""))


def _warnings(settings: Settings, active: list[str]) -> list[str]:
    out = config_warnings(settings)  # doubtful zones and durations (bot.config.advice)
    for i, r in enumerate(settings.routes):
        if not r.chain and r.mode != "off":
            out.append(f'routes[{i}] ({r.platform} {r.channel}) has no chain: its questions are tracked but nobody is nudged; add chain = ["name"]')
        if r.platform in ("slack", "discord") and r.platform not in active:
            var = "UNANSWERED_SLACK__BOT_TOKEN" if r.platform == "slack" else "UNANSWERED_DISCORD__TOKEN"
            out.append(f"routes[{i}] watches {r.platform} but no {r.platform} token is set ({var})")
        if r.mode == "detect" and r.language and r.language.lower().split("-")[0] not in KNOWN_LANGUAGES:
            out.append(
                f"routes[{i}] ({r.platform} {r.channel}) is in language {r.language!r}, whose words the question "
                f"detector does not know (it knows {', '.join(KNOWN_LANGUAGES)}; '?', '？', '¿' and the "
                'conversation\'s shape still count): set mode = "all" there so no question is missed'
            )
    for name, p in settings.people.items():
        if not p.slack and not p.discord:
            out.append(f"people.{name} has no slack or discord id: the bot cannot DM them")
    return out


# ---------------------------------------------------------------- status


@main.command()
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
    rows = []
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


@main.command()
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


@main.command()
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


if __name__ == "__main__":  # pragma: no cover
    main()
