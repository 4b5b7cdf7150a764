"""Scheduled delivery of the digest: each recipient, their own Monday 09:00, exactly once.

- One APScheduler cron job per recipient, in the recipient's own time zone
  (``[digest] day``/``time``). The period is "last week" by the recipient's local
  calendar, with its figures computed in ``[digest] timezone`` so everyone reads the
  same numbers.
- Exactly once per recipient and period: the door's audit key
  ``digest:<name>:<period>`` is unique, so a second attempt (a restart, a catch-up
  racing the cron job, a manual ``digest --send``) is recorded as a duplicate and
  not sent.
- Catch-up at start: if this week's delivery time has passed (the bot was down at
  09:00) and the digest was not sent, it is sent now. Only this week's: a digest
  about a week long gone is noise.
- A week the bot did not watch at all (nothing tracked before it ended: a fresh
  install) gets no digest, rather than a misleading "no questions".

Jobs are ``async def``: APScheduler 3 runs plain functions in threads, where the
loop's sqlite3 connection cannot be used. The chart is drawn in a worker thread
(pure data in, bytes out) so the loop keeps serving events.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from . import digest, digest_render
from .config import Settings
from .outbound import NotStaff

if TYPE_CHECKING:
    from .wiring import App

log = logging.getLogger("unanswered.digest")

DAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def recipients(settings: Settings) -> list[str]:
    return list(settings.digest.recipients or sorted(settings.people))


def digest_key(name: str, period_id: str) -> str:
    return f"digest:{name}:{period_id}"


def _hhmm(settings: Settings) -> tuple[int, int]:
    hours, minutes = settings.digest.time.strip().split(":")
    return int(hours), int(minutes)


def local_today(tz: str, now: datetime) -> date:
    return now.astimezone(ZoneInfo(tz)).date()


def due_period(settings: Settings, tz: str, now: datetime) -> digest.Period:
    """Last week by the recipient's calendar (``tz``), figures in the digest's time zone."""
    day = local_today(tz, now) - timedelta(days=7)
    return digest.week_of(day, settings.digest.timezone, now)


def scheduled_this_week(settings: Settings, tz: str, now: datetime) -> datetime:
    """This week's delivery time for someone living in ``tz``."""
    today = local_today(tz, now)
    day = today - timedelta(days=today.weekday()) + timedelta(days=DAYS[settings.digest.day])
    hour, minute = _hhmm(settings)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ZoneInfo(tz))


def watched_before(app: "App", end: datetime) -> bool:
    """Did the bot track anything before ``end``? If not, it was not watching that week."""
    return app.tracker.any_message_before(end)


async def prepare(app: "App", period: digest.Period) -> tuple[digest.DigestData, bytes | None]:
    """Figures (on the loop thread: SQLite) and the chart (in a worker thread)."""
    data = digest.compute(app.tracker, app.settings, period)
    from .chart import ChartUnavailable, render_png

    try:
        png = await asyncio.to_thread(render_png, data.weekly, f"Last 12 weeks to {period.id}")
    except ChartUnavailable as exc:
        log.info("digest sent without its chart: %s", exc)
        png = None
    except Exception:  # a broken chart must not cost the moderator their digest
        log.exception("drawing the digest chart failed; sending the digest without it")
        png = None
    return data, png


async def deliver(app: "App", name: str, period: digest.Period) -> str:
    """Send ``period``'s digest to ``name`` unless it already was. Returns what happened, in words."""
    key = digest_key(name, period.id)
    row = app.tracker.audit_by_key(key)
    if row is not None:
        return f"{name}: already sent for {period.id} (audit #{row['id']}, {row['result']})"
    try:
        to = app.door.person(name)
    except NotStaff:
        return f"{name}: not a configured person; skipped"
    if not app.door.dry_run and to.platform not in app.door.transports:
        log.warning("cannot DM the digest to %s: no Slack or Discord connection reaches them", name)
        return f"{name}: no Slack or Discord connection reaches them; skipped"
    data, png = await prepare(app, period)
    delivery = await app.door.send(to, digest_render.note(data, png), key=key)
    if delivery.error == "duplicate":
        return f"{name}: already sent for {period.id}"
    return f"{name}: {'sent' if delivery.ok else 'failed: ' + (delivery.error or 'unknown error')} ({period.id}, {to.platform})"


async def send_scheduled(app: "App", name: str) -> str | None:
    """The cron job's work: last week's digest for ``name``, once."""
    person = app.settings.people.get(name)
    if person is None:
        return None
    period = due_period(app.settings, person.timezone, app.clock.now())
    if not watched_before(app, period.end):
        log.info("no digest for %s to %s: nothing was tracked before %s ended", period.id, name, period.id)
        return None
    outcome = await deliver(app, name, period)
    log.info("digest: %s", outcome)
    return outcome


async def catch_up(app: "App") -> list[str]:
    """At start: send this week's digests whose delivery time passed while the bot was down."""
    now = app.clock.now()
    done = []
    for name in recipients(app.settings):
        person = app.settings.people.get(name)
        if person is None or now < scheduled_this_week(app.settings, person.timezone, now):
            continue
        period = due_period(app.settings, person.timezone, now)
        if app.tracker.audit_by_key(digest_key(name, period.id)) is not None:
            continue
        outcome = await send_scheduled(app, name)
        if outcome:
            done.append(outcome)
    return done


def _job(app: "App", name: str):
    async def job() -> None:
        try:
            await send_scheduled(app, name)
        except Exception:  # the scheduler must keep running; the next start's catch-up retries
            log.exception("sending the digest to %s failed", name)

    return job


async def install(app: "App") -> list[str]:
    """Schedule every recipient's digest and send any that were missed. Returns the catch-up outcomes."""
    settings = app.settings
    hour, minute = _hhmm(settings)
    for name in recipients(settings):
        person = settings.people.get(name)
        if person is None:
            continue
        app.scheduler.cron(_job(app, name), id=f"digest:{name}", day_of_week=settings.digest.day, hour=hour, minute=minute, timezone=ZoneInfo(person.timezone))
    try:
        return await catch_up(app)
    except Exception:
        log.exception("catching up on missed digests failed")
        return []
