"""The store: one SQLite file, and the only code that speaks SQL.

- ``schema``: tables and migrations;
- ``base``: the connection, pragmas, transactions, errors phrased for a person;
- one module per table group: ``messages`` (and authors), ``questions``,
  ``nudges`` (and staff actions), ``audit``, ``state`` (kv), ``retention``;
- ``tracker``: the ``Tracker`` facade composing them, the one object callers hold.
"""

from .base import StoreError, dt, store_problem, when
from .questions import EXCERPT_LIMIT, Question, excerpt
from .schema import migrations
from .tracker import Tracker

__all__ = ["EXCERPT_LIMIT", "Question", "StoreError", "Tracker", "dt", "excerpt", "migrations", "store_problem", "when"]
