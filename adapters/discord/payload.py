"""A discord.py Message back in the gateway's shape, for ``translate.message`` (live and catch-up)."""

from __future__ import annotations

from typing import Any

import discord


def payload_of(message: discord.Message) -> dict[str, Any]:
    """A discord.py Message back in the gateway's shape, for ``translate.message``."""
    author = message.author
    reference = message.reference
    replied_to = reference.message_id if reference is not None and reference.type == discord.MessageReferenceType.reply else None
    return {
        "id": str(message.id),
        "channel_id": str(message.channel.id),
        "guild_id": str(message.guild.id) if message.guild else None,
        "type": message.type.value,
        "content": message.content,
        "webhook_id": str(message.webhook_id) if message.webhook_id else None,
        "author": {
            "id": str(author.id),
            "username": author.name,
            "global_name": author.global_name,
            "bot": author.bot,
            "system": author.system,
        },
        "member": {"nick": getattr(author, "nick", None)},
        "mentions": [{"id": str(user.id)} for user in message.mentions],
        "message_reference": {"message_id": str(replied_to)} if replied_to is not None else None,
    }
