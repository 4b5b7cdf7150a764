"""Where each chat channel's history was last read from: one durable read point per channel.

Slack and Discord catch-up both keep these in the adapter's own small state (``port.state``), saved
before a channel is first read and moved on as each channel's catch-up is stored, so a crash mid
catch-up, or a channel with nothing stored yet, loses no message of the downtime.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from bot.store import StoreError

log = logging.getLogger(__name__)

READ_FROM = "read_from"  # the state key, in each adapter's own namespace


def load_points(port: Any) -> dict[str, datetime]:
    """channel -> the time its history is next read from; unreadable entries are skipped (read again by window)."""
    saved = port.state(READ_FROM)
    points: dict[str, datetime] = {}
    for channel, at in (saved if isinstance(saved, dict) else {}).items():
        try:
            points[str(channel)] = datetime.fromisoformat(at)
        except (TypeError, ValueError):
            continue
    return points


def save_points(port: Any, points: dict[str, datetime], platform: str) -> None:
    try:
        port.set_state(READ_FROM, {c: t.isoformat() for c, t in points.items()})
    except StoreError as exc:  # the catch-up itself will meet the same store and open its gaps
        log.warning("%s: could not record where history was read from (%s)", platform, exc)
