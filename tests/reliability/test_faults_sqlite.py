"""Fault injection, SQLite: a database locked by another process, and a full disk.

Each is a clear StoreError (phrased for a person), nothing half-written (the
transaction rolls back), nothing sent; once the trouble is gone the same work
succeeds and each due nudge goes out exactly once.
"""

from __future__ import annotations

import logging
import sqlite3
from datetime import timedelta

import pytest

from bot.events import Message
from bot.store import StoreError
from bot.wiring import build
from tests.adapters.feeds.conftest import RecordingTransport

CONFIG = """
[defaults]
window = "1h"

[people.alice]
slack = "U0ALICE01"

[[routes]]
platform = "slack"
channel = "C0HELP0001"
mode = "all"
chain = ["alice"]
"""


@pytest.fixture
def app(make_settings, clock, tracker):
    app = build(make_settings(CONFIG), clock=clock, tracker=tracker, sources=[])
    app.door.add_transport(RecordingTransport())
    tracker.conn.execute("PRAGMA busy_timeout = 50")  # give up on a lock fast (5 s in production)
    return app


def ask(clock, n: int, text: str = "How do I rotate the keys?") -> Message:
    return Message(
        platform="slack", channel="C0HELP0001", id=f"{1767607200 + n}.000100", author=f"U0MEMBER{n % 9}", at=clock.now() + timedelta(seconds=n), text=text
    )


def counts(tracker) -> tuple[int, ...]:
    return tuple(tracker.conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in ("messages", "questions", "nudges", "audit"))


async def test_a_database_locked_by_another_process(app, clock, tracker, caplog):
    first, second = ask(clock, 1), ask(clock, 2)
    app.hub.ingest(first)
    other = sqlite3.connect(tracker.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock, beyond busy_timeout
    before = counts(tracker)
    with pytest.raises(StoreError) as locked:
        app.hub.ingest(second)
    assert "locked by another process" in str(locked.value) and "storage.path" in str(locked.value)
    assert counts(tracker) == before  # nothing half-written

    clock.advance(timedelta(hours=1, minutes=1))
    with caplog.at_level(logging.ERROR, logger="unanswered.scheduler"):
        await app.scheduler.run_due()  # the deadline loop survives it and will retry
    assert "sending due nudges failed; will retry" in caplog.text
    assert counts(tracker) == before and app.door.transports["slack"].sent == []  # no audit, no DM

    other.execute("ROLLBACK")
    other.close()
    app.hub.ingest(second)  # the same event, applied once the lock is gone
    await app.scheduler.run_due()
    await app.scheduler.run_due()
    sent = app.door.transports["slack"].sent
    assert len(sent) == 2 and len({key for _, _, key, _ in sent}) == 2  # both questions, once each
    app.scheduler.shutdown()


async def test_a_full_disk_rolls_the_batch_back(app, clock, tracker):
    app.hub.ingest(ask(clock, 1))
    pages = tracker.conn.execute("PRAGMA page_count").fetchone()[0]
    tracker.conn.execute(f"PRAGMA max_page_count = {pages}")  # the file cannot grow: "database or disk is full"
    before = counts(tracker)
    batch = [ask(clock, n, "How do I fix this? " + "details " * 60) for n in range(2, 400)]
    with pytest.raises(StoreError) as full:
        app.hub.ingest_batch(batch)
    assert "disk is full" in str(full.value) and "rolled back" in str(full.value)
    assert counts(tracker) == before  # the whole batch or nothing

    tracker.conn.execute("PRAGMA max_page_count = 1073741823")  # space freed
    app.hub.ingest_batch(batch)  # a catch-up applies it again
    assert counts(tracker)[1] == before[1] + len(batch)
    clock.advance(timedelta(hours=2))
    assert await app.watchdog.tick() == 1 + len(batch)
    assert await app.watchdog.tick() == 0
    app.scheduler.shutdown()
