"""Slack connections: Socket Mode (an app-level token, no public URL) or HTTP (the Events API).

It exists apart from inbound.py (the source: start-up retry, listeners, catch-up) because each way of
connecting has its own set-up and its own failures: Socket Mode checks the app token once, clearly,
and counts ``hello`` frames to catch up after a reconnect; HTTP serves one verified endpoint.
``SlackSource`` inherits it.
"""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import ConfigError, Settings

from .outbound import api_error
from .tokens import APP_TOKEN_VAR, AUTH_ERRORS, WHERE_APP

HTTP_PATH = "/slack/events"


def _error(exc: SlackApiError) -> str:
    return api_error(exc)[0]  # safe when the answer was not JSON at all


class Connections:
    settings: Settings
    client: AsyncWebClient
    app: AsyncApp
    port: Any
    socket: AsyncSocketModeHandler | None
    socket_ping_interval: float
    _hellos: int
    _runner: web.AppRunner | None
    http_host: str
    http_port: int
    _spawn: Any
    _catch_up_holding: Any

    async def _connect_socket(self) -> None:
        token = self.settings.slack.app_token
        assert token is not None, "socket mode starts only with an app token (checked at start)"
        app_token = token.get_secret_value()
        try:
            # Asking for the URL ourselves checks the app token once, clearly, instead of
            # letting the socket client retry a refused token forever.
            opened = await self.client.apps_connections_open(app_token=app_token)
        except SlackApiError as exc:
            if _error(exc) in AUTH_ERRORS:
                raise ConfigError([f"{APP_TOKEN_VAR} was refused by Slack ({_error(exc)}); create a new one at {WHERE_APP}"]) from None
            raise
        self.socket = AsyncSocketModeHandler(self.app, app_token, web_client=self.client, ping_interval=self.socket_ping_interval)
        self.socket.client.wss_uri = opened.get("url")
        self.socket.client.on_message_listeners.append(self._on_socket_message)
        self.socket.client.on_close_listeners.append(self._on_socket_close)
        await self.socket.connect_async()
        self.port.report(True, "connected (Socket Mode)")

    async def _on_socket_message(self, message: Any) -> None:
        try:
            data = json.loads(message.data)
        except (TypeError, ValueError):
            return
        if not isinstance(data, dict) or data.get("type") != "hello":
            return
        self._hellos += 1
        self.port.report(True, "connected (Socket Mode)")
        if self._hellos > 1:
            # A new connection after a drop: read what was said while we were away.
            self._spawn(self._catch_up_holding())

    async def _on_socket_close(self, message: Any) -> None:
        self.port.report(False, "Socket Mode connection closed; reconnecting")

    async def _serve_http(self) -> None:
        async def handle(request: web.Request) -> web.Response:
            return await to_aiohttp_response(await self.app.async_dispatch(await to_bolt_request(request)))

        web_app = web.Application()
        web_app.add_routes([web.post(HTTP_PATH, handle)])
        self._runner = web.AppRunner(web_app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.http_host, self.http_port)
        await site.start()
        server = getattr(site, "_server", None)
        if server is not None and server.sockets:
            self.http_port = server.sockets[0].getsockname()[1]
        self.port.report(True, f"listening for Events API requests on port {self.http_port}{HTTP_PATH}")
