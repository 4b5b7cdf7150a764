"""One `unanswered run` per database: a lock file beside it, held with flock, naming its owner.

Two processes on one database (a deploy overlap, a second terminal) would both fire the
same due steps. The lock is ``<database>.lock``: an exclusive ``flock`` held for the life of
the process (the kernel drops it when the process dies, even by SIGKILL, so a crash never
leaves a stale lock), and the file holds the owner's pid and start time so the refusal can
name it.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import IO


class AlreadyRunning(Exception):
    """Another process holds the database's lock."""


class InstanceLock:
    def __init__(self, db_path: str | Path) -> None:
        self.path = Path(str(db_path) + ".lock")
        self._fh: IO[str] | None = None

    def acquire(self) -> "InstanceLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+", encoding="utf-8")
        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.seek(0)
            owner = fh.read().strip() or "unknown"
            fh.close()
            raise AlreadyRunning(
                f"another `unanswered run` ({owner}) is using {self.path.with_suffix('')}; stop it first "
                f"(kill {owner.split()[0].removeprefix('pid=')}), or set storage.path to another file"
            ) from None
        fh.seek(0)
        fh.truncate()
        fh.write(f"pid={os.getpid()} since {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())}\n")
        fh.flush()
        self._fh = fh
        return self

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh.fileno(), fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None
