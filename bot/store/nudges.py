"""``nudges`` (one row per nudge step: a restart never repeats or skips one) and
``actions`` (what staff did: claims, snoozes, dismissals, resolves)."""

from __future__ import annotations

import sqlite3
from datetime import datetime


class Nudges:
    conn: sqlite3.Connection

    def add_nudge(self, qid: int, seq: int, step: int, person: str, due_at: datetime, audit_id: int) -> bool:
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO nudges (question, seq, step, person, due_at, audit) VALUES (?, ?, ?, ?, ?, ?)",
            (qid, seq, step, person, due_at.timestamp(), audit_id),
        )
        return cur.rowcount == 1

    def advance(self, qid: int, *, step: int, nudges_sent: int, next_due: datetime | None) -> None:
        """A nudge went out: the question moves to its next step."""
        self.conn.execute(
            "UPDATE questions SET step = ?, nudges_sent = ?, next_due = ? WHERE id = ?",
            (step, nudges_sent, None if next_due is None else next_due.timestamp(), qid),
        )

    def nudge_by_audit(self, audit_id: int) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM nudges WHERE audit = ?", (audit_id,)).fetchone()

    def resume_chain(self, qid: int, *, step: int, at: datetime) -> None:
        """A step was never delivered (its recipient left the staff): the chain goes on from ``step`` at ``at``.

        Given up only because that step was the last: open again. Claimed, answered or closed: left alone.
        The lost attempt is counted apart, so it does not use up one of the route's max_nudges."""
        self.conn.execute(
            "UPDATE questions SET status = 'open', step = ?, next_due = ?, lost_steps = lost_steps + 1"
            " WHERE id = ? AND status IN ('open', 'given_up') AND claimed_by IS NULL",
            (step, at.timestamp(), qid),
        )

    def nudges_for(self, qid: int) -> list[sqlite3.Row]:
        return self.conn.execute(
            "SELECT n.*, a.result, a.at AS sent_at FROM nudges n LEFT JOIN audit a ON a.id = n.audit WHERE n.question = ? ORDER BY n.seq",
            (qid,),
        ).fetchall()

    def nudge_count(self) -> int:
        return int(self.conn.execute("SELECT COUNT(*) FROM nudges").fetchone()[0])

    def add_action(self, qid: int, kind: str, by: str, at: datetime, until: datetime | None, note: str = "") -> None:
        self.conn.execute(
            "INSERT INTO actions (question, kind, by, at, until, note) VALUES (?, ?, ?, ?, ?, ?)",
            (qid, kind, by, at.timestamp(), None if until is None else until.timestamp(), note),
        )

    def action_counts(self, start: datetime, end: datetime) -> list[tuple[str, int]]:
        """(kind, how many) of the staff actions taken in [start, end)."""
        return [
            (kind, n)
            for kind, n in self.conn.execute("SELECT kind, COUNT(*) FROM actions WHERE at >= ? AND at < ? GROUP BY kind", (start.timestamp(), end.timestamp()))
        ]
