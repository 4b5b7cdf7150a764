"""``audit``: every word the bot sends, written *before* it is sent, and its result."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from typing import Any


class Audit:
    conn: sqlite3.Connection

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
            "INSERT OR IGNORE INTO audit (at, kind, person, platform, address, text, payload, reason, questions, key) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
        return int(cur.lastrowid) if cur.lastrowid is not None and cur.rowcount == 1 else None

    def audit_finish(self, audit_id: int, result: str, at: datetime, ref: str | None = None) -> None:
        self.conn.execute("UPDATE audit SET result = ?, result_at = ?, ref = ? WHERE id = ?", (result, at.timestamp(), ref, audit_id))

    def audit_row(self, audit_id: int) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM audit WHERE id = ?", (audit_id,)).fetchone()

    def audit_by_key(self, key: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM audit WHERE key = ?", (key,)).fetchone()

    def audit_sent_with_ref(self, ref: str) -> sqlite3.Row | None:
        """The latest message we sent that the platform knows as ``ref`` (not an edit of it)."""
        return self.conn.execute("SELECT * FROM audit WHERE ref = ? AND kind != 'update' ORDER BY id DESC LIMIT 1", (ref,)).fetchone()

    def pending_audit(self) -> list[sqlite3.Row]:
        return self.conn.execute("SELECT * FROM audit WHERE result = 'pending' ORDER BY id").fetchall()

    def audit_rows(self, since: datetime | None = None, person: str | None = None, kind: str | None = None) -> list[sqlite3.Row]:
        sql, args = "SELECT * FROM audit WHERE 1", list[Any]()
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

    def failed_sends(self, limit: int = 10) -> list[sqlite3.Row]:
        """The latest sends that failed, newest first: (id, at, person, platform, result)."""
        return self.conn.execute("SELECT id, at, person, platform, result FROM audit WHERE result LIKE 'failed%' ORDER BY id DESC LIMIT ?", (limit,)).fetchall()

    # ------------------------------------------------------------ DM results, read incrementally (health)

    def last_audit_id(self) -> int:
        return int(self.conn.execute("SELECT COALESCE(MAX(id), 0) FROM audit").fetchone()[0])

    def audit_results(self, ids: list[int]) -> list[sqlite3.Row]:
        """(id, at, person, kind, result) of these audit rows, in id order."""
        marks = ",".join("?" * len(ids))
        return self.conn.execute(f"SELECT id, at, person, kind, result FROM audit WHERE id IN ({marks}) ORDER BY id", tuple(ids)).fetchall()

    def audit_results_after(self, cursor: int) -> list[sqlite3.Row]:
        """(id, at, person, kind, result) of every audit row after ``cursor``, in id order."""
        return self.conn.execute("SELECT id, at, person, kind, result FROM audit WHERE id > ? ORDER BY id", (cursor,)).fetchall()

    # ------------------------------------------------------------ for the digest

    def send_counts(self, start: datetime, end: datetime) -> list[tuple[str, str, int, int]]:
        """(kind, result, sends, distinct question lists) of what was sent in [start, end)."""
        return [
            (kind, result, n, distinct)
            for kind, result, n, distinct in self.conn.execute(
                "SELECT kind, result, COUNT(*), COUNT(DISTINCT questions) FROM audit WHERE at >= ? AND at < ? GROUP BY kind, result",
                (start.timestamp(), end.timestamp()),
            )
        ]
