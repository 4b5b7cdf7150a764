"""The Discord transport: DMs to configured staff, nothing else.

``render`` is pure: a Note becomes an embed plus the nudge buttons, and the exact
text a moderator reads (the door audits both). ``deliver`` opens the DM channel
with the person (POST /users/@me/channels) and posts into that DM only, with
``AllowedMentions.none()``; an allow-listed staff channel (already checked by the
door) is the one other place it can write. No code path here takes a channel id
from an event.

Member text reaches ``render`` already neutralised (bot.render); Discord markdown
and mention escaping is added here, on top, without discord.py.
"""

from __future__ import annotations

import asyncio
import io
import logging
import re
from datetime import datetime, timedelta
from typing import Any, Awaitable, Callable

import aiohttp
import discord

from bot.neutralise import link_label
from bot.transport import BUTTON_LABELS, Delivery, Note, Recipient, Rendered, button_id

from .buttons import NudgeButton, button_style

log = logging.getLogger("unanswered.discord")

EMBED_COLOUR = 0xE67E22  # orange: "needs a look"
HANDLED_COLOUR = 0x95A5A6  # grey: someone acted
CLOSED_DMS = 50007  # "Cannot send messages to this user"
HISTORY_SCAN = 25  # recent DM messages checked by was_delivered right after a failed send
HISTORY_LIMIT = 10_000  # DM messages read back to the audit time after a crash
HISTORY_MARGIN = timedelta(minutes=10)  # clocks differ: look a little before the audit time
SEND_TIMEOUT = 30.0  # discord.py sets no request timeout: a hung send must not hold every other nudge
FIELD_LIMIT = 1024
DESCRIPTION_LIMIT = 4000
TITLE_LIMIT = 256

# ------------------------------------------------------------------ escaping (pure)

_INLINE_MARKDOWN = re.compile(r"([\\*_~`|\[\]])")  # brackets: a masked link needs them
_LINE_START_MARKDOWN = re.compile(r"^(\s*)([#>+-]|\d+\.)", re.MULTILINE)
_MENTION = re.compile(r"@(everyone|here|[!&]?[0-9]{15,21})", re.IGNORECASE)
_TOKEN_OPEN = re.compile(r"<(?=[@#/])")
_SAFE_URL = re.compile(r"https?://[^\s()<>\[\]]+")
ZWSP = "\u200b"


def escape_markdown(text: str) -> str:
    """Make Discord show the characters instead of formatting (bold, links, headings, quotes...)."""
    text = _INLINE_MARKDOWN.sub(r"\\\1", text)
    return _LINE_START_MARKDOWN.sub(lambda m: m.group(1) + "\\" + m.group(2), text)


def escape_mentions(text: str) -> str:
    """Break @everyone, @here and raw mention ids, as discord.utils.escape_mentions does,
    and the channel and command forms (<#123>, </cmd:123>) a link could carry."""
    text = _MENTION.sub(lambda m: "@" + ZWSP + m.group(1), text)
    return _TOKEN_OPEN.sub("<" + ZWSP, text)


def safe(text: str, limit: int = FIELD_LIMIT) -> str:
    out = escape_mentions(escape_markdown(text))
    return out if len(out) <= limit else out[: limit - 1] + "…"


def safe_url(link: str | None) -> str | None:
    return link if link and _SAFE_URL.fullmatch(link) else None


# ------------------------------------------------------------------ rendering (pure)


def footer_text(note: Note, key: str) -> str:
    # The key lets was_delivered find this DM again after a crash.
    return f"{note.footer} · ref {key}" if note.footer else f"ref {key}"


def build_embed(note: Note, key: str) -> dict[str, Any]:
    description = []
    if note.quote:
        description += ["> " + safe(line, 500) if line.strip() else ">" for line in note.quote.splitlines()]
    if note.body:
        description.append(safe(note.body, DESCRIPTION_LIMIT))
    fields = [{"name": safe(label, 256), "value": safe(value) or "-", "inline": False} for label, value in note.fields]
    url = safe_url(note.link)
    if url:
        fields.append({"name": "Link", "value": f"[{link_label(note.source)}]({url})", "inline": False})
    elif note.link:
        fields.append({"name": "Link", "value": safe(note.link), "inline": False})
    if note.reason:
        fields.append({"name": "Why flagged", "value": safe(note.reason), "inline": False})
    embed: dict[str, Any] = {
        "type": "rich",
        "title": safe(note.title, TITLE_LIMIT),
        "color": HANDLED_COLOUR if note.kind == "nudge" and not note.buttons else EMBED_COLOUR,
        "fields": fields[:25],
        "footer": {"text": footer_text(note, key)},
    }
    if description:
        embed["description"] = "\n".join(description)[:DESCRIPTION_LIMIT]
    if url:
        embed["url"] = url
    if note.image:
        embed["image"] = {"url": f"attachment://{note.image_name}"}
    return embed


def build_components(note: Note) -> list[dict[str, Any]]:
    if not note.buttons or note.question is None:
        return []
    buttons = [
        {"type": 2, "style": button_style(action).value, "label": BUTTON_LABELS[action], "custom_id": button_id(action, note.question)}
        for action in note.buttons
    ]
    return [{"type": 1, "components": buttons[i : i + 5]} for i in range(0, len(buttons), 5)]


def visible_text(payload: dict[str, Any]) -> str:
    """What the moderator reads, in reading order, from the payload that is sent."""
    embed = payload["embed"]
    lines = [embed.get("title", "")]
    if embed.get("description"):
        lines.append(embed["description"])
    lines += [f"{f['name']}: {f['value']}" for f in embed.get("fields", [])]
    buttons = [b["label"] for row in payload.get("components", []) for b in row["components"]]
    if buttons:
        lines.append("[" + "] [".join(buttons) + "]")
    lines.append(embed["footer"]["text"])
    return "\n".join(lines)


def render_note(note: Note, key: str) -> Rendered:
    payload = {"embed": build_embed(note, key), "components": build_components(note)}
    return Rendered(text=visible_text(payload), payload=payload)


def view_for(components: list[dict[str, Any]]) -> discord.ui.View | None:
    """The buttons of a rendered payload as a persistent view (no timeout, dynamic ids)."""
    buttons = [b for row in components for b in row.get("components", [])]
    if not buttons:
        return None
    view = discord.ui.View(timeout=None)
    for b in buttons:
        view.add_item(NudgeButton(b["custom_id"], b.get("label"), discord.ButtonStyle(b.get("style", 2))))
    return view


# ------------------------------------------------------------------ the transport


class DiscordTransport:
    platform = "discord"

    def __init__(self, client: Callable[[], Awaitable[discord.Client]]) -> None:
        """``client`` returns the adapter's logged-in client (logging in on first use)."""
        self._client = client
        self.send_timeout = SEND_TIMEOUT

    def render(self, note: Note, key: str) -> Rendered:
        return render_note(note, key)

    async def _destination(self, client: discord.Client, to: Recipient) -> discord.abc.Messageable:
        if to.is_channel:
            # An allow-listed staff channel: the door has checked it against [staff_channels].
            return client.get_partial_messageable(int(to.address))
        return await client.create_dm(discord.Object(int(to.address)))

    async def deliver(self, to: Recipient, rendered: Rendered, key: str, note: Note) -> Delivery:
        payload = rendered.payload or {"embed": {"title": rendered.text[:TITLE_LIMIT], "footer": {"text": f"ref {key}"}}, "components": []}
        try:
            client = await self._client()
            channel = await self._destination(client, to)
            kwargs: dict[str, Any] = {"embed": discord.Embed.from_dict(payload["embed"]), "allowed_mentions": discord.AllowedMentions.none()}
            view = view_for(payload.get("components", []))
            if view is not None:
                kwargs["view"] = view
            if note.image:
                kwargs["file"] = discord.File(io.BytesIO(note.image), filename=note.image_name)
            sent = await asyncio.wait_for(channel.send(**kwargs), self.send_timeout)
        except discord.Forbidden as exc:
            if exc.code == CLOSED_DMS:
                return Delivery(ok=False, permanent=True, error=f"{to.name} has DMs closed (50007): they must allow direct messages from server members")
            return Delivery(ok=False, permanent=True, error=f"Discord refused the message to {to.name} (403, code {exc.code})")
        except discord.NotFound as exc:
            return Delivery(ok=False, permanent=True, error=f"Discord does not know {to.name}'s id {to.address} (404, code {exc.code})")
        except discord.HTTPException as exc:
            if exc.status < 500:
                return Delivery(ok=False, error=f"Discord error {exc.status} (code {exc.code})")
            return await self._unless_arrived(to, key, f"Discord error {exc.status} (code {exc.code})")
        except (aiohttp.ClientError, OSError, asyncio.TimeoutError, ValueError) as exc:
            # ValueError: an answer that is not JSON. Like a lost connection, it may come after
            # Discord took the message: look in the DM before calling it failed (no second DM).
            return await self._unless_arrived(to, key, f"cannot reach Discord ({type(exc).__name__})")
        return Delivery(ok=True, ref=f"{sent.channel.id}:{sent.id}")

    async def _unless_arrived(self, to: Recipient, key: str, error: str) -> Delivery:
        if await self.was_delivered(to, key):
            log.info("%s arrived although Discord's answer was lost (%s)", key, error)
            return Delivery(ok=True)
        return Delivery(ok=False, error=error)

    async def was_delivered(self, to: Recipient, key: str, since: datetime | None = None) -> bool | None:
        """Look for our message tagged with ``key`` in the DM: back to ``since`` (the audit time, paging
        with ``after``) so later DMs cannot hide it, else among the most recent ones."""
        marker = f"ref {key}"
        try:
            client = await self._client()
            channel = await self._destination(client, to)
            me = client.user.id if client.user else None
            if since is not None:
                history = channel.history(limit=HISTORY_LIMIT, after=since - HISTORY_MARGIN, oldest_first=True)
            else:
                history = channel.history(limit=HISTORY_SCAN)
            async for msg in history:
                if msg.author.id == me and any(marker in (e.footer.text or "") for e in msg.embeds):
                    return True
        except (discord.HTTPException, aiohttp.ClientError, OSError, asyncio.TimeoutError, ValueError) as exc:
            log.warning("could not check whether %s reached %s: %s", key, to.name, type(exc).__name__)
            return None
        return False

    async def update(self, ref: str, rendered: Rendered, note: Note) -> None:
        """Edit one of our own DMs (after a button click): new embed, buttons as rendered."""
        channel_id, _, message_id = ref.partition(":")
        if not (channel_id.isdigit() and message_id.isdigit()) or rendered.payload is None:
            log.warning("not editing %r: not a Discord DM reference", ref)
            return
        client = await self._client()
        message = client.get_partial_messageable(int(channel_id)).get_partial_message(int(message_id))
        await message.edit(
            embed=discord.Embed.from_dict(rendered.payload["embed"]),
            view=view_for(rendered.payload.get("components", [])),
            allowed_mentions=discord.AllowedMentions.none(),
        )
