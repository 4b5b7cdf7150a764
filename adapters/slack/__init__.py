"""Slack adapter: live ingest (Socket Mode or HTTP), history catch-up, staff DMs, manifest, export replay.

``source`` imports the Slack libraries only when called, so ``replay --format
slack-export`` and ``slack-manifest`` stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings

    from .inbound import SlackSource


def source(settings: "Settings") -> "SlackSource":
    from .inbound import SlackSource

    return SlackSource(settings)
