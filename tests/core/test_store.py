"""The store's own guarantees: foreign keys hold, retention keeps them, the authors shortcut never lies."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from bot.events import Message
from bot.store import StoreError, Tracker

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=timezone.utc)


def message(mid: str, author: str, at: datetime, text: str = "How do I reset my password?") -> Message:
    return Message("slack", "C1", mid, author, at, text)


def test_foreign_keys_are_enforced(tracker):
    with pytest.raises(sqlite3.IntegrityError):
        tracker.add_nudge(999, 0, 0, "alice", T0, 1)  # no question 999, no audit row 1


def test_a_kept_nudge_forgets_its_purged_audit_row(tracker):
    with tracker.transaction():
        qid = tracker.add_question(message("1.0", "U1", T0), ["asked"], first_time=True, next_due=T0)
        audit_id = tracker.audit_begin(
            at=T0, kind="nudge", person="alice", platform="slack", address="U0A", text="hi", payload=None, reason="r", questions=[qid], key="nudge:1:0"
        )
        assert audit_id is not None
        tracker.add_nudge(qid, 0, 0, "alice", T0, audit_id)
    tracker.audit_finish(audit_id, "sent", T0)
    removed = tracker.purge(T0 + timedelta(days=400), retention_days=500, audit_retention_days=365)
    assert removed["audit"] == 1 and removed["nudges"] == 0  # the question is open: its nudge is kept
    [nudge] = tracker.nudges_for(qid)
    assert nudge["audit"] is None and nudge["result"] is None


def test_a_dangling_audit_link_from_an_older_version_is_cleared_on_upgrade(tmp_path):
    path = tmp_path / "old.db"
    tracker = Tracker(path)
    qid = tracker.add_question(message("1.0", "U1", T0), ["asked"], first_time=True, next_due=T0)
    tracker.conn.execute("PRAGMA foreign_keys = OFF")  # what every earlier version ran with
    tracker.conn.execute("INSERT INTO nudges (question, seq, step, person, due_at, audit) VALUES (?, 0, 0, 'alice', 0, 42)", (qid,))
    tracker.conn.execute("DELETE FROM _sqlite_migrations WHERE name = 'm003_foreign_keys'")
    tracker.close()
    upgraded = Tracker(path)
    assert [n["audit"] for n in upgraded.nudges_for(qid)] == [None]
    assert upgraded.conn.execute("PRAGMA foreign_key_check").fetchall() == []
    upgraded.close()


def test_first_seen_stays_the_earliest_whatever_the_order(tracker):
    tracker.add_message(message("2.0", "U1", T0 + timedelta(hours=2)))
    tracker.add_message(message("3.0", "U1", T0 + timedelta(hours=3)))  # later: nothing to change
    assert not tracker.has_spoken_before("slack", "U1", T0 + timedelta(hours=1))
    tracker.add_message(message("1.0", "U1", T0))  # a catch-up brings an older one
    assert tracker.has_spoken_before("slack", "U1", T0 + timedelta(hours=1))


def test_first_seen_survives_a_rolled_back_transaction(tracker):
    with pytest.raises(RuntimeError), tracker.transaction():
        tracker.add_message(message("1.0", "U1", T0))
        raise RuntimeError("the batch fails")
    assert tracker.message("slack", "C1", "1.0") is None
    tracker.add_message(message("2.0", "U1", T0 + timedelta(hours=2)))  # must be recorded, not skipped
    assert tracker.has_spoken_before("slack", "U1", T0 + timedelta(hours=3))
    assert not tracker.has_spoken_before("slack", "U1", T0 + timedelta(hours=1))


def test_a_store_error_is_phrased_for_a_person(tmp_path):
    path = tmp_path / "not-a-db.db"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a readable SQLite database"):
        Tracker(path)
