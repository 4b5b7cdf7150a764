"""``unanswered dashboard``: browse the tracker in Datasette, read-only, on 127.0.0.1.

What it serves is a snapshot (``bot.store.views``): the live tracker is copied with
SQLite's backup API, the copy gets views in readable times, and Datasette opens the copy
in immutable mode. So the bot's own file is never written or held, and nothing in a
browser can change it. Restart the command for fresh figures.

Also served: ``/weekly``, a page with the weekly chart (questions per week, answered and
within-window shares, the target), and ``/assets/digest.html``, the HTML digest of that
week. Datasette is the optional ``dashboard`` extra.
"""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import tempfile
import webbrowser
from datetime import datetime, timedelta, timezone
from pathlib import Path

import click

from .cli import _settings, _with_db, config_option, db_option
from .config import Settings

EXTRA_HINT = "pip install 'unanswered[dashboard]' (make run / make test install it)"
DB_NAME = "tracker"


def _staff(settings: Settings) -> list[tuple[str, str]]:
    return [(platform, getattr(p, platform)) for p in settings.people.values() for platform in ("slack", "discord") if getattr(p, platform)]


def prepare(settings: Settings, folder: Path, now: datetime) -> dict[str, object]:
    """The snapshot, its views, the chart and the digest page, the metadata and the /weekly page, in ``folder``."""
    from . import digest, digest_html
    from .store import Tracker
    from .store.views import CANNED, add_views, browsable_copy, latest_question

    source = Path(settings.storage.path)
    copy = folder / f"{DB_NAME}.db"
    browsable_copy(source, copy)
    assets = folder / "assets"
    assets.mkdir()
    latest = latest_question(copy)
    # The 12 weeks up to the newest question: a replayed history from last year still shows its weeks.
    tz = settings.digest.timezone
    day = (latest or now - timedelta(days=7)).astimezone(timezone.utc).date()
    period = digest.week_of(day, tz, now)
    tracker = Tracker(copy)
    try:
        data = digest.compute(tracker, settings, period)
    finally:
        tracker.close()
    chart_note = ""
    png = None
    try:
        from .chart import ChartUnavailable, render_png

        png = render_png(data.weekly, f"12 weeks to {period.id}")
        (assets / "chart.png").write_bytes(png)
    except ChartUnavailable as exc:
        chart_note = str(exc)
    (assets / "digest.html").write_text(digest_html.html_page(data, png), encoding="utf-8")
    facts = add_views(copy, _staff(settings))
    taken = now.strftime("%Y-%m-%d %H:%M UTC")
    links = "<a href='/weekly'>Weekly chart</a> · <a href='/assets/digest.html'>Digest " + period.id + "</a>"
    metadata = {
        "title": "unanswered: the tracker (read-only)",
        "description_html": (
            f"<p>A snapshot of <code>{_esc(source.name)}</code> taken {taken}: restart "
            f"<code>unanswered dashboard</code> for fresh figures. Times are UTC. {links}</p>"
        ),
        "databases": {
            DB_NAME: {
                "tables": {name: {"hidden": True} for name in ("kv", "_sqlite_migrations", "authors")},
                "queries": {name: {"title": title, "sql": sql} for name, (title, sql) in CANNED.items()},
            }
        },
    }
    (folder / "metadata.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    pages = folder / "templates" / "pages"
    pages.mkdir(parents=True)
    image = (
        "<img class=chart src='/assets/chart.png' width=800 height=640 style='max-width:100%;height:auto' "
        "alt='questions per week, answered and within-window share, last 12 weeks'>"
        if png
        else f"<p>{_esc(chart_note)}</p>"
    )
    (pages / "weekly.html").write_text(
        "<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content='width=device-width, initial-scale=1'>"
        f"<title>Weekly chart · unanswered</title><body style='font-family:system-ui,sans-serif;max-width:50rem;margin:1rem auto;padding:0 1rem'>"
        f"<p><a href='/'>← the tracker</a></p><h1>The last 12 weeks, to {period.id}</h1>{image}"
        f"<p><a href='/assets/digest.html'>The digest for {period.id}</a> · "
        f"<a href='/{DB_NAME}/open_oldest_first'>Open questions, oldest first</a></p></body></html>\n",
        encoding="utf-8",
    )
    return {"copy": copy, "period": period.id, **facts}


def _esc(text: str) -> str:
    import html

    return html.escape(text)


def datasette_args(folder: Path, host: str, port: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "datasette",
        "serve",
        "-i",
        str(folder / f"{DB_NAME}.db"),
        "--host",
        host,
        "--port",
        str(port),
        "--metadata",
        str(folder / "metadata.json"),
        "--template-dir",
        str(folder / "templates"),
        "--static",
        f"assets:{folder / 'assets'}",
        "--setting",
        "sql_time_limit_ms",
        "3000",
        "--setting",
        "default_page_size",
        "100",
    ]


def serve(args: list[str]) -> int:
    """Run Datasette until it exits, Ctrl-C, or SIGTERM (passed on, so no server is left behind)."""
    proc = subprocess.Popen(args)
    previous = signal.signal(signal.SIGTERM, lambda *_: proc.terminate())
    try:
        return proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        return proc.wait(timeout=10)
    finally:
        signal.signal(signal.SIGTERM, previous)


@click.command("dashboard")
@config_option
@db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Where to listen; the dashboard has no login, keep it local.")
@click.option("--port", type=click.IntRange(1, 65535), default=8001, show_default=True)
@click.option("--open", "open_browser", is_flag=True, help="Open it in your web browser too.")
def command(config: str | None, db: str | None, host: str, port: int, open_browser: bool) -> None:
    """Browse the tracker read-only in Datasette: open questions, response times, nudges, the audit log."""
    settings = _with_db(_settings(config)[0], db)
    try:
        import datasette  # noqa: F401
    except ImportError:
        click.echo(f"error: the dashboard needs Datasette, the optional `dashboard` extra: {EXTRA_HINT}", err=True)
        raise SystemExit(1) from None
    if not Path(settings.storage.path).exists():
        click.echo(f"No database at {settings.storage.path} yet: nothing has been tracked. Run `unanswered run` (or `replay --db FILE`) first.", err=True)
        raise SystemExit(1)
    if host not in ("127.0.0.1", "localhost", "::1"):
        click.echo(f"warning: listening on {host}: the dashboard has no login, anyone who can reach it reads the tracker", err=True)
    folder = Path(tempfile.mkdtemp(prefix="unanswered-dashboard-"))
    try:
        facts = prepare(settings, folder, datetime.now(timezone.utc))
        url = f"http://{host}:{port}/"
        click.echo(f"Dashboard of {settings.storage.path} (a read-only snapshot; {facts['open']} open questions): {url}", err=True)
        click.echo(f"  open questions: {url}{DB_NAME}/open_oldest_first · weekly chart: {url}weekly · Ctrl-C stops.", err=True)
        if open_browser:
            webbrowser.open(url)
        serve(datasette_args(folder, host, port))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
