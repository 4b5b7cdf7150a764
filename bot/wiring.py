"""The composition root: settings -> store -> door -> watchdog -> sources -> scheduler.

``build`` composes a live run (and the demo); ``build_replay`` composes a replay
from the same parts, with a simulated clock and a recording (dry-run) door.

This is the one module of ``bot`` that knows the adapters exist, and it imports
them lazily, only when the configuration asks for them: ``import bot`` never pulls
in a platform library.
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import signal
import sys
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator

from .clock import Clock, FakeClock, SystemClock
from .config import Person, Route, Settings
from .events import Event
from .health import HealthMonitor
from .outbound import ConsoleTransport, Door
from .scheduler import LiveScheduler
from .sources import Hub, Source
from .store import Tracker
from .watchdog import Watchdog

log = logging.getLogger("unanswered")

# Replay formats: name -> "module:function" taking (paths, errors) and yielding events.
FORMATS = {
    "jsonl": "bot.jsonl:read",
    "slack-export": "adapters.slack.export:read",
    "discord-export": "adapters.discord.export:read",
    "rss": "adapters.feeds.replay:read",
}

# CLI commands that adapters provide (click commands), loaded only when invoked.
COMMANDS = {
    "slack-manifest": "adapters.slack.manifest:command",
    "discord-invite": "adapters.discord.invite:command",
    "digest": "bot.digest_cli:command",
    "dashboard": "bot.dashboard:command",
}

# Checks that need the network or a platform library, run by `check-config`:
# "module:function(settings, notes=list) -> awaitable list of problems".
CHECKS = {
    "feeds": "adapters.feeds.check:check_feeds",
    "slack": "adapters.slack.check:check_slack",
    "discord": "adapters.discord.check:check_discord",
}

# Live sources: name -> (is it configured?, "module:factory(settings) -> Source").
SOURCES: dict[str, tuple[Callable[[Settings], bool], str]] = {
    "slack": (lambda s: s.slack.bot_token is not None, "adapters.slack:source"),
    "discord": (lambda s: s.discord.token is not None, "adapters.discord:source"),
    "feeds": (lambda s: bool(s.feeds), "adapters.feeds:source"),
}


def _load(target: str) -> Any:
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def command(name: str) -> Any:
    return _load(COMMANDS[name])


def reader(fmt: str) -> Callable[..., Iterator[Event]]:
    try:
        return _load(FORMATS[fmt])
    except (ImportError, AttributeError) as exc:
        raise SystemExit(f"error: the {fmt} format is not available in this build ({exc})") from None


def sniff_format(path: Path) -> str | None:
    """Guess a history file's format from its name and first bytes."""
    if path.is_dir():
        if (path / "channels.json").exists() or (path / "users.json").exists():
            return "slack-export"
        names = {p.suffix.lower() for p in path.iterdir() if p.is_file()}
        if names & {".rss", ".atom", ".xml"}:
            return "rss"
        if ".json" in names:
            return "discord-export"
        return None
    name = path.name.lower()
    if name.endswith(".zip"):
        return "slack-export"
    if name.endswith((".jsonl", ".ndjson")):
        return "jsonl"
    if name.endswith((".rss", ".atom", ".xml")):
        return "rss"
    try:
        head = path.open("rb").read(4096).lstrip()
    except OSError:
        return None
    if head.startswith(b"<"):
        return "rss"
    if head.startswith(b"{") and b'"guild"' in head and b'"messages"' in head:
        return "discord-export"
    if head.startswith(b"{"):
        return "jsonl"
    return None


def read_history(paths: list[Path], fmt: str, errors: list[Any], settings: Settings | None = None) -> Iterable[Event]:
    """Events of history files. ``settings`` reach the rss reader: the config's [[feeds]] name forum channels."""
    if fmt == "auto":
        groups: dict[str, list[Path]] = {}
        for path in paths:
            found = sniff_format(path)
            if found is None:
                raise SystemExit(f"error: cannot tell the format of {path}; pass --format (jsonl, slack-export, discord-export, rss)")
            groups.setdefault(found, []).append(path)
        if len(groups) > 1:
            # Mixed formats: merge by time so the replay clock never runs backwards.
            merged = [ev for f, ps in groups.items() for ev in _read(f, ps, errors, settings)]
            return sorted(merged, key=lambda e: e.at)
        fmt, paths = next(iter(groups.items()))
    return _read(fmt, paths, errors, settings)


def _read(fmt: str, paths: list[Path], errors: list[Any], settings: Settings | None) -> Iterable[Event]:
    if fmt == "rss" and settings is not None:
        return reader(fmt)(paths, errors, settings)
    return reader(fmt)(paths, errors)


async def run_checks(settings: Settings, active: list[str]) -> tuple[list[str], list[str]]:
    """Problems and notes from the checks of the configured sources."""
    problems: list[str] = []
    notes: list[str] = []
    for name in active:
        if name in CHECKS:
            problems += await _load(CHECKS[name])(settings, notes=notes)
    return problems, notes


def configured_sources(settings: Settings) -> list[Source]:
    out = []
    for wanted, factory in SOURCES.values():
        if wanted(settings):
            out.append(_load(factory)(settings))
    return out


def dry_run_path(path: str | Path) -> Path:
    """A dry run's own database beside the real one: what it prints never consumes a real step."""
    path = Path(path)
    return path.with_name(path.stem + ".dry-run" + (path.suffix or ".db"))


def open_store(settings: Settings, *, dry_run: bool = False) -> Tracker:
    return Tracker(dry_run_path(settings.storage.path) if dry_run else settings.storage.path)


@dataclass
class App:
    settings: Settings
    tracker: Tracker
    clock: Clock
    door: Door
    watchdog: Watchdog
    scheduler: LiveScheduler
    hub: Hub
    sources: list[Source] = field(default_factory=list)
    health: HealthMonitor | None = None


def _core(
    settings: Settings, tracker: Tracker, clock: Clock, *, dry_run: bool, console: ConsoleTransport | None, fallback_route: Route | None = None
) -> tuple[Door, Watchdog]:
    """The door and the watchdog: the same for a live run, the demo and a replay."""
    door = Door(settings, tracker, clock, dry_run=dry_run, console=console)
    watchdog = Watchdog(settings, tracker, clock, door, fallback_route=fallback_route)
    door.on_lost_step = watchdog.hand_on  # a step whose recipient left the staff goes to the next person
    return door, watchdog


def build(
    settings: Settings,
    *,
    dry_run: bool = False,
    clock: Clock | None = None,
    tracker: Tracker | None = None,
    sources: list[Source] | None = None,
    console: ConsoleTransport | None = None,
) -> App:
    clock = clock or SystemClock()
    tracker = tracker or open_store(settings, dry_run=dry_run)
    door, watchdog = _core(settings, tracker, clock, dry_run=dry_run, console=console)
    scheduler = LiveScheduler(watchdog, clock)
    watchdog.on_due_changed = scheduler.poke  # an event that brings a deadline forward wakes the scheduler
    hub = Hub(settings, watchdog, tracker, clock, scheduler)
    sources = configured_sources(settings) if sources is None else sources
    for source in sources:
        transport = source.transport()
        if transport is not None:
            door.add_transport(transport)
    health = HealthMonitor(settings, hub, scheduler, clock)
    return App(settings, tracker, clock, door, watchdog, scheduler, hub, sources, health)


REPLAY_MODERATOR = "moderator"


def replay_settings(settings: Settings) -> tuple[Settings, Route | None]:
    """Settings for a replay, and the catch-all route used when none is configured.

    With no routes, every channel of the history is watched in ``detect`` mode and
    nudges go to everyone in [people] (or a stand-in "moderator"), so a history can
    be judged before anything is configured.
    """
    if settings.routes:
        return settings, None
    people = dict(settings.people) or {REPLAY_MODERATOR: Person()}
    settings = settings.model_copy(update={"people": people})
    route = Route.model_construct(
        platform="any",  # type: ignore[arg-type]  # "any": the replay's catch-all, which validation refuses
        channel="*",
        mode="detect",
        window=None,
        chain=sorted(people),
        escalate_after=None,
        repeat=False,
        max_nudges=len(people),
        during_quiet_hours=None,
        notify_via=None,
    )
    return settings, route


@dataclass
class ReplayApp:
    """A replay's parts: its clock moves only when the replay moves it (no scheduler)."""

    settings: Settings
    tracker: Tracker
    clock: FakeClock
    door: Door
    watchdog: Watchdog


def build_replay(settings: Settings, tracker: Tracker, *, console: ConsoleTransport | None = None) -> ReplayApp:
    """The live composition with a simulated clock and a door that records instead of sending."""
    settings, fallback = replay_settings(settings)
    clock = FakeClock()
    door, watchdog = _core(settings, tracker, clock, dry_run=True, console=console or ConsoleTransport(quiet=True), fallback_route=fallback)
    return ReplayApp(settings, tracker, clock, door, watchdog)


async def start(app: App) -> None:
    """Settle in-doubt sends, connect and catch up every source, then let deadlines fire."""
    resent = await app.door.resume_pending()
    if resent:
        log.info("re-sent %d message(s) that a previous run recorded but may not have delivered", resent)
    for source in app.sources:
        await source.start(app.hub)
    housekeeping = app.settings.storage

    async def purge() -> None:
        counts = app.tracker.purge(app.clock.now(), housekeeping.retention_days, housekeeping.audit_retention_days)
        if any(counts.values()):
            log.info("retention: removed %s", ", ".join(f"{v} {k}" for k, v in counts.items() if v))

    await app.scheduler.start()
    if app.settings.digest.enabled:
        await _load("bot.digest_delivery:install")(app)
    app.scheduler.every(timedelta(hours=6), purge, id="retention")

    async def settle() -> None:
        await app.door.resume_pending()

    # Sends whose arrival could not be confirmed at start are asked about again.
    app.scheduler.every(timedelta(minutes=5), settle, id="settle-pending")
    await purge()
    if app.health is not None:
        # Last: overdue deadlines from the downtime have just fired, so none looks stalled.
        await app.health.start()


async def stop(app: App) -> None:
    if app.health is not None:
        await app.health.stop()
    for source in app.sources:
        try:
            await source.stop()
        except Exception:
            log.exception("stopping %s failed", source.name)
    await app.scheduler.close()
    app.tracker.close()


async def run_forever(app: App) -> None:
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stopping.set)
        except (NotImplementedError, RuntimeError):
            pass
    await start(app)
    names = ", ".join(s.name for s in app.sources) or "no sources"
    how = "dry run: DMs are printed, not sent" if app.door.dry_run else "DMs go to staff only"
    print(f"unanswered is watching ({names}); {how}. Ctrl-C stops.", file=sys.stderr)
    try:
        await stopping.wait()
    finally:
        await stop(app)
