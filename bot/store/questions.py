"""``questions``: the member questions being watched, their state and their deadlines."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Iterable

from ..events import Message
from .base import dt, when

EXCERPT_LIMIT = 500  # characters of a question kept for the DM; the rest is never stored


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
    lost_steps: int = 0  # attempts that reached nobody and were handed on (they do not count toward max_nudges)

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
            asked_at=when(row["asked_at"]),
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
            lost_steps=row["lost_steps"],
        )


@lru_cache(maxsize=1024)  # the detector words few distinct reasons, and every question stores its own
def _reasons_json(reasons: tuple[str, ...]) -> str:
    return json.dumps(reasons)  # a tuple encodes as the list it was


def excerpt(text: str, limit: int = EXCERPT_LIMIT) -> str:
    text = text.replace("\x00", "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


class Questions:
    conn: sqlite3.Connection
    # question_at's light rows read inside the current transaction (a replay or catch-up batch asks
    # for the same few roots again and again). Only inside one: there the snapshot is ours and only
    # our own writes change it, and each write below that changes a light row's key or columns drops
    # it. Forgotten at every transaction's start and end (base.Connection._transaction_bounds).
    _light: dict[tuple[str, str, str], sqlite3.Row | None]
    _light_ids: dict[int, tuple[str, str, str]]

    def _forget_light_rows(self) -> None:
        self._light = {}
        self._light_ids = {}

    def _light_changed(self, qid: int) -> None:
        key = self._light_ids.pop(qid, None)
        if key is not None:
            self._light.pop(key, None)

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
                _reasons_json(tuple(reasons)),
                int(first_time),
                None if next_due is None else next_due.timestamp(),
            ),
        )
        self._light.pop((m.platform, m.channel, m.id), None)  # "no question here" no longer holds
        return int(cur.lastrowid or 0)

    def question(self, qid: int) -> Question | None:
        row = self.conn.execute("SELECT * FROM questions WHERE id = ?", (qid,)).fetchone()
        return None if row is None else Question.from_row(row)

    def question_at(self, platform: str, channel: str, msg_id: str) -> sqlite3.Row | None:
        """The light row the hot path needs to decide whether a reply answers a question."""
        key = (platform, channel, msg_id)
        if key in self._light:
            return self._light[key]
        row = self.conn.execute(
            "SELECT id, author, status, answered_at, asked_at FROM questions WHERE platform = ? AND channel = ? AND msg_id = ?",
            key,
        ).fetchone()
        if self.conn.in_transaction:
            self._light[key] = row
            if row is not None:
                self._light_ids[row["id"]] = key
        return row

    def mark_answered(self, qid: int, at: datetime, by: str, answer_id: str, by_name: str | None = None) -> None:
        self._light_changed(qid)
        # Escalation stops, but the status of a dismissed/closed question is kept.
        self.conn.execute(
            "UPDATE questions SET answered_at = ?, answered_by = ?, answered_by_name = ?, answer_id = ?, next_due = NULL,"
            " status = CASE WHEN status IN ('open', 'given_up') THEN 'answered' ELSE status END"
            " WHERE id = ? AND answered_at IS NULL",
            (at.timestamp(), by, by_name, answer_id, qid),
        )

    def close_question(self, qid: int, status: str, at: datetime, by: str | None) -> None:
        self._light_changed(qid)
        self.conn.execute(
            "UPDATE questions SET status = ?, closed_at = ?, closed_by = ?, next_due = NULL WHERE id = ? AND status IN ('open', 'given_up')",
            (status, at.timestamp(), by, qid),
        )

    def forget_question(self, qid: int, at: datetime) -> None:
        """A deleted question: drop its text and never nudge about it."""
        self._light_changed(qid)
        self.conn.execute(
            "UPDATE questions SET status = 'deleted', excerpt = '', link = NULL, author_name = NULL, closed_at = ?, next_due = NULL WHERE id = ?",
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

    def give_up(self, qid: int, at: datetime) -> None:
        self._light_changed(qid)
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

    # -- forum feeds: which open topics need their thread read; light rows, a forum may have thousands
    def open_topic_refs(self, platform: str, channel: str, among: Iterable[str] | None = None) -> list[tuple[str, datetime, str | None]]:
        """(msg_id, asked_at, link) of the open questions of a channel (only those ``among`` ids if given), oldest first."""
        sql = "SELECT msg_id, asked_at, link FROM questions WHERE status IN ('open', 'given_up') AND platform = ? AND channel = ?"
        if among is None:
            chunks: list[list[str]] = [[]]
        else:
            ids = sorted(set(among))
            chunks = [ids[i : i + 500] for i in range(0, len(ids), 500)]  # under SQLite's bound-variable limit
        found: list[tuple[str, datetime, str | None]] = []
        for chunk in chunks:
            query = sql
            if among is not None:
                # "+status": look the ids up by the (platform, channel, msg_id) key, not by scanning the open ones.
                query = sql.replace("WHERE status", "WHERE +status") + f" AND msg_id IN ({','.join('?' * len(chunk))})"
            rows = self.conn.execute(query, (platform, channel, *chunk))
            found += [(r[0], when(r[1]), r[2]) for r in rows]
        return sorted(found, key=lambda ref: ref[1])

    def question_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM questions").fetchone()[0])

    # ------------------------------------------------------------ for the digest

    def questions_asked_between(self, start: datetime, end: datetime) -> list[sqlite3.Row]:
        """The digest's rows: every question asked in [start, end) and not deleted, oldest first."""
        return self.conn.execute(
            "SELECT id, platform, channel, channel_name, author, asked_at, first_time, status, answered_at, answered_by,"
            " answered_by_name, answer_id, closed_at, claimed_by"
            " FROM questions WHERE asked_at >= ? AND asked_at < ? AND status != 'deleted' ORDER BY asked_at",
            (start.timestamp(), end.timestamp()),
        ).fetchall()

    def question_excerpts(self, ids: list[int]) -> dict[int, sqlite3.Row]:
        """id -> (id, author_name, excerpt, link): what the digest shows of a waiting question."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        return {e["id"]: e for e in self.conn.execute(f"SELECT id, author_name, excerpt, link FROM questions WHERE id IN ({marks})", ids)}

    def backlog_count(self, start: datetime, end: datetime) -> int:
        """Questions asked before ``start`` and still without a reply (or closing) at ``end``."""
        e = end.timestamp()
        row = self.conn.execute(
            "SELECT COUNT(*) FROM questions WHERE asked_at < ? AND status NOT IN ('deleted', 'dismissed')"
            " AND (answered_at IS NULL OR answered_at >= ?) AND (closed_at IS NULL OR closed_at >= ?)",
            (start.timestamp(), e, e),
        ).fetchone()
        return int(row[0])
