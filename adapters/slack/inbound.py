"""Slack inbound: the Bolt app, its listeners, and history catch-up.

Listeners ask Bolt only for ``body`` (and ``ack`` for buttons): never ``say``,
``respond`` or ``client``, so nothing here can write to a channel. Everything
received goes through ``translate`` and then to the hub.

Connection: Socket Mode by default (app-level token, no public URL), or HTTP
(Events API with signature verification) when ``slack.mode = "http"``.

Catch-up (adapters/slack/catchup.py) runs on start and after every reconnect. Every
event goes through the ingest gate (bot/ingest_gate.py): per-channel order, held
during catch-up, gaps re-read with back-off. The adapter reaches the core only
through its ``ChatPort``. No network at start is not fatal: the source keeps trying
with back-off (health shows it failing) while the others run; a refused token is.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections import OrderedDict
from typing import Any

import aiohttp
from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import ConfigError, Settings
from bot.events import Event

from . import catchup, translate
from .channels import ChannelLookups
from .connection import HTTP_PATH, Connections
from .outbound import SlackTransport, api_error

# Token checks and the client live in tokens.py; they stay importable from here.
from .tokens import (
    APP_TOKEN_VAR,
    AUTH_ERRORS,
    BOT_TOKEN_VAR,
    SIGNING_VAR,
    WHERE_APP,
    WHERE_BOT,
    WHERE_SIGNING,
    check_tokens,
    make_client,
    retry_handlers,
)

log = logging.getLogger("unanswered.slack")

__all__ = [
    "APP_TOKEN_VAR",
    "AUTH_ERRORS",
    "HTTP_PATH",
    "BOT_TOKEN_VAR",
    "SIGNING_VAR",
    "WHERE_APP",
    "WHERE_BOT",
    "WHERE_SIGNING",
    "SlackSource",
    "check_tokens",
    "make_client",
    "retry_handlers",
]


SEEN_EVENTS = 5000  # event ids remembered to drop Events API redeliveries
CONNECT_RETRY = 5.0  # seconds before connecting again when Slack cannot be reached (doubles)
CONNECT_RETRY_MAX = 300.0
NETWORK_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _error(exc: SlackApiError) -> str:
    return api_error(exc)[0]  # safe when the answer was not JSON at all


class SlackSource(ChannelLookups, Connections):
    name = "slack"

    def __init__(self, settings: Settings, *, client: AsyncWebClient | None = None, http_port: int | None = None, http_host: str = "0.0.0.0") -> None:
        problems = check_tokens(settings)
        if problems:
            raise ConfigError(problems)
        self.settings = settings
        self.mode = settings.slack.mode
        self.client = client or make_client(settings)
        self.ctx = translate.Context()
        staff = [c.channel for c in settings.staff_channels.values() if c.platform == "slack"]
        self._transport = SlackTransport(self.client, staff_channels=staff)
        self.watched: dict[str, str | None] = {}  # channel id -> name
        self._unresolved: dict[str, int] = {}  # route channel name -> route index, not seen yet
        self._checked: set[str] = set()  # channel ids looked up lazily
        self._looked_up: set[str] = set()  # user ids already asked about
        self._seen: OrderedDict[str, None] = OrderedDict()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._hellos = 0
        self.port: Any = None  # a ChatPort: the only part of the core this adapter reaches
        self.socket: AsyncSocketModeHandler | None = None
        self._runner: web.AppRunner | None = None
        self.http_host = http_host
        self.http_port = http_port if http_port is not None else settings.slack.http_port
        self.catchups = 0
        self.last_catch_up: dict[str, float] = {}
        self.catch_up_retry: float | None = None  # seconds before a failed catch-up is tried again (None: the gate's)
        self.connect_retry = CONNECT_RETRY
        # How often Socket Mode pings: an abrupt cut is noticed (and reconnected) within about twice this.
        self.socket_ping_interval = 10.0
        self.app = self._build_app()

    # ------------------------------------------------------------------ Bolt

    def _build_app(self) -> AsyncApp:
        secret = self.settings.slack.signing_secret.get_secret_value() if self.settings.slack.signing_secret else ""
        app = AsyncApp(
            name="unanswered",
            client=self.client,
            signing_secret=secret,
            request_verification_enabled=self.mode == "http",
            ignoring_self_events_enabled=True,
        )
        app.event("message")(self._on_message)
        app.event("reaction_added")(self._on_reaction)
        app.action(re.compile(r"^unanswered:"))(self._on_button)
        return app

    async def _on_message(self, body: dict[str, Any]) -> None:
        await self._live(body)

    async def _on_reaction(self, body: dict[str, Any]) -> None:
        await self._live(body)

    async def _on_button(self, ack: Any, body: dict[str, Any]) -> None:
        await ack()  # first: Slack shows an error to the moderator after 3 seconds without it
        user = _obj(body.get("user")).get("id")
        container = _obj(body.get("container"))
        channel = container.get("channel_id") or _obj(body.get("channel")).get("id")
        ts = container.get("message_ts") or _obj(body.get("message")).get("ts")
        ref = f"{channel}:{ts}" if isinstance(channel, str) and isinstance(ts, str) else None
        if not isinstance(user, str):
            log.warning("skipped a button click without a user")
            return
        actions = body.get("actions")
        for action in actions if isinstance(actions, list) else []:
            custom = _obj(action).get("action_id") or _obj(action).get("value")
            if isinstance(custom, str):
                outcome = await self.port.handle_button(user, custom, ref)
                log.info("button %s: %s", custom[:60], outcome)

    # ------------------------------------------------------------------ live events

    def _first_time(self, event_id: Any) -> bool:
        """False for an Events API redelivery (X-Slack-Retry-Num) of an event already applied."""
        if not isinstance(event_id, str):
            return True
        if event_id in self._seen:
            return False
        self._seen[event_id] = None
        if len(self._seen) > SEEN_EVENTS:
            self._seen.popitem(last=False)
        return True

    async def _live(self, body: dict[str, Any]) -> None:
        evt = body.get("event")
        channel = translate.event_channel(evt)
        if channel is None:
            return

        async def prepare() -> list[Event]:
            # The slow part (lookups) runs concurrently; the gate applies this channel's events in arrival order.
            if not await self._is_watched(channel):
                return []
            if not self._first_time(body.get("event_id")):
                log.debug("dropped a redelivered event %s", body.get("event_id"))
                return []
            if isinstance(evt, dict) and isinstance(evt.get("user"), str):
                await self.learn_user(evt["user"])
            try:
                return translate.event(evt, self.ctx)
            except translate.Malformed as exc:
                log.warning("skipped a Slack %s event: %s", str(evt.get("type") if isinstance(evt, dict) else None)[:40], exc)
                return []

        await self.port.gate.submit(channel, prepare)

    # ------------------------------------------------------------------ start / stop

    def transport(self) -> SlackTransport:
        return self._transport

    async def start(self, hub: Any) -> None:
        """Connect and catch up. Without network this returns at once and keeps trying in the
        background (health: failing), so the other sources run; a refused token raises ConfigError."""
        self.port = hub.chat_port(self.name)
        if self.catch_up_retry is not None:
            self.port.gate.retry = self.catch_up_retry
        self.port.gate.catch_up = self.catch_up
        try:
            await self._connect()
        except NETWORK_ERRORS + (SlackApiError,) as exc:
            if isinstance(exc, SlackApiError) and _error(exc) in AUTH_ERRORS:
                raise
            self._unreachable(exc)
            self._spawn(self._keep_connecting())

    def _unreachable(self, exc: BaseException) -> None:
        why = _error(exc) if isinstance(exc, SlackApiError) else (type(exc).__name__ + (f": {exc}" if str(exc) else ""))
        log.warning(
            "slack: cannot reach Slack (%s); retrying in %.0fs (check the network%s)",
            why[:200],
            self.connect_retry,
            " and slack.api_url" if self.settings.slack.api_url else "",
        )
        self.port.report(False, f"cannot reach Slack ({why[:120]}); retrying")

    async def _keep_connecting(self) -> None:
        delay = self.connect_retry
        while True:
            await asyncio.sleep(delay)
            try:
                await self._connect()
                return
            except ConfigError as exc:
                log.error("slack: %s", "; ".join(exc.problems))
                self.port.report(False, exc.problems[0])
                return
            except NETWORK_ERRORS + (SlackApiError,) as exc:
                self._unreachable(exc)
            delay = min(delay * 2, CONNECT_RETRY_MAX)

    async def _connect(self) -> None:
        await self._authenticate()
        await self._resolve_channels()
        async with self.port.gate.holding():  # live events wait for the first catch-up
            if self.mode == "http":
                await self._serve_http()
            else:
                await self._connect_socket()
            await self.catch_up()

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        if self.port is not None:
            await self.port.gate.stop()
        if self.socket is not None:
            await self.socket.close_async()
            self.socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def _authenticate(self) -> None:
        try:
            auth = await self.client.auth_test()
        except SlackApiError as exc:
            if _error(exc) in AUTH_ERRORS:
                raise ConfigError([f"{BOT_TOKEN_VAR} was refused by Slack ({_error(exc)}); copy a current token from {WHERE_BOT}"]) from None
            raise
        self.ctx.self_user = auth.get("user_id")
        if self.ctx.self_user:
            self.ctx.bot_users.add(self.ctx.self_user)
        url = auth.get("url")
        self.ctx.workspace_url = url if isinstance(url, str) and url.startswith("https://") else None

    def _spawn(self, coro: Any) -> None:
        task = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _catch_up_holding(self) -> None:
        try:
            await self.catch_up()
        except Exception as exc:
            log.warning("catch-up after reconnect failed: %s", type(exc).__name__)

    async def catch_up(self) -> int:
        """Read what was said while we were away and apply it with its real times. Returns events applied."""
        return await catchup.catch_up(self)
