"""The Discord adapter: gateway ingest, catch-up, staff DMs with buttons, exports.

Modules: ``inbound`` (connection, listeners, catch-up), ``translate`` (pure:
payload dicts -> core events), ``outbound`` (the DM transport), ``buttons``
(persistent nudge buttons), ``invite`` (the least-privilege invite link),
``export`` (DiscordChatExporter files for replay). Imported only when the
configuration asks for Discord (see bot.wiring).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings

    from .inbound import DiscordSource


def source(settings: "Settings") -> "DiscordSource":
    from .inbound import DiscordSource

    return DiscordSource(settings)
