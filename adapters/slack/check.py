"""check-config's Slack test: the token works, every routed channel is visible, every person is a real person.

Read-only Web API calls only (``auth.test``, ``conversations.info``/``conversations.list``,
``users.info``), made by the same slack_sdk client the bot runs with. Each problem names the
key in the config, what Slack said, and the fix; the token itself is never quoted.
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError

from bot.config import Settings

from .outbound import api_error
from .tokens import AUTH_ERRORS, BOT_TOKEN_VAR, WHERE_BOT, check_tokens, make_client

CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{2,}$")
NETWORK = (aiohttp.ClientError, asyncio.TimeoutError, OSError)


async def check_slack(settings: Settings, *, notes: list[str] | None = None) -> list[str]:
    problems = check_tokens(settings)
    if problems:
        return problems
    client = make_client(settings)
    try:
        try:
            me = await client.auth_test()
        except SlackApiError as exc:
            error = api_error(exc)[0]
            if error in AUTH_ERRORS:
                return [f"slack: Slack refused {BOT_TOKEN_VAR} ({error}); copy the current token from {WHERE_BOT}"]
            return [f"slack: auth.test failed ({error})"]
        except NETWORK as exc:
            return [f"slack: cannot reach Slack ({type(exc).__name__}); check the network" + (" and slack.api_url" if settings.slack.api_url else "")]
        if notes is not None:
            notes.append(f"slack: logged in as {me.get('user')} in workspace {me.get('team')}")
        problems += await _channels(client, settings)
        problems += await _staff_channels(client, settings)
        problems += await _people(client, settings)
    finally:
        session = getattr(client, "session", None)
        if session is not None and not session.closed:
            await session.close()
    return problems


async def _channels(client: Any, settings: Settings) -> list[str]:
    wanted = [(i, r) for i, r in enumerate(settings.routes) if r.platform == "slack"]
    if not wanted:
        return []
    problems = []
    listed: dict[str, dict[str, Any]] | None = None
    for i, route in wanted:
        where = f"routes[{i}] (slack {route.channel})"
        channel: dict[str, Any] | None = None
        if CHANNEL_ID.match(route.channel):
            try:
                channel = (await client.conversations_info(channel=route.channel)).get("channel")
            except SlackApiError as exc:
                problems.append(f'{where}: Slack says {api_error(exc)[0]}; copy the channel id from the channel\'s details, or write its name ("#help")')
                continue
        else:
            if listed is None:
                listed = await _all_channels(client)
            channel = listed.get(route.channel.lstrip("#").lower())
            if channel is None:
                near = _near(route.channel.lstrip("#").lower(), list(listed))
                problems.append(
                    f"{where}: the app sees no channel named {route.channel}"
                    + (f" (did you mean #{near}?)" if near else "")
                    + "; check the spelling, and for a private channel invite the app first (/invite @unanswered)"
                )
                continue
        if channel and channel.get("is_archived"):
            problems.append(f"{where}: the channel is archived; unarchive it or remove the route")
        elif channel and not channel.get("is_member", True):
            problems.append(
                f"{where}: the app is not a member of #{channel.get('name')}, so it cannot read it; type /invite @unanswered in #{channel.get('name')}"
            )
    return problems


async def _staff_channels(client: Any, settings: Settings) -> list[str]:
    """Allow-listed staff channels the bot may post to must exist, and the app must be in them."""
    problems = []
    for name, staff in settings.staff_channels.items():
        if staff.platform != "slack":
            continue
        try:
            channel = (await client.conversations_info(channel=staff.channel)).get("channel") or {}
        except SlackApiError as exc:
            problems.append(f"staff_channels.{name}: Slack says {api_error(exc)[0]} for {staff.channel}; copy the channel id from the channel's details")
            continue
        if not channel.get("is_member", True):
            problems.append(f"staff_channels.{name}: the app is not in #{channel.get('name')}; /invite @unanswered there")
    return problems


async def _all_channels(client: Any) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    cursor = None
    for _ in range(100):  # 100 pages of 200: a bound, not a loop forever on a bad cursor
        page = await client.conversations_list(types="public_channel,private_channel", exclude_archived=False, limit=200, cursor=cursor)
        for ch in page.get("channels") or []:
            out[str(ch.get("name", "")).lower()] = ch
        cursor = (page.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            break
    return out


def _near(name: str, names: list[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(name, names, n=1, cutoff=0.75)
    return found[0] if found else None


async def _people(client: Any, settings: Settings) -> list[str]:
    problems = []
    for name, person in settings.people.items():
        if not person.slack:
            continue
        try:
            user = (await client.users_info(user=person.slack)).get("user") or {}
        except SlackApiError as exc:
            error = api_error(exc)[0]
            hint = "copy it from their Slack profile (⋮ → Copy member ID)" if error == "user_not_found" else "check the id"
            problems.append(f"people.{name}: Slack has no member {person.slack} in this workspace ({error}); {hint}")
            continue
        if user.get("is_bot") or user.get("is_app_user"):
            problems.append(f"people.{name}: Slack member {person.slack} ({user.get('name')}) is a bot, not a person; use the moderator's own member id")
        elif user.get("deleted"):
            problems.append(f"people.{name}: Slack member {person.slack} ({user.get('name')}) is deactivated")
    return problems
