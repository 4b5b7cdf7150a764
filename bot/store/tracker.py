"""The facade: one object that callers hold, composed of the table groups.

A method belongs in the module of the table group it reads or writes; this class
only puts them together (the mixins share ``self.conn`` from ``base.Connection``).
"""

from __future__ import annotations

from pathlib import Path

from .audit import Audit
from .base import Connection
from .messages import Messages
from .nudges import Nudges
from .questions import Questions
from .retention import Retention
from .state import State


class Tracker(Connection, Messages, Questions, Nudges, Audit, State, Retention):
    """The store: one SQLite file (``Tracker(None)``: in memory)."""

    def __init__(self, path: str | Path | None) -> None:
        self._forget_authors_seen()
        self._forget_light_rows()
        super().__init__(path)

    def _rolled_back(self) -> None:
        self._forget_authors_seen()
        self._forget_light_rows()

    def _transaction_bounds(self) -> None:
        self._forget_light_rows()
