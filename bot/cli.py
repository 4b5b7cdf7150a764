"""The ``unanswered`` command line."""

from __future__ import annotations

import asyncio
import logging

import click

from . import logs

# Command groups live one module each; the shared helpers (cli_common) stay importable from here for digest_cli,
# dashboard and tests.
from .cli_check import check_config
from .cli_common import EXIT_CONFIG, _settings, _setup_logging, _since, _store, _with_db, config_option, db_option
from .cli_replay import replay
from .cli_status import audit, status
from .config import ConfigError, config_warnings
from .store import StoreError, store_problem


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


# The other command groups, one module each (digest, dashboard and the adapters' commands load lazily via wiring).
for _command in (check_config, status, audit, replay):
    main.add_command(_command)

__all__ = ["EXIT_CONFIG", "_settings", "_setup_logging", "_since", "_store", "_with_db", "config_option", "db_option", "main"]


if __name__ == "__main__":  # pragma: no cover
    main()
