"""The store: one SQLite file, managed through sqlite-utils.

What is kept, and why:
- ``messages``: ids, authors and times of every message seen (no text). Needed to
  catch up after a restart (last message per channel), to resolve replies, and for
  the digest (first-time askers, who answered).
- ``questions``: the member questions being watched, with a short excerpt for the DM.
- ``nudges``: one row per nudge step, so a restart never repeats or skips one.
- ``audit``: every word the bot sends, written *before* it is sent.
- ``actions``: what staff did (claims, snoozes, dismissals).
- ``kv``: small state (catch-up cursors, digest markers, source health).

Times are stored as UNIX seconds (REAL): compact, fast to compare, exact enough for
Slack's microsecond ``ts``.

Hot paths use the sqlite3 connection directly with prepared statements; schema and
migrations go through sqlite-utils.
"""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import sqlite_utils
from sqlite_utils.migrations import Migrations

from .events import Message

EXCERPT_LIMIT = 500  # characters of a question kept for the DM; the rest is never stored

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
def m003_lifecycle_indexes(db: sqlite_utils.Database) -> None:
    # Issue 13: a stored reply finds its question (replies that overtook it); retention deletes
    # by time and by question; button clicks find their DM by ref.
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


def dt(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, timezone.utc)


class StoreError(Exception):
    """The database cannot be used (locked, full, unreadable): phrased for a person."""


def store_problem(path: str | Path, exc: BaseException) -> str:
    """A folder or file the database cannot be made in or written to, with the fix."""
    if isinstance(exc, PermissionError) or "readonly" in str(exc) or "read-only" in str(exc):
        return (f"{path} cannot be written (permission denied or read-only); give this user write access to it and its folder "
                "(chmod u+w), or set storage.path to a writable file")
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return f"{path}: its folder does not exist or is not a folder; create it, or set storage.path to a file in an existing folder"
    return f"{path}: {exc}; check the path and its permissions, or set storage.path elsewhere"


@dataclass
class Question:
    id: int
    platform: str
    channel: str
    msg_id: str
    channel_name: str | None
    author: str
    author_name: str | None
    asked_at: datetime
    excerpt: str
    link: str | None
    reasons: list[str]
    first_time: bool
    status: str
    answered_at: datetime | None
    answered_by: str | None
    claimed_by: str | None
    step: int
    nudges_sent: int
    failures: int
    next_due: datetime | None
    closed_by: str | None = None
    answered_by_name: str | None = None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> "Question":
        return cls(
            id=row["id"],
            platform=row["platform"],
            channel=row["channel"],
            msg_id=row["msg_id"],
            channel_name=row["channel_name"],
            author=row["author"],
            author_name=row["author_name"],
            asked_at=dt(row["asked_at"]),  # type: ignore[arg-type]
            excerpt=row["excerpt"],
            link=row["link"],
            reasons=json.loads(row["reasons"]),
            first_time=bool(row["first_time"]),
            status=row["status"],
            answered_at=dt(row["answered_at"]),
            answered_by=row["answered_by"],
            claimed_by=row["claimed_by"],
            step=row["step"],
            nudges_sent=row["nudges_sent"],
            failures=row["failures"],
            next_due=dt(row["next_due"]),
            closed_by=row["closed_by"],
            answered_by_name=row["answered_by_name"],
        )


def excerpt(text: str, limit: int = EXCERPT_LIMIT) -> str:
    text = text.replace("\x00", "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Tracker:
    def __init__(self, path: str | Path | None) -> None:
        """``path`` None opens an in-memory database (tests, throwaway replays)."""
        self.path = None if path is None else Path(path)
        try:
            if self.path is None:
                self.db = sqlite_utils.Database(memory=True)
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                new = not self.path.exists()
                if new:
                    # Owner-only from the first byte: the file holds member ids and the audit log.
                    os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
                self.db = sqlite_utils.Database(self.path)
                self.db.enable_wal()
            conn = self.db.conn
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA busy_timeout = 5000")
            conn.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable across a process crash
            conn.execute("PRAGMA cache_size = -32000")  # 32 MB of page cache keeps the indexes hot
            conn.execute("PRAGMA foreign_keys = OFF")
            migrations.apply(self.db)
            # No implicit transactions: a statement outside `transaction()` commits at once,
            # and `in_transaction` is true only inside our own BEGIN (which `transaction()` joins).
            conn.isolation_level = None
        except sqlite3.DatabaseError as exc:
            raise StoreError(self._explain(exc)) from None
        except OSError as exc:  # a folder that cannot be created, a file that cannot be opened
            raise StoreError(store_problem(self.path or "the database", exc)) from None
        self.conn = self.db.conn

    def _explain(self, exc: BaseException) -> str:
        where = str(self.path) if self.path else "the in-memory database"
        text = str(exc)
        if "locked" in text or "busy" in text:
            return f"{where} is locked by another process (is another `unanswered run` using it?); stop it or set storage.path to another file"
        if "disk" in text and ("full" in text or "I/O" in text):
            return f"{where}: the disk is full; free some space (nothing was half-written: the last change was rolled back)"
        if "readonly" in text or "unable to open" in text:
            return store_problem(where, exc)
        if "not a database" in text or "malformed" in text:
            return f"{where} is not a readable SQLite database; move it aside and start again, or point storage.path elsewhere"
        return f"{where}: {text}"

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """All-or-nothing: locked or full disks roll back and raise a StoreError.

        Inside an open transaction (a replay or catch-up batch) this joins it rather
        than opening a savepoint: the batch commits or rolls back as one.
        """
        if self.conn.in_transaction:
            yield
            return
        try:
            with self.db.atomic():
                yield
        except sqlite3.OperationalError as exc:
            raise StoreError(self._explain(exc)) from None

    # ------------------------------------------------------------ messages

    def add_message(self, m: Message) -> bool:
        """Store a message's ids and time; False if it was already stored (a redelivery)."""
        at = m.at.timestamp()
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO messages (platform, channel, msg_id, thread, reply_to, author, is_bot, at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (m.platform, m.channel, m.id, m.thread, m.reply_to, m.author, int(m.author_is_bot), at),
        )
        if cur.rowcount != 1:
            return False
        # Histories can arrive out of order (catch-up): keep the earliest time.
        self.conn.execute(
            "INSERT INTO authors (platform, author, first_seen) VALUES (?, ?, ?)"
            " ON CONFLICT (platform, author) DO UPDATE SET first_seen = excluded.first_seen WHERE excluded.first_seen < first_seen",
            (m.platform, m.author, at),
        )
        return True

    def message(self, platform: str, channel: str, msg_id: str) -> sqlite3.Row | None:
        return self.conn.execute(
            "SELECT * FROM messages WHERE platform = ? AND channel = ? AND msg_id = ?", (platform, channel, msg_id)
        ).fetchone()

    def mark_message_deleted(self, platform: str, channel: str, msg_id: str) -> None:
        self.conn.execute(
            "UPDATE messages SET deleted = 1 WHERE platform = ? AND channel = ? AND msg_id = ?", (platform, channel, msg_id)
        )

    def has_spoken_before(self, platform: str, author: str, before: datetime) -> bool:
        return (
            self.conn.execute(
                "SELECT 1 FROM authors WHERE platform = ? AND author = ? AND first_seen < ?",
                (platform, author, before.timestamp()),
            ).fetchone()
            is not None
        )

    def last_message(self, platform: str, channel: str) -> tuple[str, datetime] | None:
        """The newest stored message of a channel: where history catch-up resumes."""
        row = self.conn.execute(
            "SELECT msg_id, at FROM messages WHERE platform = ? AND channel = ? ORDER BY at DESC LIMIT 1",
            (platform, channel),
        ).fetchone()
        return None if row is None else (row["msg_id"], dt(row["at"]))  # type: ignore[return-value]

    # ------------------------------------------------------------ questions

    def add_question(self, m: Message, reasons: list[str], *, first_time: bool, next_due: datetime | None) -> int:
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO questions (platform, channel, msg_id, channel_name, author, author_name, asked_at,"
            " excerpt, link, reasons, first_time, next_due) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                m.platform,
                m.channel,
                m.id,
                m.channel_name,
                m.author,
                m.author_name,
                m.at.timestamp(),
                excerpt(m.text),
                m.link,
                json.dumps(reasons),
                int(first_time),
                None if next_due is None else next_due.timestamp(),
            ),
        )
        return int(cur.lastrowid or 0)

    def question(self, qid: int) -> Question | None:
        row = self.conn.execute("SELECT * FROM questions WHERE id = ?", (qid,)).fetchone()
        return None if row is None else Question.from_row(row)

    def question_at(self, platform: str, channel: str, msg_id: str) -> sqlite3.Row | None:
        """The light row the hot path needs to decide whether a reply answers a question."""
        return self.conn.execute(
            "SELECT id, author, status, answered_at, asked_at FROM questions WHERE platform = ? AND channel = ? AND msg_id = ?",
            (platform, channel, msg_id),
        ).fetchone()

    def mark_answered(self, qid: int, at: datetime, by: str, answer_id: str, by_name: str | None = None) -> None:
        # Escalation stops, but the status of a dismissed/closed question is kept.
        self.conn.execute(
            "UPDATE questions SET answered_at = ?, answered_by = ?, answered_by_name = ?, answer_id = ?, next_due = NULL,"
            " status = CASE WHEN status IN ('open', 'given_up') THEN 'answered' ELSE status END"
            " WHERE id = ? AND answered_at IS NULL",
            (at.timestamp(), by, by_name, answer_id, qid),
        )

    def close_question(self, qid: int, status: str, at: datetime, by: str | None) -> None:
        self.conn.execute(
            "UPDATE questions SET status = ?, closed_at = ?, closed_by = ?, next_due = NULL WHERE id = ? AND status IN ('open', 'given_up')",
            (status, at.timestamp(), by, qid),
        )

    def forget_question(self, qid: int, at: datetime) -> None:
        """A deleted question: drop its text and never nudge about it."""
        self.conn.execute(
            "UPDATE questions SET status = 'deleted', excerpt = '', link = NULL, author_name = NULL,"
            " closed_at = ?, next_due = NULL WHERE id = ?",
            (at.timestamp(), qid),
        )

    def update_excerpt(self, qid: int, text: str) -> None:
        self.conn.execute("UPDATE questions SET excerpt = ? WHERE id = ? AND status != 'deleted'", (excerpt(text), qid))

    def claim(self, qid: int, by: str, at: datetime) -> None:
        self.conn.execute(
            "UPDATE questions SET claimed_by = ?, claimed_at = ?, next_due = NULL WHERE id = ? AND status IN ('open', 'given_up')",
            (by, at.timestamp(), qid),
        )

    def set_next_due(self, qid: int, when: datetime | None, *, step: int | None = None) -> None:
        if step is None:
            self.conn.execute("UPDATE questions SET next_due = ? WHERE id = ?", (None if when is None else when.timestamp(), qid))
        else:
            self.conn.execute(
                "UPDATE questions SET next_due = ?, step = ? WHERE id = ?",
                (None if when is None else when.timestamp(), step, qid),
            )

    def set_failures(self, qid: int, failures: int) -> None:
        self.conn.execute("UPDATE questions SET failures = ? WHERE id = ?", (failures, qid))

    def due(self, now: datetime, limit: int = 200) -> list[Question]:
        rows = self.conn.execute(
            "SELECT * FROM questions WHERE next_due IS NOT NULL AND next_due <= ? ORDER BY next_due LIMIT ?",
            (now.timestamp(), limit),
        ).fetchall()
        return [Question.from_row(r) for r in rows]

    def next_due(self) -> datetime | None:
        row = self.conn.execute("SELECT MIN(next_due) FROM questions WHERE next_due IS NOT NULL").fetchone()
        return dt(row[0])

    def open_unanswered(self, platform: str, channel: str, since: datetime) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT id, msg_id, author, asked_at FROM questions WHERE status = 'open' AND platform = ? AND channel = ?"
            " AND answered_at IS NULL AND asked_at >= ? ORDER BY asked_at",
            (platform, channel, since.timestamp()),
        ).fetchall()

    def open_questions(self, platform: str | None = None, channel: str | None = None) -> list[Question]:
        sql = "SELECT * FROM questions WHERE status = 'open'"
        args: tuple[Any, ...] = ()
        if platform:
            sql += " AND platform = ?"
            args = (platform,)
        if platform and channel:
            sql += " AND channel = ?"
            args += (channel,)
        return [Question.from_row(r) for r in self.conn.execute(sql + " ORDER BY asked_at", args)]

    def questions(self) -> list[Question]:
        return [Question.from_row(r) for r in self.conn.execute("SELECT * FROM questions ORDER BY asked_at, id")]

    # ------------------------------------------------------------ nudges & actions

    def add_nudge(self, qid: int, seq: int, step: int, person: str, due_at: datetime, audit_id: int) -> bool:
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO nudges (question, seq, step, person, due_at, audit) VALUES (?, ?, ?, ?, ?, ?)",
            (qid, seq, step, person, due_at.timestamp(), audit_id),
        )
        return cur.rowcount == 1

    def advance(self, qid: int, *, step: int, nudges_sent: int, next_due: datetime | None) -> None:
        self.conn.execute(
            "UPDATE questions SET step = ?, nudges_sent = ?, next_due = ? WHERE id = ?",
            (step, nudges_sent, None if next_due is None else next_due.timestamp(), qid),
        )

    def nudges_for(self, qid: int) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT n.*, a.result, a.at AS sent_at FROM nudges n LEFT JOIN audit a ON a.id = n.audit"
            " WHERE n.question = ? ORDER BY n.seq",
            (qid,),
        ).fetchall()

    def add_action(self, qid: int, kind: str, by: str, at: datetime, until: datetime | None, note: str = "") -> None:
        self.conn.execute(
            "INSERT INTO actions (question, kind, by, at, until, note) VALUES (?, ?, ?, ?, ?, ?)",
            (qid, kind, by, at.timestamp(), None if until is None else until.timestamp(), note),
        )

    # ------------------------------------------------------------ audit

    def audit_begin(
        self,
        *,
        at: datetime,
        kind: str,
        person: str | None,
        platform: str,
        address: str,
        text: str,
        payload: Any,
        reason: str,
        questions: list[int],
        key: str,
    ) -> int | None:
        """Write the record of a message about to be sent. None if ``key`` was already recorded."""
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO audit (at, kind, person, platform, address, text, payload, reason, questions, key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                at.timestamp(),
                kind,
                person,
                platform,
                address,
                text,
                None if payload is None else json.dumps(payload, ensure_ascii=False),
                reason,
                json.dumps(questions),
                key,
            ),
        )
        return int(cur.lastrowid) if cur.rowcount == 1 else None

    def audit_finish(self, audit_id: int, result: str, at: datetime, ref: str | None = None) -> None:
        self.conn.execute("UPDATE audit SET result = ?, result_at = ?, ref = ? WHERE id = ?", (result, at.timestamp(), ref, audit_id))

    def audit_row(self, audit_id: int) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM audit WHERE id = ?", (audit_id,)).fetchone()

    def audit_by_key(self, key: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM audit WHERE key = ?", (key,)).fetchone()

    def pending_audit(self) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM audit WHERE result = 'pending' ORDER BY id").fetchall()

    def audit_rows(self, since: datetime | None = None, person: str | None = None, kind: str | None = None) -> list[sqlite3.Row]:
        sql, args = "SELECT * FROM audit WHERE 1", []
        if since is not None:
            sql += " AND at >= ?"
            args.append(since.timestamp())
        if person:
            sql += " AND person = ?"
            args.append(person)
        if kind:
            sql += " AND kind = ?"
            args.append(kind)
        return self.conn.execute(sql + " ORDER BY id", args).fetchall()

    # ------------------------------------------------------------ kv & housekeeping

    def get(self, key: str, default: Any = None) -> Any:
        row = self.conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def put(self, key: str, value: Any) -> None:
        self.conn.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def purge(self, now: datetime, retention_days: int, audit_retention_days: int) -> dict[str, int]:
        """Forget what is older than retention. Open questions are kept: they still matter.

        Closed, answered and given-up questions go together with their nudges, actions and the
        audit rows of those nudges (a pending audit row is kept: it is still being settled).
        """
        cutoff = now.timestamp() - retention_days * 86400
        audit_cutoff = now.timestamp() - audit_retention_days * 86400
        with self.transaction():
            m = self.conn.execute("DELETE FROM messages WHERE at < ?", (cutoff,)).rowcount
            old = "SELECT id FROM questions WHERE asked_at < ? AND status != 'open'"
            au = self.conn.execute(
                f"DELETE FROM audit WHERE result != 'pending' AND id IN (SELECT audit FROM nudges WHERE question IN ({old}))",
                (cutoff,),
            ).rowcount
            n = self.conn.execute(f"DELETE FROM nudges WHERE question IN ({old})", (cutoff,)).rowcount
            a = self.conn.execute(f"DELETE FROM actions WHERE question IN ({old})", (cutoff,)).rowcount
            q = self.conn.execute("DELETE FROM questions WHERE asked_at < ? AND status != 'open'", (cutoff,)).rowcount
            au += self.conn.execute("DELETE FROM audit WHERE at < ? AND result != 'pending'", (audit_cutoff,)).rowcount
        return {"messages": m, "questions": q, "nudges": n, "actions": a, "audit": au}

    # ------------------------------------------------------------ issue 13: lifecycle and repair

    def earlier_reply(self, platform: str, channel: str, msg_id: str, asker: str) -> sqlite3.Row | None:
        """The first stored human reply to ``msg_id`` by someone other than the asker: a reply
        that reached the store before its question (a slow lookup, an out-of-order history)."""
        # Two index lookups (messages_thread, messages_reply): an OR would scan the channel.
        found = [
            self.conn.execute(
                f"SELECT msg_id, author, at FROM messages INDEXED BY {index} WHERE platform = ? AND channel = ? AND {column} = ?"
                " AND is_bot = 0 AND deleted = 0 AND author != ? AND msg_id != ? ORDER BY at LIMIT 1",
                (platform, channel, msg_id, asker, msg_id),
            ).fetchone()
            for index, column in (("messages_thread", "thread"), ("messages_reply", "reply_to"))
        ]
        rows = [r for r in found if r is not None]
        return min(rows, key=lambda r: r["at"]) if rows else None

    def give_up(self, qid: int, at: datetime) -> None:
        """Every step of the chain was tried: no more nudges, no more thread re-reads. Still unanswered."""
        self.conn.execute(
            # closed_at stays empty: the digest counts it unanswered, like an open question.
            "UPDATE questions SET status = 'given_up', next_due = NULL WHERE id = ? AND status = 'open'",
            (qid,),
        )

    def waiting_questions(self) -> list[Question]:
        """Open and given-up questions: what `status` lists as still unanswered."""
        rows = self.conn.execute("SELECT * FROM questions WHERE status IN ('open', 'given_up') ORDER BY asked_at")
        return [Question.from_row(r) for r in rows]

    def audit_for_ref(self, ref: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM audit WHERE ref = ? AND kind != 'update' ORDER BY id DESC LIMIT 1", (ref,)).fetchone()
