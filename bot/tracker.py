"""Compatibility shim: the store moved to the ``bot.store`` package.

Import from ``bot.store`` in new code; this module goes once every caller has moved.
"""

from .store import EXCERPT_LIMIT, Question, StoreError, Tracker, dt, excerpt, migrations, store_problem

__all__ = ["EXCERPT_LIMIT", "Question", "StoreError", "Tracker", "dt", "excerpt", "migrations", "store_problem"]
