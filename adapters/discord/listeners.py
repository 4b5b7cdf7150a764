"""Discord gateway listeners: discord.py's client with the intents we need and one handler per event.

It exists apart from inbound.py (the source: connection, retries, catch-up and the gate) so the
list of what the bot listens to, and the intents that let it, reads in one place. Every handler
only reads: it turns the gateway event into a call on the source, nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import discord

from . import translate
from .buttons import NudgeButton

if TYPE_CHECKING:
    from .inbound import DiscordSource


def intents() -> discord.Intents:
    """What the bot must see, nothing more (no members, no presences)."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.message_content = True
    wanted.guild_reactions = True
    return wanted


class _Client(discord.Client):
    """discord.py's client with our listeners; each one defers to the source."""

    def __init__(self, source: "DiscordSource", **options: Any) -> None:
        # The bot never joins voice: skip discord.py's warnings about missing voice libraries.
        discord.VoiceClient.warn_nacl = False
        discord.VoiceClient.warn_dave = False
        super().__init__(
            intents=intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            max_messages=None,  # raw events carry what we need; no message cache
            member_cache_flags=discord.MemberCacheFlags.none(),
            chunk_guilds_at_startup=False,
            **options,
        )
        self.source = source

    async def setup_hook(self) -> None:
        # Persistent buttons: any click on an "unanswered:…" id reaches us, even from old DMs.
        self.add_dynamic_items(NudgeButton)

    async def on_nudge_button(self, user_id: str, custom_id: str, ref: str) -> str:
        return await self.source.on_button(user_id, custom_id, ref)

    async def on_ready(self) -> None:
        await self.source.on_connected("ready")

    async def on_resumed(self) -> None:
        await self.source.on_connected("resumed")

    async def on_disconnect(self) -> None:
        self.source.on_disconnected()

    async def on_message(self, message: discord.Message) -> None:
        await self.source.on_message(message)

    async def on_raw_message_edit(self, event: discord.RawMessageUpdateEvent) -> None:
        await self.source.on_raw(event.channel_id, lambda lookup: translate.edit(event.data, lookup))

    async def on_raw_message_delete(self, event: discord.RawMessageDeleteEvent) -> None:
        data = {"id": event.message_id, "channel_id": event.channel_id}
        await self.source.on_raw(event.channel_id, lambda lookup: translate.delete(data, lookup, self.source.now()))

    async def on_raw_bulk_message_delete(self, event: discord.RawBulkMessageDeleteEvent) -> None:
        for message_id in sorted(event.message_ids):
            data = {"id": message_id, "channel_id": event.channel_id}

            def make(lookup: Any, d: dict[str, Any] = data) -> Any:
                return translate.delete(d, lookup, self.source.now())

            await self.source.on_raw(event.channel_id, make)

    async def on_raw_reaction_add(self, event: discord.RawReactionActionEvent) -> None:
        data = {
            "user_id": event.user_id,
            "channel_id": event.channel_id,
            "message_id": event.message_id,
            "emoji": {"name": event.emoji.name},
            "member": {"user": {"bot": bool(event.member and event.member.bot)}},
        }
        await self.source.on_raw(event.channel_id, lambda lookup: translate.reaction(data, lookup, self.source.now(), me=self.source.me))

    async def on_thread_create(self, thread: discord.Thread) -> None:
        await self.source.on_thread_create(thread)

    async def on_guild_channel_create(self, channel: discord.abc.GuildChannel) -> None:
        self.source.resolve_routes(warn=False)

    async def on_guild_channel_update(self, before: Any, after: Any) -> None:
        self.source.resolve_routes(warn=False)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        self.source.resolve_routes(warn=False)
