"""``unanswered digest``: the response-rate digest for any period, printed, written or sent."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import click

from . import digest, digest_html, digest_render
from .cli import EXIT_CONFIG, _settings, _store, config_option
from .clock import SystemClock
from .config import Settings

FORMATS = ("text", "json", "html", "png")


def _chart(data: digest.DigestData, *, required: bool = True) -> bytes | None:
    from .chart import ChartUnavailable, render_png

    try:
        return render_png(data.weekly, f"Last 12 weeks to {data.period.id}")
    except ChartUnavailable as exc:
        if required:
            click.echo(f"error: {exc}", err=True)
            raise SystemExit(1) from None
        click.echo(f"note: the digest has no chart: {exc}", err=True)
        return None


@click.command("digest")
@config_option
@click.option(
    "--period",
    "period_text",
    default="last-week",
    show_default=True,
    metavar="PERIOD",
    help="last-week, this-week, an ISO week (2026-W02) or dates FROM..TO (2026-01-05..2026-01-11), in [digest] timezone.",
)
@click.option("--format", "fmt", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Same as --format json: every figure, in the shape the README documents.")
@click.option("--out", type=click.Path(dir_okay=False, writable=True), default=None, help="Write to this file instead of printing.")
@click.option("--send", is_flag=True, help="DM it now to the digest recipients (needs Slack/Discord tokens); once per period.")
@click.option("--db", type=click.Path(dir_okay=False), default=None, help="Read this tracker instead of storage.path (e.g. one made by `replay --db`).")
def command(config: str | None, period_text: str, fmt: str, as_json: bool, out: str | None, send: bool, db: str | None) -> None:
    """How well the community answered its members: rates, trends, fairness, whom to thank."""
    settings, _ = _settings(config)
    if db:
        settings = settings.model_copy(update={"storage": settings.storage.model_copy(update={"path": Path(db)})})
    try:
        period = digest.parse_period(period_text, settings.digest.timezone, SystemClock().now())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from None
    if send:
        _send(settings, period)
        return
    fmt = "json" if as_json else fmt
    tracker = _store(settings)
    try:
        data = digest.compute(tracker, settings, period)
    finally:
        tracker.close()
    if fmt == "png":
        target = Path(out or f"digest-{period.id}.png")
        png = _chart(data)
        assert png is not None
        target.write_bytes(png)
        click.echo(f"Chart written to {target}", err=out is not None)
        return
    if fmt == "json":
        body = digest_render.as_json(data)
    elif fmt == "html":
        body = digest_html.html_page(data, _chart(data, required=False))
    else:
        body = digest_render.text(data)
    if out:
        Path(out).write_text(body, encoding="utf-8")
        click.echo(f"Digest written to {out}", err=True)
    else:
        sys.stdout.write(body)


def _send(settings: Settings, period: digest.Period) -> None:
    from . import wiring
    from .digest_delivery import deliver, recipients

    if settings.slack.bot_token is None and settings.discord.token is None:
        click.echo(
            "error: --send needs a Slack or Discord connection to DM the recipients: set UNANSWERED_SLACK__BOT_TOKEN "
            "and/or UNANSWERED_DISCORD__TOKEN (or leave out --send to print the digest).",
            err=True,
        )
        raise SystemExit(EXIT_CONFIG)
    tracker = _store(settings)
    try:
        app = wiring.build(settings, tracker=tracker)
    except (ImportError, AttributeError) as exc:
        tracker.close()
        click.echo(f"error: the Slack/Discord connection is not available in this build ({exc})", err=True)
        raise SystemExit(EXIT_CONFIG) from None

    async def go() -> list[str]:
        return [await deliver(app, name, period) for name in recipients(settings)]

    try:
        for line in asyncio.run(go()):
            click.echo(line)
    finally:
        tracker.close()
