"""check-config's Discord test: the token logs in, every routed channel is visible, every person can be fetched.

REST reads only, through discord.py's own HTTP client (``GET /users/@me``, the bot's guilds
and their channels, ``GET /users/{id}``): no gateway connection, nothing written. Each
problem names the config key, what Discord said, and the fix; the token is never quoted.
"""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import discord
from discord.http import HTTPClient

from bot.config import Settings

from .inbound import BAD_TOKEN, TOKEN_ENV

NETWORK = (aiohttp.ClientError, asyncio.TimeoutError, OSError)
TEXTUAL = {0, 5, 15, 16}  # text, announcement, forum, media: channels whose questions we read


async def check_discord(settings: Settings, *, notes: list[str] | None = None) -> list[str]:
    token = settings.discord.token.get_secret_value().strip() if settings.discord.token else ""
    if not token:
        return [f"discord: no token; set {TOKEN_ENV} (Developer Portal → your app → Bot → Reset Token)"]
    old_base = discord.http.Route.BASE
    if settings.discord.api_url:
        discord.http.Route.BASE = settings.discord.api_url.rstrip("/")  # tests and proxies, as the live source does
    http = HTTPClient(asyncio.get_running_loop())
    try:
        try:
            me = await http.static_login(token)
        except discord.LoginFailure:
            return [BAD_TOKEN]
        except (discord.HTTPException, *NETWORK) as exc:
            return [
                f"discord: cannot reach Discord to log in ({type(exc).__name__}); check the network"
                + (" and discord.api_url" if settings.discord.api_url else "")
            ]
        channels = await _guild_channels(http)
        if notes is not None:
            notes.append(f"discord: logged in as {me.get('username')}, in {len({c.get('guild_id') for c in channels.values()})} server(s)")
        problems = await _channels(http, settings, channels)
        problems += await _staff_channels(http, settings, channels)
        problems += await _people(http, settings)
        return problems
    finally:
        await http.close()
        discord.http.Route.BASE = old_base


async def _guild_channels(http: HTTPClient) -> dict[str, dict[str, Any]]:
    """Every channel of every server the bot is in, by id."""
    out: dict[str, dict[str, Any]] = {}
    for guild in await http.get_guilds(200):
        for ch in await http.get_all_guild_channels(guild["id"]):
            out[str(ch["id"])] = {**ch, "guild_id": guild["id"]}
    return out


async def _channels(http: HTTPClient, settings: Settings, channels: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    by_name = {str(c.get("name", "")).lower(): c for c in channels.values() if c.get("type") in TEXTUAL}
    for i, route in enumerate(settings.routes):
        if route.platform != "discord":
            continue
        where = f"routes[{i}] (discord {route.channel})"
        if route.channel.isdigit():
            if route.channel in channels:
                continue
            try:
                await http.get_channel(route.channel)
            except discord.HTTPException as exc:
                problems.append(
                    f"{where}: Discord says {exc.status} {exc.text or ''}".rstrip()
                    + "; copy the id again (right-click the channel → Copy Channel ID) and check the bot can View Channel"
                )
            continue
        if route.channel.lstrip("#").lower() not in by_name:
            problems.append(
                f"{where}: the bot sees no text or forum channel named {route.channel} in its server(s); "
                "check the spelling, and that the bot's role can View Channel there"
            )
    return problems


async def _staff_channels(http: HTTPClient, settings: Settings, channels: dict[str, dict[str, Any]]) -> list[str]:
    problems = []
    for name, staff in settings.staff_channels.items():
        if staff.platform != "discord" or staff.channel in channels:
            continue
        try:
            await http.get_channel(staff.channel)
        except discord.HTTPException as exc:
            problems.append(
                f"staff_channels.{name}: Discord says {exc.status} for channel {staff.channel}; copy the id again "
                "(right-click the channel → Copy Channel ID) and check the bot can see it"
            )
    return problems


async def _people(http: HTTPClient, settings: Settings) -> list[str]:
    problems = []
    for name, person in settings.people.items():
        if not person.discord:
            continue
        try:
            found = await http.get_user(person.discord)
        except discord.NotFound:
            problems.append(f"people.{name}: Discord has no user {person.discord}; enable Developer Mode, right-click the moderator → Copy User ID")
            continue
        except discord.HTTPException as exc:
            problems.append(f"people.{name}: fetching Discord user {person.discord} failed ({exc.status})")
            continue
        if found.get("bot") or found.get("system"):
            problems.append(f"people.{name}: Discord user {person.discord} ({found.get('username')}) is a bot, not a person; use the moderator's own user id")
    return problems
