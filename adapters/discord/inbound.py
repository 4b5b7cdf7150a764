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
from typing import Any, Callable

import aiohttp
import discord

from bot.config import ConfigError, Settings
from bot.events import Event

from . import catchup, translate
from .listeners import _Client, intents
from .outbound import DiscordTransport
from .payload import payload_of
from .places import WATCHABLE_TYPES, Places, Watched
from .translate import Malformed, Place

log = logging.getLogger("unanswered.discord")

# Listeners and place resolution live in listeners.py and places.py; these names stay importable from here.
__all__ = ["BAD_TOKEN", "NO_CONTENT_INTENT", "TOKEN_ENV", "WATCHABLE_TYPES", "DiscordSource", "Unreachable", "Watched", "intents"]

TOKEN_ENV = "UNANSWERED_DISCORD__TOKEN"
READY_TIMEOUT = 60.0  # start() waits this long for the first catch-up before carrying on
CONNECT_RETRY = 5.0  # seconds before logging in again when Discord cannot be reached (doubles)
CONNECT_RETRY_MAX = 300.0

BAD_TOKEN = (
    f"discord token: Discord refused the token in {TOKEN_ENV}; copy a fresh one from the Developer Portal "
    "(https://discord.com/developers/applications → your app → Bot → Reset Token) and set it in the environment"
)
NO_CONTENT_INTENT = (
    "discord: the Message Content intent is switched off for this bot, so it cannot read questions; switch it on in the "
    "Developer Portal (https://discord.com/developers/applications → your app → Bot → Privileged Gateway Intents → "
    "Message Content Intent), save, and start again"
)


class Unreachable(OSError):
    """Discord could not be reached (no network yet): retried, never a config error."""


class DiscordSource(Places):
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

    async def logged_in(self) -> _Client:
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
