"""Slack channel and user resolution: which channels the bot watches, and who is a bot or a person.

It exists apart from inbound.py (the connection and its listeners) because resolving names is its own
question with its own failures: a route may name a channel the app cannot see yet (invited later, so
looked up lazily), a scope may be missing, and users are looked up once each so DMs can name the asker
and app users never count as members answering. ``SlackSource`` inherits it.
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config import ConfigError

from . import translate
from .outbound import api_error

log = logging.getLogger("unanswered.slack")


def _error(exc: SlackApiError) -> str:
    return api_error(exc)[0]  # safe when the answer was not JSON at all


class ChannelLookups:
    client: AsyncWebClient
    ctx: translate.Context
    port: Any
    watched: dict[str, str | None]
    _unresolved: dict[str, int]
    _checked: set[str]
    _looked_up: set[str]

    async def _is_watched(self, channel: str) -> bool:
        if channel in self.watched:
            return True
        if not self._unresolved or channel in self._checked or channel.startswith("D"):
            return False
        # A channel named in a route that the app was invited to after start.
        self._checked.add(channel)
        try:
            info = (await self.client.conversations_info(channel=channel)).get("channel") or {}
        except SlackApiError:
            return False
        name = info.get("name")
        if isinstance(name, str) and name.lower() in self._unresolved:
            self._unresolved.pop(name.lower())
            self._watch(channel, name)
            return True
        return False

    def _watch(self, channel: str, name: str | None) -> None:
        self.watched[channel] = name
        if name:
            self.ctx.channel_names[channel] = name

    async def learn_user(self, user: str) -> None:
        """Name and bot-ness of a user, once: DMs say who asked, and app users never count as members."""
        if user in self._looked_up or user in self.ctx.user_names:
            return
        self._looked_up.add(user)
        try:
            info = (await self.client.users_info(user=user)).get("user") or {}
        except (SlackApiError, aiohttp.ClientError, asyncio.TimeoutError):
            return
        profile = info.get("profile") or {}
        name = profile.get("display_name") or profile.get("real_name") or info.get("real_name") or info.get("name")
        if isinstance(name, str) and name:
            self.ctx.user_names[user] = name
        if info.get("is_bot") or info.get("is_app_user"):
            self.ctx.bot_users.add(user)

    async def _resolve_channels(self) -> None:
        """Route channels (ids or names) -> the ids the app can see; warn about the rest."""
        visible: dict[str, dict[str, Any]] = {}
        cursor = None
        while True:
            try:
                resp = await self.client.conversations_list(types="public_channel,private_channel", exclude_archived=True, limit=1000, cursor=cursor)
            except SlackApiError as exc:
                if _error(exc) == "missing_scope":
                    needed = exc.response.get("needed") or "channels:read,groups:read"
                    raise ConfigError(
                        [
                            f"the Slack app lacks the scope(s) {needed}; recreate it from `unanswered slack-manifest` "
                            "(or add them under OAuth & Permissions), then reinstall it to the workspace"
                        ]
                    ) from None
                raise
            for ch in resp.get("channels") or []:
                if isinstance(ch, dict) and isinstance(ch.get("id"), str):
                    visible[ch["id"]] = ch
            cursor = (resp.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        by_name = {str(ch.get("name", "")).lower(): cid for cid, ch in visible.items()}
        for i, route in enumerate(self.port.watched_routes()):
            wanted = route.channel
            cid = wanted if wanted in visible else by_name.get(wanted.lstrip("#").lower())
            if cid is None:
                if re.fullmatch(r"[CG][A-Z0-9]{2,}", wanted):
                    self._watch(wanted, None)  # may still deliver events; history will tell
                else:
                    self._unresolved[wanted.lstrip("#").lower()] = i
                log.warning(
                    "Slack channel %s (a [[routes]] entry) is not visible to the app: in Slack, open that channel and type "
                    "`/invite @unanswered` (private channels must invite the app before it can see them)",
                    wanted,
                )
                continue
            ch = visible[cid]
            self._watch(cid, ch.get("name"))
            if ch.get("is_member") is False:
                log.warning(
                    "the app is not a member of Slack channel #%s, so Slack sends it no messages from there: open the channel and type `/invite @unanswered`",
                    ch.get("name") or cid,
                )
