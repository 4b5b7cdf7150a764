"""Retention: forgetting what is older than configured, across every table."""

from __future__ import annotations

import sqlite3
from contextlib import AbstractContextManager
from datetime import datetime
from typing import TYPE_CHECKING


class Retention:
    conn: sqlite3.Connection

    if TYPE_CHECKING:

        def transaction(self) -> AbstractContextManager[None]: ...  # provided by base.Connection

        def _forget_light_rows(self) -> None: ...  # provided by questions.Questions

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
            their_audit = [r[0] for r in self.conn.execute(f"SELECT audit FROM nudges WHERE audit IS NOT NULL AND question IN ({old})", (cutoff,))]
            n = self.conn.execute(f"DELETE FROM nudges WHERE question IN ({old})", (cutoff,)).rowcount
            a = self.conn.execute(f"DELETE FROM actions WHERE question IN ({old})", (cutoff,)).rowcount
            q = self.conn.execute("DELETE FROM questions WHERE asked_at < ? AND status != 'open'", (cutoff,)).rowcount
            self._forget_light_rows()  # question_at's rows of this transaction may be gone
            # Their audit rows go only now that no nudge points at them (foreign keys are on).
            au = sum(
                self.conn.execute(f"DELETE FROM audit WHERE result != 'pending' AND id IN ({','.join('?' * len(chunk))})", chunk).rowcount
                for chunk in (their_audit[i : i + 500] for i in range(0, len(their_audit), 500))
            )
            gone = "SELECT id FROM audit WHERE at < ? AND result != 'pending'"
            # A kept nudge (of a question still open) outlives its audit row: it forgets the link.
            self.conn.execute(f"UPDATE nudges SET audit = NULL WHERE audit IN ({gone})", (audit_cutoff,))
            au += self.conn.execute("DELETE FROM audit WHERE at < ? AND result != 'pending'", (audit_cutoff,)).rowcount
        return {"messages": m, "questions": q, "nudges": n, "actions": a, "audit": au}
