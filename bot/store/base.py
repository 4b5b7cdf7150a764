"""The connection every table group shares: opening, pragmas, transactions, errors.

Hot paths use the sqlite3 connection directly (``conn.execute`` with constant SQL:
the sqlite3 module keeps those statements prepared in its cache); schema and
migrations go through sqlite-utils.
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

import sqlite_utils

from .schema import migrations

_JOINED: AbstractContextManager[None] = nullcontext()  # joining the open transaction: nothing to do


def dt(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, timezone.utc)


def when(value: float) -> datetime:
    """A time from a NOT NULL column."""
    return datetime.fromtimestamp(value, timezone.utc)


class StoreError(Exception):
    """The database cannot be used (locked, full, unreadable): phrased for a person."""


def store_problem(path: str | Path, exc: BaseException) -> str:
    """A folder or file the database cannot be made in or written to, with the fix."""
    if isinstance(exc, PermissionError) or "readonly" in str(exc) or "read-only" in str(exc):
        return (
            f"{path} cannot be written (permission denied or read-only); give this user write access to it and its folder "
            "(chmod u+w), or set storage.path to a writable file"
        )
    if isinstance(exc, (FileNotFoundError, NotADirectoryError)):
        return f"{path}: its folder does not exist or is not a folder; create it, or set storage.path to a file in an existing folder"
    return f"{path}: {exc}; check the path and its permissions, or set storage.path elsewhere"


class Connection:
    """Owns the SQLite file. Table groups (mixins) use ``self.conn`` and nothing else."""

    conn: sqlite3.Connection

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
            conn.execute("PRAGMA foreign_keys = ON")  # a nudge never points at a question or audit row that is gone
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

    def transaction(self) -> AbstractContextManager[None]:
        """All-or-nothing: locked or full disks roll back and raise a StoreError.

        Inside an open transaction (a replay or catch-up batch) this joins it rather
        than opening a savepoint: the batch commits or rolls back as one.
        """
        return _JOINED if self.conn.in_transaction else self._atomic()

    @contextmanager
    def _atomic(self) -> Iterator[None]:
        self._transaction_bounds()
        try:
            with self.db.atomic():
                yield
        except BaseException as exc:
            self._rolled_back()
            if isinstance(exc, sqlite3.OperationalError):
                raise StoreError(self._explain(exc)) from None
            raise
        finally:
            self._transaction_bounds()

    def _transaction_bounds(self) -> None:
        """A transaction of ours begins or ends: what was known only inside it is dropped (see Tracker)."""

    def _rolled_back(self) -> None:
        """A transaction rolled back: in-memory knowledge of stored rows is dropped (see Tracker)."""
