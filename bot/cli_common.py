"""What every command shares: loading the config (a bad one exits 2 with each problem), opening
the store, log set-up, and the --config / --db / --since options.

It exists apart from bot/cli.py so that each command group's module (cli_check, cli_status,
cli_replay, digest_cli, dashboard) can use these without importing the click group that lists them.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from pathlib import Path

import click

from . import logs
from .clock import SystemClock
from .config import ConfigError, Settings, load_settings, parse_duration
from .store import StoreError, Tracker

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
