"""The schema and its migrations (sqlite-utils ``Migrations``: each runs once, in order).

What is kept, and why:
- ``messages``: ids, authors and times of every message seen (no text). Needed to
  catch up after a restart (last message per channel), to resolve replies, and for
  the digest (first-time askers, who answered).
- ``authors``: when each author was first seen ("first-time asker").
- ``questions``: the member questions being watched, with a short excerpt for the DM.
- ``nudges``: one row per nudge step, so a restart never repeats or skips one.
- ``audit``: every word the bot sends, written *before* it is sent.
- ``actions``: what staff did (claims, snoozes, dismissals).
- ``kv``: small state (catch-up cursors, digest markers, source health).

Times are stored as UNIX seconds (REAL): compact, fast to compare, exact enough for
Slack's microsecond ``ts``. Foreign keys are enforced (``PRAGMA foreign_keys = ON``).
"""

from __future__ import annotations

import sqlite_utils
from sqlite_utils.migrations import Migrations

migrations = Migrations("unanswered")


@migrations()
def m001_initial(db: sqlite_utils.Database) -> None:
    db.executescript(
        """
        CREATE TABLE messages (
            pk INTEGER PRIMARY KEY,
            platform TEXT NOT NULL,
            channel TEXT NOT NULL,
            msg_id TEXT NOT NULL,
            thread TEXT,
            reply_to TEXT,
            author TEXT NOT NULL,
            is_bot INTEGER NOT NULL DEFAULT 0,
            at REAL NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0
        );
        CREATE UNIQUE INDEX messages_key ON messages(platform, channel, msg_id);
        CREATE INDEX messages_channel_at ON messages(platform, channel, at);

        -- When each author was first seen: all that "first-time asker" needs. A small
        -- table instead of an index over every message by author (random inserts at scale).
        CREATE TABLE authors (
            platform TEXT NOT NULL,
            author TEXT NOT NULL,
            first_seen REAL NOT NULL,
            PRIMARY KEY (platform, author)
        ) WITHOUT ROWID;

        CREATE TABLE questions (
            id INTEGER PRIMARY KEY,
            platform TEXT NOT NULL,
            channel TEXT NOT NULL,
            msg_id TEXT NOT NULL,
            channel_name TEXT,
            author TEXT NOT NULL,
            author_name TEXT,
            asked_at REAL NOT NULL,
            excerpt TEXT NOT NULL DEFAULT '',
            link TEXT,
            reasons TEXT NOT NULL DEFAULT '[]',
            first_time INTEGER NOT NULL DEFAULT 0,
            status TEXT NOT NULL DEFAULT 'open',
            answered_at REAL,
            answered_by TEXT,
            answer_id TEXT,
            closed_at REAL,
            closed_by TEXT,
            claimed_by TEXT,
            claimed_at REAL,
            step INTEGER NOT NULL DEFAULT 0,
            nudges_sent INTEGER NOT NULL DEFAULT 0,
            failures INTEGER NOT NULL DEFAULT 0,
            next_due REAL
        );
        CREATE UNIQUE INDEX questions_key ON questions(platform, channel, msg_id);
        CREATE INDEX questions_due ON questions(next_due) WHERE next_due IS NOT NULL;
        CREATE INDEX questions_asked ON questions(asked_at);
        CREATE INDEX questions_open ON questions(status, platform, channel) WHERE status = 'open';

        CREATE TABLE nudges (
            id INTEGER PRIMARY KEY,
            question INTEGER NOT NULL REFERENCES questions(id),
            seq INTEGER NOT NULL,
            step INTEGER NOT NULL,
            person TEXT NOT NULL,
            due_at REAL NOT NULL,
            audit INTEGER REFERENCES audit(id)
        );
        CREATE UNIQUE INDEX nudges_key ON nudges(question, seq);

        CREATE TABLE audit (
            id INTEGER PRIMARY KEY,
            at REAL NOT NULL,
            kind TEXT NOT NULL,
            person TEXT,
            platform TEXT NOT NULL,
            address TEXT NOT NULL,
            text TEXT NOT NULL,
            payload TEXT,
            reason TEXT,
            questions TEXT NOT NULL DEFAULT '[]',
            key TEXT NOT NULL,
            result TEXT NOT NULL DEFAULT 'pending',
            result_at REAL,
            ref TEXT
        );
        CREATE UNIQUE INDEX audit_key ON audit(key);
        CREATE INDEX audit_at ON audit(at);
        CREATE INDEX audit_pending ON audit(result) WHERE result = 'pending';

        CREATE TABLE actions (
            id INTEGER PRIMARY KEY,
            question INTEGER NOT NULL,
            kind TEXT NOT NULL,
            by TEXT NOT NULL,
            at REAL NOT NULL,
            until REAL,
            note TEXT
        );
        CREATE INDEX actions_at ON actions(at);

        CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """
    )


@migrations()
def m002_answerer_name(db: sqlite_utils.Database) -> None:
    # The digest thanks helpers by name; ids alone mean nothing to a moderator.
    db.execute("ALTER TABLE questions ADD COLUMN answered_by_name TEXT")


@migrations()
def m003_foreign_keys(db: sqlite_utils.Database) -> None:
    # Foreign keys are enforced from this version on. Older retention runs deleted audit
    # rows that nudges still pointed at; those links now read as "no audit row" (NULL),
    # which is what the LEFT JOIN in ``nudges_for`` already made of them.
    db.execute("UPDATE nudges SET audit = NULL WHERE audit IS NOT NULL AND audit NOT IN (SELECT id FROM audit)")
    db.execute("DELETE FROM nudges WHERE question NOT IN (SELECT id FROM questions)")


@migrations()
def m004_author_joined(db: sqlite_utils.Database) -> None:
    # When a member joined (Discord says): "newcomer" from the platform, not only from our memory.
    db.execute("ALTER TABLE authors ADD COLUMN joined_at REAL")


@migrations()
def m005_lifecycle_indexes(db: sqlite_utils.Database) -> None:
    # A stored reply finds its question (replies that overtook it); retention deletes by
    # time and by question; button clicks find their DM by ref.
    db.executescript(
        """
        CREATE INDEX IF NOT EXISTS messages_thread ON messages(platform, channel, thread) WHERE thread IS NOT NULL;
        CREATE INDEX IF NOT EXISTS messages_reply ON messages(platform, channel, reply_to) WHERE reply_to IS NOT NULL;
        CREATE INDEX IF NOT EXISTS messages_at ON messages(at);
        CREATE INDEX IF NOT EXISTS actions_question ON actions(question);
        CREATE INDEX IF NOT EXISTS nudges_audit ON nudges(audit);
        CREATE INDEX IF NOT EXISTS audit_ref ON audit(ref) WHERE ref IS NOT NULL;
        """
    )


@migrations()
def m006_lost_steps(db: sqlite_utils.Database) -> None:
    # Nudge attempts that never reached anyone (their recipient left the staff before a restart
    # settled them): the step was handed on, so it must not use up one of max_nudges.
    db.execute("ALTER TABLE questions ADD COLUMN lost_steps INTEGER NOT NULL DEFAULT 0")
