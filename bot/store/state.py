"""``kv``: small state kept as JSON (catch-up cursors, digest markers, source health, alerts)."""

from __future__ import annotations

import json
import sqlite3
from typing import Any


class State:
    conn: sqlite3.Connection

    def get(self, key: str, default: Any = None) -> Any:
        row = self.conn.execute("SELECT value FROM kv WHERE key = ?", (key,)).fetchone()
        return default if row is None else json.loads(row[0])

    def put(self, key: str, value: Any) -> None:
        self.conn.execute("INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)", (key, json.dumps(value)))

    def state_items(self, prefix: str) -> list[tuple[str, Any]]:
        """Every (key, value) whose key starts with ``prefix``."""
        return [(k, json.loads(v)) for k, v in self.conn.execute("SELECT key, value FROM kv WHERE key LIKE ?", (prefix + "%",))]
