"""Slack transport: private DMs to configured staff, and nothing else.

The only Slack write methods this module calls are:
- ``conversations.open`` (users=<a configured moderator>) to get the D… channel,
- ``chat.postMessage`` to that D… channel (or to an allow-listed staff channel id),
- ``chat.update`` of a message we posted there (after a button click),
- ``files_upload_v2`` (the digest chart) to that same D… channel.
Never a thread reply, an ephemeral message, a reaction, or a post to a member channel.

Every DM carries message ``metadata`` with its audit key, so after a crash
``was_delivered`` can read the DM's history (im:history) and tell whether it arrived.

A post is never retried blindly: the writes go through a client that retries only a
429 (Slack did nothing), and when a post fails in a way that may have come after
Slack took it (a dropped connection, a timeout, a 5xx, an unreadable answer), the
DM's history is read for its key before the failure is reported: a lost answer must
not become a second DM.
"""

from __future__ import annotations

import asyncio
import logging
import re
from datetime import datetime, timedelta
from typing import Any, Iterable, overload

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.neutralise import link_label
from bot.transport import BUTTON_LABELS, Delivery, Note, Recipient, Rendered, button_id

log = logging.getLogger("unanswered.slack.outbound")

METADATA_TYPE = "unanswered_note"
HEADER_LIMIT = 150  # Block Kit header text limit
HISTORY_PAGE = 200  # DM messages per history page when looking for a key
HISTORY_PAGES = 50  # at most 10,000 DM messages back
HISTORY_MARGIN = timedelta(minutes=10)  # clocks differ: look a little before the audit time
SECTION_LIMIT = 3000  # Block Kit section text limit
# Errors that the same request will always get again: move on to the next person.
PERMANENT_ERRORS = frozenset(
    {
        "user_not_found",
        "users_not_found",
        "cannot_dm_bot",
        "user_disabled",
        "account_inactive",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "restricted_action",
        "messages_tab_disabled",
        "invalid_auth",
        "not_authed",
        "missing_scope",
        "no_permission",
        "team_access_not_granted",
        "invalid_blocks",
        "msg_too_long",
        "token_revoked",
        "not_allowed_token_type",
        "ekm_access_denied",
    }
)


_BROADCAST = re.compile(r"@(everyone|here|channel)", re.IGNORECASE)


def mrkdwn_escape(text: str) -> str:
    """Slack's own control characters: with these escaped, <!channel> or <@U…> cannot form.

    A plain "@here" is broken with a zero-width space too: inert today (we never send
    ``link_names``), it must stay inert if someone turns that on.
    """
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return _BROADCAST.sub(lambda m: "@\u200b" + m.group(1), text)


def _plain(text: str, limit: int) -> dict[str, Any]:
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return {"type": "plain_text", "text": text or " ", "emoji": False}


def _chunks(text: str, limit: int = SECTION_LIMIT) -> Iterable[str]:
    for start in range(0, len(text), limit):
        yield text[start : start + limit]


def _safe_link(url: str | None) -> str | None:
    """Only links we built (https permalinks); nothing that could break out of <url|label>."""
    if not url or not url.startswith("https://") or any(c in url for c in "<>| \n"):
        return None
    return url


def blocks_for(note: Note) -> list[dict[str, Any]]:
    """The Block Kit body of a note. Member text is neutralised already; mrkdwn escaping goes on top."""
    blocks: list[dict[str, Any]] = [{"type": "header", "text": _plain(note.title, HEADER_LIMIT)}]
    if note.fields:
        blocks.append(
            {
                "type": "section",
                "fields": [{"type": "mrkdwn", "text": f"*{mrkdwn_escape(label)}*\n{mrkdwn_escape(value)}"[:2000]} for label, value in note.fields[:10]],
            }
        )
    if note.quote:
        quoted = "\n".join("> " + mrkdwn_escape(line) for line in note.quote.splitlines())
        for part in _chunks(quoted):
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": part}})
    link = _safe_link(note.link)
    if link:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"<{link}|{link_label(note.source)}>"}})
    if note.body:
        for part in _chunks(mrkdwn_escape(note.body)):
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": part}})
    context = [f"*Why:* {mrkdwn_escape(note.reason)}"] if note.reason else []
    if note.footer:
        context.append(mrkdwn_escape(note.footer))
    if context:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": c[:2000]} for c in context]})
    if note.buttons and note.question is not None:
        elements = []
        for action in note.buttons:
            bid = button_id(action, note.question)
            button: dict[str, Any] = {"type": "button", "text": _plain(BUTTON_LABELS[action], 75), "action_id": bid, "value": bid}
            if action == "claim":
                button["style"] = "primary"
            elements.append(button)
        blocks.append({"type": "actions", "block_id": f"unanswered:{note.question}", "elements": elements})
    return blocks


def api_error(exc: SlackApiError) -> tuple[str, bool]:
    """(Slack's error code or "HTTP <status>", whether Slack clearly refused: an ok=false JSON answer below 500).

    An unreadable body leaves ``exc.response`` as the raw aiohttp response, not a SlackResponse.
    """
    response = exc.response
    found = getattr(response, "status_code", None) or getattr(response, "status", None)
    status = found if isinstance(found, int) else 0
    data = getattr(response, "data", None)
    if isinstance(data, dict) and data.get("error"):
        return str(data["error"]), data.get("ok") is False and status < 500
    return f"HTTP {status}" + ("" if isinstance(data, dict) else ", unreadable answer"), False


@overload
def write_client(client: AsyncWebClient) -> AsyncWebClient: ...
@overload
def write_client(client: None) -> None: ...
def write_client(client: AsyncWebClient | None) -> AsyncWebClient | None:
    """The same connection settings, retrying only rate limits: a retried post after a lost answer would DM twice."""
    if client is None:
        return None
    return AsyncWebClient(
        token=client.token, base_url=client.base_url, timeout=client.timeout, retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=5)]
    )


class SlackTransport:
    platform = "slack"

    def __init__(self, client: AsyncWebClient, staff_channels: Iterable[str] = ()) -> None:
        self.reader = client  # history reads: its retries are harmless
        self.client = write_client(client)
        self.staff_channels = frozenset(staff_channels)
        self._dm: dict[str, str] = {}  # user id -> D… channel id

    # -------------------------------------------------------------- rendering

    def render(self, note: Note, key: str) -> Rendered:
        text = note.as_text()
        return Rendered(text=text, payload={"text": mrkdwn_escape(text), "blocks": blocks_for(note)})

    # -------------------------------------------------------------- sending

    async def _channel_for(self, to: Recipient) -> str:
        if to.is_channel:
            if to.address not in self.staff_channels:
                raise PermissionError("not an allow-listed staff channel")
            return to.address
        cached = self._dm.get(to.address)
        if cached:
            return cached
        resp = await self.reader.conversations_open(users=to.address)  # idempotent: retries are safe
        channel = (resp.get("channel") or {}).get("id")
        if not isinstance(channel, str) or not channel.startswith("D"):
            raise PermissionError("conversations.open did not return a DM channel")
        self._dm[to.address] = channel
        return channel

    async def deliver(self, to: Recipient, rendered: Rendered, key: str, note: Note) -> Delivery:
        payload = rendered.payload or {"text": mrkdwn_escape(rendered.text)}
        try:
            channel = await self._channel_for(to)
            resp = await self.client.chat_postMessage(
                channel=channel,
                text=payload.get("text") or mrkdwn_escape(rendered.text),
                blocks=payload.get("blocks"),
                metadata={"event_type": METADATA_TYPE, "event_payload": {"key": key}},
                unfurl_links=False,
                unfurl_media=False,
            )
            ts = resp.get("ts")
            if note.image:
                await self._upload(channel, note)
            return Delivery(ok=True, ref=f"{channel}:{ts}")
        except SlackApiError as exc:
            error, clear = api_error(exc)
            if error in PERMANENT_ERRORS:
                return Delivery(ok=False, error=f"slack: {error}", permanent=True)
            if clear:
                return Delivery(ok=False, error=f"slack: {error}")  # Slack answered clearly: nothing was posted
            return await self._unless_arrived(to, key, f"slack: {error}")
        except PermissionError as exc:
            return Delivery(ok=False, error=f"slack: {exc}", permanent=True)
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            return await self._unless_arrived(to, key, f"slack: {type(exc).__name__}")

    async def _unless_arrived(self, to: Recipient, key: str, error: str) -> Delivery:
        """A failure that may have come after Slack took the post: look before calling it failed."""
        found = await self._find(to, key)
        if found:
            log.info("%s arrived although Slack's answer was lost (%s)", key, error)
            return Delivery(ok=True, ref=found)
        return Delivery(ok=False, error=error)

    async def _upload(self, channel: str, note: Note) -> None:
        # A failed chart must not turn a delivered digest into a failed one.
        try:
            await self.client.files_upload_v2(channel=channel, file=note.image, filename=note.image_name, title=note.title)
        except SlackApiError as exc:
            log.warning("the chart could not be attached to the DM: %s", api_error(exc)[0])
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            log.warning("the chart could not be attached to the DM: %s", type(exc).__name__)

    async def was_delivered(self, to: Recipient, key: str, since: datetime | None = None) -> bool | None:
        """Look for our key in the DM's history back to ``since`` (the audit time); None when Slack cannot tell us."""
        found = await self._find(to, key, since)
        return None if found is None else bool(found)

    async def _find(self, to: Recipient, key: str, since: datetime | None = None) -> str | None:
        """ "channel:ts" of our DM carrying ``key``; "" when it is not there; None when Slack cannot tell.

        Pages back (cursor) to a little before ``since``, so any number of later DMs cannot hide it;
        without ``since`` (a failure just now) the newest page is enough."""
        oldest = f"{(since - HISTORY_MARGIN).timestamp():.6f}" if since is not None else None
        cursor = None
        try:
            channel = await self._channel_for(to)
            for _ in range(HISTORY_PAGES):
                kwargs: dict[str, Any] = {"oldest": oldest} if oldest else {}
                resp = await self.reader.conversations_history(channel=channel, limit=HISTORY_PAGE, include_all_metadata=True, cursor=cursor, **kwargs)
                for msg in resp.get("messages") or []:
                    meta = msg.get("metadata") if isinstance(msg, dict) else None
                    if isinstance(meta, dict) and meta.get("event_type") == METADATA_TYPE and (meta.get("event_payload") or {}).get("key") == key:
                        return f"{channel}:{msg.get('ts')}"
                cursor = (resp.get("response_metadata") or {}).get("next_cursor")
                if since is None or not cursor or not resp.get("has_more"):
                    return ""
        except (SlackApiError, PermissionError, aiohttp.ClientError, asyncio.TimeoutError, OSError, ValueError):
            return None
        return None  # more history than we will read: cannot tell

    async def update(self, ref: str, rendered: Rendered, note: Note) -> None:
        """Edit our own DM (after a button click): chat.update of that message only."""
        channel, _, ts = ref.partition(":")
        if not ts or not (channel.startswith("D") or channel in self.staff_channels):
            log.warning("not editing %s: not a DM or staff channel", channel)
            return
        payload = rendered.payload or {"text": mrkdwn_escape(rendered.text)}
        await self.client.chat_update(channel=channel, ts=ts, text=payload.get("text") or "", blocks=payload.get("blocks") or [])
