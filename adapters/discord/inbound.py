"""The Discord connection: gateway listeners, catch-up from history, health.

Listeners only read. The client is built with the intents it needs to see
messages (guilds, guild messages, message content, guild reactions; no members,
no presences), and every listener hands a gateway-shaped dict to the pure
``translate`` module and the result to the hub. Raw events are used where a
message may not be in discord.py's cache (edits, deletes, reactions).

Catch-up (adapters/discord/catchup.py) runs on ready and on every resume. Every
event goes through the ingest gate (bot/ingest_gate.py): per-channel order, held
during catch-up, gaps re-read with back-off. The adapter reaches the core only
through its ``ChatPort``. No network at start is not fatal: the source keeps
trying with back-off (health: failing); a refused token is.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, Callable

import aiohttp
import discord

from bot.config import ConfigError, Route, Settings
from bot.events import Event

from . import catchup, translate
from .buttons import NudgeButton
from .outbound import DiscordTransport
from .payload import payload_of
from .translate import Malformed, Place

log = logging.getLogger("unanswered.discord")

TOKEN_ENV = "UNANSWERED_DISCORD__TOKEN"
READY_TIMEOUT = 60.0  # start() waits this long for the first catch-up before carrying on
CONNECT_RETRY = 5.0  # seconds before logging in again when Discord cannot be reached (doubles)
CONNECT_RETRY_MAX = 300.0
WATCHABLE_TYPES = (discord.TextChannel, discord.ForumChannel, discord.VoiceChannel, discord.StageChannel)

BAD_TOKEN = (
    f"discord token: Discord refused the token in {TOKEN_ENV}; copy a fresh one from the Developer Portal "
    "(https://discord.com/developers/applications → your app → Bot → Reset Token) and set it in the environment"
)
NO_CONTENT_INTENT = (
    "discord: the Message Content intent is switched off for this bot, so it cannot read questions; switch it on in the "
    "Developer Portal (https://discord.com/developers/applications → your app → Bot → Privileged Gateway Intents → "
    "Message Content Intent), save, and start again"
)


def intents() -> discord.Intents:
    """What the bot must see, nothing more (no members, no presences)."""
    wanted = discord.Intents.none()
    wanted.guilds = True
    wanted.guild_messages = True
    wanted.message_content = True
    wanted.guild_reactions = True
    return wanted


class Unreachable(OSError):
    """Discord could not be reached (no network yet): retried, never a config error."""


@dataclass
class Watched:
    channel: discord.abc.GuildChannel
    route: Route


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
            await self.source.on_raw(event.channel_id, lambda lookup, d=data: translate.delete(d, lookup, self.source.now()))

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


class DiscordSource:
    name = "discord"

    def __init__(self, settings: Settings, *, ready_timeout: float = READY_TIMEOUT, **client_options: Any) -> None:
        """``client_options`` go to discord.Client (tests shorten ``guild_ready_timeout``)."""
        self.settings = settings
        self.ready_timeout = ready_timeout
        self.client_options = client_options
        self.port: Any = None  # a ChatPort: the only part of the core this adapter reaches
        self.client: _Client | None = None
        self.watched: dict[str, Watched] = {}
        self.catch_ups = 0
        self.caught_up_messages = 0
        self._transport = DiscordTransport(self.logged_in)
        self._login_lock = asyncio.Lock()
        self._logged_in = False
        self._fetched: dict[str, Place] = {}  # places of channels discord.py had not cached
        self._synced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._old_base: str | None = None
        self.catch_up_retry: float | None = None  # seconds before a failed catch-up is tried again (None: the gate's)
        self.connect_retry = CONNECT_RETRY
        self._reconnecting: asyncio.Task[None] | None = None
        self._new_threads: set[int] = set()  # threads created while we watch, no message seen yet
        self._starterless: dict[int, bool] = {}  # thread id -> it has no starter message

    # ------------------------------------------------------------------ lifecycle

    def transport(self) -> DiscordTransport:
        return self._transport

    @property
    def me(self) -> str | None:
        return str(self.client.user.id) if self.client and self.client.user else None

    def now(self) -> Any:
        return self.port.clock.now()

    async def logged_in(self) -> discord.Client:
        """The client, logged in (REST works; the gateway may not be up yet). Used by the transport too."""
        async with self._login_lock:
            if self.client is None:
                if self.settings.discord.api_url:
                    # Tests and proxies: discord.py reads Route.BASE whenever it builds a request.
                    self._old_base = discord.http.Route.BASE
                    discord.http.Route.BASE = self.settings.discord.api_url.rstrip("/")
                self.client = _Client(self, **self.client_options)
            if not self._logged_in:
                token = self.settings.discord.token
                if token is None or not token.get_secret_value().strip():
                    raise ConfigError([f"discord: no token; set {TOKEN_ENV} (Developer Portal → your app → Bot → Reset Token)"])
                try:
                    await self.client.login(token.get_secret_value())
                except discord.LoginFailure:
                    raise ConfigError([BAD_TOKEN]) from None
                except (discord.HTTPException, aiohttp.ClientError, OSError) as exc:
                    if isinstance(exc, discord.HTTPException) and exc.status < 500:
                        raise ConfigError([f"discord: Discord refused the login ({exc.status}); check {TOKEN_ENV}"]) from None
                    raise Unreachable(
                        f"cannot reach Discord to log in ({type(exc).__name__}); check the network"
                        + (" and discord.api_url" if self.settings.discord.api_url else "")
                    ) from None
                self._logged_in = True
        return self.client

    async def start(self, hub: Any) -> None:
        """Log in, connect, and wait (up to ``ready_timeout``) for the first catch-up.

        Waiting matters: the scheduler starts after the sources, and deadlines must be
        judged against what happened while the bot was down. Without network it returns
        at once and keeps trying in the background, so the other sources run.
        """
        self.port = hub.chat_port(self.name)
        if self.catch_up_retry is not None:
            self.port.gate.retry = self.catch_up_retry
        self.port.gate.catch_up = self.catch_up
        try:
            client = await self.logged_in()
        except ConfigError:
            await self.stop()  # close the HTTP session: the process is about to exit
            raise
        except Unreachable as exc:
            self._unreachable(exc)
            self._reconnecting = asyncio.create_task(self._keep_trying(), name="discord-login-retry")
            return
        self._task = asyncio.create_task(self._connect(client), name="discord-gateway")
        # A failure after start-up is already logged and reported as health by _connect.
        self._task.add_done_callback(lambda task: task.cancelled() or task.exception())
        synced = asyncio.create_task(self._synced.wait())
        done, _ = await asyncio.wait({self._task, synced}, timeout=self.ready_timeout, return_when=asyncio.FIRST_COMPLETED)
        if self._task in done:
            synced.cancel()
            await self.stop()
            self._task.result()  # raises the ConfigError (or whatever ended the connection)
            raise ConfigError(["discord: the gateway connection closed before the bot was ready"])
        if synced not in done:
            synced.cancel()
            self.port.report(False, f"not connected after {self.ready_timeout:.0f}s; still trying")

    def _unreachable(self, exc: BaseException) -> None:
        log.warning("discord: %s; retrying in %.0fs", exc, self.connect_retry)
        self.port.report(False, f"{exc}; retrying")

    async def _keep_trying(self) -> None:
        delay = self.connect_retry
        while True:
            await asyncio.sleep(delay)
            try:
                client = await self.logged_in()
            except ConfigError as exc:
                self._failed(exc.problems[0])
                return
            except Unreachable as exc:
                self._unreachable(exc)
                delay = min(delay * 2, CONNECT_RETRY_MAX)
                continue
            self._task = asyncio.create_task(self._connect(client), name="discord-gateway")
            self._task.add_done_callback(lambda task: task.cancelled() or task.exception())
            return

    async def _connect(self, client: _Client) -> None:
        try:
            await client.connect(reconnect=True)
        except discord.PrivilegedIntentsRequired:
            self._failed(NO_CONTENT_INTENT)
            raise ConfigError([NO_CONTENT_INTENT]) from None
        except discord.ConnectionClosed as exc:
            if exc.code == 4004:  # authentication failed
                self._failed(BAD_TOKEN)
                raise ConfigError([BAD_TOKEN]) from None
            detail = f"the gateway closed the connection (code {exc.code}: {exc.reason or 'no reason given'})"
            self._failed(detail)
            raise ConfigError([f"discord: {detail}"]) from None

    def _failed(self, detail: str) -> None:
        log.error("discord: %s", detail)
        if self.port is not None:
            self.port.report(False, detail)

    async def stop(self) -> None:
        if self._reconnecting is not None:
            self._reconnecting.cancel()
        if self.port is not None:
            await self.port.gate.stop()
        if self.client is not None:
            await self.client.close()
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except (asyncio.CancelledError, Exception):
                pass
        if self._old_base is not None:
            discord.http.Route.BASE = self._old_base

    # ------------------------------------------------------------------ connection events

    async def on_connected(self, how: str) -> None:
        assert self.port is not None and self.client is not None
        self.resolve_routes(warn=how == "ready")
        guilds = len(self.client.guilds)
        self.port.report(True, f"{how}: watching {len(self.watched)} channel(s) in {guilds} server(s)")
        try:
            await self.catch_up()
        except Exception as exc:  # a catch-up bug must not stop live events
            log.exception("discord: catch-up failed")
            self.port.report(False, f"catch-up failed: {type(exc).__name__}")
        finally:
            self._synced.set()

    def on_disconnected(self) -> None:
        if self.port is not None:
            self.port.report(False, "disconnected from the gateway; reconnecting")

    async def on_button(self, user_id: str, custom_id: str, ref: str) -> str:
        return await self.port.handle_button(user_id, custom_id, ref)

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
        guild = str(channel.guild.id) if getattr(channel, "guild", None) else None
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
            parent = self.client.get_channel(int(data.get("parent_id") or 0))
            self._fetched[key] = translate.place_from_channel(data, getattr(parent, "name", None))  # type: ignore[arg-type]
        except (discord.HTTPException, Malformed, ValueError) as exc:
            log.debug("channel %s is unknown (%s); its messages are ignored", key, type(exc).__name__)
            self._fetched[key] = Place(channel=key)

    # ------------------------------------------------------------------ threads without a starter

    async def on_thread_create(self, thread: discord.Thread) -> None:
        self._new_threads.add(thread.id)

    def remember_thread(self, place: Any) -> None:
        """Catch-up reads a thread: its next live message is not its first."""
        self._new_threads.discard(getattr(place, "id", 0))

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
                    await parent.fetch_message(place.id)  # type: ignore[union-attr]
                    self._starterless[place.id] = False
                except discord.NotFound:
                    self._starterless[place.id] = True
                except (discord.HTTPException, aiohttp.ClientError, OSError, asyncio.TimeoutError, AttributeError):
                    return False
        return self._starterless[place.id]

    # ------------------------------------------------------------------ live events

    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None:
            return  # DMs to the bot are not community questions
        channel = message.channel

        async def prepare() -> list[Event]:
            opens = False
            if isinstance(channel, discord.Thread) and channel.id in self._new_threads:
                self._new_threads.discard(channel.id)
                opens = await self.opens_thread(channel, message.id, read_from=None)
            await self._learn(channel.id)
            return self._take(lambda lookup: translate.message(payload_of(message), lookup, me=self.me, opens_thread=opens))

        await self.port.gate.submit(str(channel.id), prepare)

    async def on_raw(self, channel_id: int, make: Callable[[Any], Event | None]) -> None:
        async def prepare() -> list[Event]:
            await self._learn(channel_id)
            return self._take(make)

        await self.port.gate.submit(str(channel_id), prepare)

    def _take(self, make: Callable[[Any], Event | None]) -> list[Event]:
        try:
            event = make(self.lookup)
        except (Malformed, KeyError, TypeError, ValueError, AttributeError) as exc:
            # Logged without the payload: it holds member text.
            log.warning("skipped a malformed discord payload: %s: %s", type(exc).__name__, exc if isinstance(exc, Malformed) else "")
            return []
        if event is None or event.channel not in self.watched:
            return []
        return [event]

    async def catch_up(self) -> int:
        """Read what was missed in every watched channel; returns how many messages were read."""
        return await catchup.catch_up(self)


__all__ = ["DiscordSource", "intents", "payload_of"]
