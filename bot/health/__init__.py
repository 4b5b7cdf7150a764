"""The bot watching itself: a dead-man's switch in the manner of Healthchecks.

Three things can go quietly wrong while the process keeps running, and each makes
the bot silently useless:

- a **source** stays disconnected or failing (``Hub.report(name, ok=False)`` starts
  its clock, ``ok=True`` stops it) for longer than ``[health] source_down_after``;
- **DMs to one person** keep failing: ``dm_failures_alert`` failed results in a row
  for them in the audit log (the door records every result there, so the log is
  the single truth; we read it incrementally, never hook the send path);
- the **deadline loop** stalls: a due nudge has stayed unsent for
  ``scheduler_stall_after`` (read from the store, so a loop that is stuck, crashed or
  never rescheduled all look the same), or APScheduler itself has stopped running
  jobs (a heartbeat job that stopped beating).

The checks run from a plain asyncio task, not from an APScheduler job: a watchdog
that lives inside the thing it watches dies with it.

Each problem is told to the staff ONCE (``Hub.alert``, through the outbound door,
whose audit keys make it once-only even across restarts) and ONCE more when it
clears. A person whose DMs fail is never the one told about it. Which alerts are
outstanding is kept in the store, so a restart neither repeats an alert nor forgets
to announce the recovery.

Forum feeds alert about themselves (``feeds.failing_alert_after``, per feed): for
them this module only reports (status, /healthz) and never sends a second note.

``/healthz`` (off unless ``[health] http_port`` is set) answers 200 when every source
is up and the loop runs, 503 with the reasons otherwise. aiohttp is imported only
when the endpoint is started.

Rooms: ``dm_results`` (the audit log read incrementally), ``problems`` (detection),
``alerts`` (what staff were told, kept in the store), ``status`` (snapshots for
`unanswered status`), ``endpoint`` (/healthz), ``monitor`` (the life cycle and the check).
"""

from .alerts import ALERTED_KEY
from .dm_results import AUDIT_LOOKBACK, MAX_PENDING_WATCH, PENDING_GIVE_UP, AuditReader, DmStreak, dm_recipients, streaks_json
from .monitor import HEARTBEAT_JOB, HealthMonitor
from .problems import Problem
from .status import STATE_KEY, from_store

__all__ = [
    "ALERTED_KEY",
    "AUDIT_LOOKBACK",
    "HEARTBEAT_JOB",
    "MAX_PENDING_WATCH",
    "PENDING_GIVE_UP",
    "STATE_KEY",
    "AuditReader",
    "DmStreak",
    "HealthMonitor",
    "Problem",
    "dm_recipients",
    "from_store",
    "streaks_json",
]
