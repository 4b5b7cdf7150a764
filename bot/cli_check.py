"""`unanswered check-config`: validate the configuration, prove it online, and say what will be watched.

It exists apart from bot/cli.py because its wording (every warning names the key and the fix) is
the part of the CLI a community manager reads first, and it grows with each adapter's checks.
"""

from __future__ import annotations

import asyncio

import click

from .cli_common import EXIT_CONFIG, _settings, config_option
from .clock import SystemClock
from .config import Settings, config_warnings, format_duration
from .cues import KNOWN_LANGUAGES


@click.command("check-config")
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
