"""Where a Discord channel id sits: routes resolved to channels, unknown channels looked up, and threads.

It exists apart from inbound.py because resolving is its own question with its own failures: a route
may name a channel the bot cannot see (not invited, no permission), discord.py may not have cached a
channel (an archived thread coming back), and a thread may have no starter message (its first
message is then the question). ``DiscordSource`` inherits it.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

import aiohttp
import discord

from bot.config import Route

from . import translate
from .listeners import _Client
from .translate import Malformed, Place

log = logging.getLogger("unanswered.discord")


WATCHABLE_TYPES = (discord.TextChannel, discord.ForumChannel, discord.VoiceChannel, discord.StageChannel)


@dataclass
class Watched:
    channel: discord.abc.GuildChannel
    route: Route


class Places:
    port: Any
    client: _Client | None
    watched: dict[str, Watched]
    _fetched: dict[str, Place]
    _new_threads: set[int]
    _starterless: dict[int, bool]

    # ------------------------------------------------------------------ routes

    def resolve_routes(self, *, warn: bool) -> None:
        """Map the configured discord routes (by id, "#name" or "name") to channels the bot can see."""
        assert self.port is not None and self.client is not None
        routes = self.port.watched_routes()
        found: dict[str, Watched] = {}
        missing: list[str] = []
        for route in routes:
            key = route.channel.lstrip("#").lower()
            matches = [
                ch
                for guild in self.client.guilds
                for ch in guild.channels
                if isinstance(ch, WATCHABLE_TYPES) and (str(ch.id) == route.channel or ch.name.lower() == key)
            ]
            if not matches:
                missing.append(route.channel)
            for ch in matches:
                found.setdefault(str(ch.id), Watched(ch, route))
        self.watched = found
        if not warn:
            return
        if missing:
            log.warning(
                "discord: the bot cannot see these configured channels: %s; check the id/name, that the bot was invited "
                "to that server (`unanswered discord-invite`), and that it has View Channel there",
                ", ".join(missing),
            )
        for w in found.values():
            me = w.channel.guild.me
            if me is None:
                continue
            perms = w.channel.permissions_for(me)
            if not (perms.view_channel and perms.read_message_history):
                log.warning("discord: #%s: the bot lacks View Channel or Read Message History there; it will miss messages", w.channel.name)

    # ------------------------------------------------------------------ where a channel id sits

    def lookup(self, channel_id: str) -> Place | None:
        if channel_id in self._fetched:
            return self._fetched[channel_id]
        assert self.client is not None
        channel = self.client.get_channel(int(channel_id))
        if channel is None:
            return None
        where = getattr(channel, "guild", None)  # private channels have none
        guild = str(where.id) if where else None
        if isinstance(channel, discord.Thread):
            parent = channel.parent
            return Place(channel=str(channel.parent_id), name=parent.name if parent else None, guild=guild, thread=str(channel.id))
        return Place(channel=str(channel.id), name=getattr(channel, "name", None), guild=guild)

    async def _learn(self, channel_id: int) -> None:
        """A channel discord.py has not cached (e.g. an archived thread coming back): ask once."""
        key = str(channel_id)
        if key in self._fetched or self.lookup(key) is not None:
            return
        assert self.client is not None
        try:
            data = await self.client.http.get_channel(channel_id)
            parent = self.client.get_channel(int(str(data.get("parent_id") or 0)))
            self._fetched[key] = translate.place_from_channel(data, getattr(parent, "name", None))
        except (discord.HTTPException, Malformed, ValueError) as exc:
            log.debug("channel %s is unknown (%s); its messages are ignored", key, type(exc).__name__)
            self._fetched[key] = Place(channel=key)

    # ------------------------------------------------------------------ threads without a starter

    async def on_thread_create(self, thread: discord.Thread) -> None:
        self._new_threads.add(thread.id)

    def remember_thread(self, place: Any) -> None:
        """Catch-up reads a thread: its next live message is not its first. An archived thread is not
        in discord.py's cache: remember where it sits, or its messages would belong to no channel."""
        self._new_threads.discard(getattr(place, "id", 0))
        if isinstance(place, discord.Thread) and self.lookup(str(place.id)) is None:
            parent = place.parent
            self._fetched[str(place.id)] = Place(
                channel=str(place.parent_id), name=getattr(parent, "name", None), guild=str(place.guild.id), thread=str(place.id)
            )

    async def opens_thread(self, place: Any, message_id: int, *, read_from: int | None) -> bool:
        """Whether this (first read) message of ``place`` is the question of a thread with no starter message."""
        if not isinstance(place, discord.Thread) or message_id == place.id or isinstance(place.parent, discord.ForumChannel):
            return False  # forum posts keep their starter (id == thread id): translate handles them
        if read_from is not None and read_from >= place.id:
            return False  # we did not read this thread from its start
        if place.id not in self._starterless:
            if place.type == discord.ChannelType.private_thread:
                self._starterless[place.id] = True
            else:
                parent = place.parent
                try:
                    await parent.fetch_message(place.id)  # type: ignore[union-attr]  # a thread of a forum/text channel: its parent is a messageable channel; None is caught below
                    self._starterless[place.id] = False
                except discord.NotFound:
                    self._starterless[place.id] = True
                except (discord.HTTPException, aiohttp.ClientError, OSError, asyncio.TimeoutError, AttributeError):
                    return False
        return self._starterless[place.id]
