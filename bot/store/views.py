"""The store, as people browse it: a read-only copy of the tracker with views in readable times.

Part of the store (its SQL lives here): ``browsable_copy``
copies the live tracker with SQLite's online backup (a consistent snapshot, WAL
included, without writing to or locking the live file for more than the copy), then adds
views to the *copy* only. The dashboard serves that copy immutable, so nothing a
browser does can touch the bot's database.

Times in views are UTC text ("2026-01-05 14:08"), waits in minutes. Member text is only
what the tracker keeps anyway: the question's excerpt (no message bodies are stored).
"""

from __future__ import annotations

import sqlite3
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterable

WHEN = "strftime('%Y-%m-%d %H:%M', {0}, 'unixepoch')"
MONDAY = "date({0}, 'unixepoch', 'weekday 0', '-6 days')"


def _when(col: str) -> str:
    return WHEN.format(col)


def views(staff: Iterable[tuple[str, str]]) -> dict[str, str]:
    """name -> SELECT. ``staff``: (platform, id) of configured people, left out of "people to thank"."""
    staff_sql = " OR ".join(f"(q.platform = {_lit(p)} AND q.answered_by = {_lit(i)})" for p, i in staff) or "0"
    return {
        "open_questions": f"""
            SELECT q.id, {_when("q.asked_at")} AS asked_utc, CAST((strftime('%s','now') - q.asked_at) / 3600 AS INTEGER) AS waiting_hours,
                   q.platform, COALESCE(q.channel_name, q.channel) AS channel, COALESCE(q.author_name, q.author) AS asker,
                   q.excerpt, q.link, q.claimed_by, q.nudges_sent, {_when("q.next_due")} AS next_nudge_utc
            FROM questions q WHERE q.status IN ('open', 'given_up') AND q.answered_at IS NULL ORDER BY q.asked_at""",
        "questions_readable": f"""
            SELECT q.id, {_when("q.asked_at")} AS asked_utc, q.platform, COALESCE(q.channel_name, q.channel) AS channel,
                   COALESCE(q.author_name, q.author) AS asker, q.status, q.first_time,
                   {_when("q.answered_at")} AS answered_utc, COALESCE(q.answered_by_name, q.answered_by) AS answered_by,
                   ROUND((q.answered_at - q.asked_at) / 60.0, 1) AS first_response_minutes, q.claimed_by,
                   {_when("q.closed_at")} AS closed_utc, q.excerpt, q.link
            FROM questions q WHERE q.status != 'deleted' ORDER BY q.asked_at""",
        "response_times": f"""
            SELECT {MONDAY.format("q.asked_at")} AS week_monday, q.platform, COALESCE(q.channel_name, q.channel) AS channel,
                   COUNT(*) AS questions, COUNT(q.answered_at) AS answered,
                   ROUND(100.0 * COUNT(q.answered_at) / COUNT(*), 0) AS answered_pct,
                   ROUND(AVG((q.answered_at - q.asked_at) / 60.0), 1) AS mean_first_response_minutes,
                   ROUND(MAX((q.answered_at - q.asked_at) / 60.0), 1) AS longest_first_response_minutes
            FROM questions q WHERE q.status NOT IN ('deleted', 'dismissed')
            GROUP BY week_monday, q.platform, channel ORDER BY week_monday DESC, questions DESC""",
        "nudges_and_actions": f"""
            SELECT n.id AS nudge, n.question, {_when("a.at")} AS sent_utc, n.person, n.step + 1 AS step, a.platform, a.result,
                   COALESCE(q.channel_name, q.channel) AS channel, q.status AS question_status,
                   (SELECT x.kind || ' by ' || x.by || ' at ' || {_when("x.at")} FROM actions x
                     WHERE x.question = n.question AND x.at >= a.at ORDER BY x.at LIMIT 1) AS then_moderators,
                   {_when("q.answered_at")} AS answered_utc, q.link
            FROM nudges n JOIN audit a ON a.id = n.audit JOIN questions q ON q.id = n.question ORDER BY a.at DESC""",
        "audit_log": f"""
            SELECT a.id, {_when("a.at")} AS at_utc, a.kind, a.person, a.platform, a.result, {_when("a.result_at")} AS result_utc,
                   a.reason, a.text FROM audit a ORDER BY a.at DESC""",
        "moderator_actions": f"""
            SELECT x.id, {_when("x.at")} AS at_utc, x.kind, x.by, x.question, {_when("x.until")} AS until_utc, x.note
            FROM actions x ORDER BY x.at DESC""",
        "people_to_thank": f"""
            SELECT q.platform, COALESCE(MAX(q.answered_by_name), q.answered_by) AS member, COUNT(*) AS first_responses,
                   {_when("MAX(q.answered_at)")} AS last_answer_utc
            FROM questions q LEFT JOIN messages m ON m.platform = q.platform AND m.channel = q.channel AND m.msg_id = q.answer_id
            WHERE q.answered_by IS NOT NULL AND q.status NOT IN ('deleted', 'dismissed') AND COALESCE(m.is_bot, 0) = 0
              AND NOT ({staff_sql})
            GROUP BY q.platform, q.answered_by ORDER BY first_responses DESC, last_answer_utc DESC""",
    }


# Canned queries for the dashboard (Datasette "queries"): title, SQL over the views above.
CANNED = {
    "open_oldest_first": (
        "Open questions, oldest first (with links)",
        "SELECT id, asked_utc, waiting_hours, platform, channel, asker, excerpt, link, claimed_by, nudges_sent FROM open_questions ORDER BY asked_utc",
    ),
    "response_times_by_channel_and_week": ("Response times by channel and week", "SELECT * FROM response_times ORDER BY week_monday DESC, questions DESC"),
    "nudges_and_what_moderators_did": ("Nudges, and what moderators did next", "SELECT * FROM nudges_and_actions"),
    "audit_log": ("Audit log: every message the bot sent", "SELECT * FROM audit_log"),
    "people_to_thank": ("People to thank (members who answered first; staff and bots left out)", "SELECT * FROM people_to_thank LIMIT 50"),
}


def _lit(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def browsable_copy(source: Path, dest: Path) -> None:
    """Snapshot ``source`` into ``dest`` with SQLite's online backup; the source is opened read-only."""
    dest.unlink(missing_ok=True)
    live = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
    copy = sqlite3.connect(dest)
    try:
        live.backup(copy)
    finally:
        copy.close()
        live.close()


def add_views(copy_path: Path, staff: Iterable[tuple[str, str]]) -> dict[str, object]:
    """Make the copy one self-contained file (no WAL, as immutable mode wants) with the views. Returns a few facts."""
    copy = sqlite3.connect(copy_path)
    try:
        copy.execute("PRAGMA journal_mode = DELETE")
        for name, select in views(list(staff)).items():
            copy.execute(f"DROP VIEW IF EXISTS {name}")
            copy.execute(f"CREATE VIEW {name} AS {select}")
        copy.commit()
        latest = copy.execute("SELECT MAX(asked_at) FROM questions").fetchone()[0]
        open_count = copy.execute("SELECT COUNT(*) FROM open_questions").fetchone()[0]
    finally:
        copy.close()
    return {"latest_question": None if latest is None else datetime.fromtimestamp(latest, timezone.utc), "open": open_count}


def latest_question(path: Path) -> datetime | None:
    """When the newest question in a (copied) tracker was asked."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        latest = conn.execute("SELECT MAX(asked_at) FROM questions").fetchone()[0]
    finally:
        conn.close()
    return None if latest is None else datetime.fromtimestamp(latest, timezone.utc)
