"""``messages`` and ``authors``: ids, authors and times of every message seen (never text).

``reply_to`` is kept so that a reply stored before its question (a slow lookup, an
out-of-order history) can still answer it (``earlier_reply``). The ``deleted`` column is
no longer written (a deleted question is marked in ``questions``); it stays in the schema
because dropping a column rebuilds the largest table of every existing install.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime

from ..events import Message
from .base import when

AUTHORS_REMEMBERED = 100_000  # (platform, author) pairs whose first_seen bound is kept in memory


class Messages:
    conn: sqlite3.Connection
    # (platform, author) -> a time at or after that author's stored first_seen. A message at or
    # after it cannot lower first_seen, so the hot path skips the authors upsert for it.
    # Forgotten when a transaction rolls back (the stored rows may be gone with it).
    _authors_seen: dict[tuple[str, str], float]

    def _forget_authors_seen(self) -> None:
        self._authors_seen = {}

    def add_message(self, m: Message) -> bool:
        """Store a message's ids and time; False if it was already stored (a redelivery)."""
        at = m.at.timestamp()
        cur = self.conn.execute(
            "INSERT OR IGNORE INTO messages (platform, channel, msg_id, thread, reply_to, author, is_bot, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (m.platform, m.channel, m.id, m.thread, m.reply_to, m.author, int(m.author_is_bot), at),
        )
        if cur.rowcount != 1:
            return False
        key = (m.platform, m.author)
        seen = self._authors_seen.get(key)
        joined = m.author_joined_at.timestamp() if m.author_joined_at else None
        if seen is not None and seen <= at and joined is None:
            return True  # first_seen <= seen <= at and no join date to add: the upsert would change nothing
        # Histories can arrive out of order (catch-up): keep the earliest time.
        self.conn.execute(
            "INSERT INTO authors (platform, author, first_seen, joined_at) VALUES (?, ?, ?, ?)"
            " ON CONFLICT (platform, author) DO UPDATE SET first_seen = min(first_seen, excluded.first_seen),"
            " joined_at = coalesce(excluded.joined_at, joined_at)"
            " WHERE excluded.first_seen < first_seen OR (excluded.joined_at IS NOT NULL AND joined_at IS NULL)",
            (m.platform, m.author, at, joined),
        )
        if len(self._authors_seen) >= AUTHORS_REMEMBERED:
            self._authors_seen.clear()
        self._authors_seen[key] = at
        return True

    def message(self, platform: str, channel: str, msg_id: str) -> sqlite3.Row | None:
        return self.conn.execute("SELECT * FROM messages WHERE platform = ? AND channel = ? AND msg_id = ?", (platform, channel, msg_id)).fetchone()

    def has_spoken_before(self, platform: str, author: str, before: datetime) -> bool:
        seen = self._authors_seen.get((platform, author))
        if seen is not None and seen < before.timestamp():
            return True  # stored first_seen <= seen (see _authors_seen): no need to ask the table
        return (
            self.conn.execute(
                "SELECT 1 FROM authors WHERE platform = ? AND author = ? AND first_seen < ?",
                (platform, author, before.timestamp()),
            ).fetchone()
            is not None
        )

    def joined_before(self, platform: str, author: str, before: datetime) -> bool:
        """Did the platform say this author joined before ``before``?"""
        row = self.conn.execute("SELECT joined_at FROM authors WHERE platform = ? AND author = ?", (platform, author)).fetchone()
        return row is not None and row[0] is not None and row[0] < before.timestamp()

    def memory_start(self) -> float | None:
        """When the tracker first saw anyone (UNIX seconds): how far back "who is new" can be told."""
        row = self.conn.execute("SELECT MIN(first_seen) FROM authors").fetchone()
        return None if row is None or row[0] is None else float(row[0])

    def last_message(self, platform: str, channel: str) -> tuple[str, datetime] | None:
        """The newest stored message of a channel: where history catch-up resumes."""
        row = self.conn.execute(
            "SELECT msg_id, at FROM messages WHERE platform = ? AND channel = ? ORDER BY at DESC LIMIT 1",
            (platform, channel),
        ).fetchone()
        return None if row is None else (row["msg_id"], when(row["at"]))

    def recent_talk(self, platform: str, channel: str, before: datetime, limit: int) -> list[sqlite3.Row]:
        """The channel's latest ``limit`` top-level human messages before ``before``, oldest first: msg_id,
        author, at and, for those taken for questions, the stored excerpt and the asker's name (is_question
        1). What a channel memory started after a restart can know of the talk (other texts are not kept)."""
        rows = self.conn.execute(
            "SELECT m.msg_id, m.author, m.at, q.excerpt, q.author_name, q.id IS NOT NULL AS is_question FROM messages m"
            " LEFT JOIN questions q ON q.platform = m.platform AND q.channel = m.channel AND q.msg_id = m.msg_id"
            " WHERE m.platform = ? AND m.channel = ? AND m.at < ? AND m.is_bot = 0 AND m.deleted = 0"
            " AND (m.thread IS NULL OR m.thread = m.msg_id) AND m.reply_to IS NULL ORDER BY m.at DESC LIMIT ?",
            (platform, channel, before.timestamp(), limit),
        ).fetchall()
        return rows[::-1]

    def any_message_before(self, end: datetime) -> bool:
        """Was anything tracked before ``end``? (Was the bot watching that week?)"""
        return self.conn.execute("SELECT 1 FROM messages WHERE at < ? LIMIT 1", (end.timestamp(),)).fetchone() is not None

    def posted_by_bot(self, platform: str, channel: str, msg_id: str) -> bool:
        """Was this stored message posted by a bot? One probe of the messages key index."""
        row = self.conn.execute("SELECT is_bot FROM messages WHERE platform = ? AND channel = ? AND msg_id = ?", (platform, channel, msg_id)).fetchone()
        return row is not None and bool(row[0])

    def earlier_reply(self, platform: str, channel: str, msg_id: str, asker: str) -> sqlite3.Row | None:
        """The first stored human reply to ``msg_id`` by someone other than the asker: a reply
        that reached the store before its question (a slow lookup, an out-of-order history)."""
        # Two index lookups (messages_thread, messages_reply) in one statement: an OR would scan the channel.
        rows = self.conn.execute(
            "SELECT * FROM (SELECT msg_id, author, at, 0 AS k FROM messages INDEXED BY messages_thread WHERE platform = ? AND channel = ?"
            " AND thread = ? AND is_bot = 0 AND author != ? AND msg_id != ? ORDER BY at LIMIT 1)"
            " UNION ALL SELECT * FROM (SELECT msg_id, author, at, 1 AS k FROM messages INDEXED BY messages_reply WHERE platform = ?"
            " AND channel = ? AND reply_to = ? AND is_bot = 0 AND author != ? AND msg_id != ? ORDER BY at LIMIT 1)",
            (platform, channel, msg_id, asker, msg_id) * 2,
        ).fetchall()
        return min(rows, key=lambda r: (r["at"], r["k"])) if rows else None  # a tie: the thread reply, as before
