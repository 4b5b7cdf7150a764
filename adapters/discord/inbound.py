"""The Discord connection: gateway listeners, catch-up from history, health.

Listeners only read. The client is built with the intents it needs to see
messages (guilds, guild messages, message content, guild reactions; no members,
no presences), and every listener hands a gateway-shaped dict to the pure
``translate`` module and the result to the hub. Raw events are used where a
message may not be in discord.py's cache (edits, deletes, reactions).

Catch-up (on ready and on every resume): for each watched channel, the history
after the newest stored message of that channel, plus the history of its active
threads and forum posts (and the threads of open questions) that moved since then,
merged oldest first into one ingest batch. Live events that arrive meanwhile wait
in a buffer, so a reply is never applied before the question it answers.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Callable

import aiohttp
import discord

from bot.config import ConfigError, Route, Settings
from bot.events import Event
from bot.sources import Hub
from bot.tracker import StoreError

from . import translate
from .buttons import NudgeButton
from .outbound import DiscordTransport
from .translate import Malformed, Place

log = logging.getLogger("unanswered.discord")

TOKEN_ENV = "UNANSWERED_DISCORD__TOKEN"
READY_TIMEOUT = 60.0  # start() waits this long for the first catch-up before carrying on
SYNCED_KEY = "discord:synced_at"  # when the last complete catch-up started (kv)
CATCH_UP_RETRY = 5.0  # seconds before a failed catch-up is tried again (doubles, up to 5 minutes)
STORE_GAP_MARGIN = timedelta(seconds=2)  # re-read from this much before an event the store refused
CATCH_UP_LIMIT = 10_000  # messages per channel or thread per catch-up, a guard against runaway history
HISTORY_TYPES = (discord.TextChannel, discord.VoiceChannel, discord.StageChannel, discord.Thread)
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


def payload_of(message: discord.Message) -> dict[str, Any]:
    """A discord.py Message back in the gateway's shape, for ``translate.message``."""
    author = message.author
    reference = message.reference
    replied = reference is not None and reference.message_id is not None and reference.type == discord.MessageReferenceType.reply
    return {
        "id": str(message.id),
        "channel_id": str(message.channel.id),
        "guild_id": str(message.guild.id) if message.guild else None,
        "type": message.type.value,
        "content": message.content,
        "webhook_id": str(message.webhook_id) if message.webhook_id else None,
        "author": {
            "id": str(author.id),
            "username": author.name,
            "global_name": author.global_name,
            "bot": author.bot,
            "system": author.system,
        },
        "member": {"nick": getattr(author, "nick", None)},
        "mentions": [{"id": str(user.id)} for user in message.mentions],
        "message_reference": {"message_id": str(reference.message_id)} if replied else None,  # type: ignore[union-attr]
    }


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
        self.hub: Hub | None = None
        self.client: _Client | None = None
        self.watched: dict[str, Watched] = {}
        self.catch_ups = 0
        self.caught_up_messages = 0
        self._transport = DiscordTransport(self.logged_in)
        self._login_lock = asyncio.Lock()
        self._logged_in = False
        self._catch_up_lock = asyncio.Lock()
        self._buffer: list[Event] | None = None  # live events held back during a catch-up
        self._fetched: dict[str, Place] = {}  # places of channels discord.py had not cached
        self._synced = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._old_base: str | None = None
        # Channels whose history could not be read: where their next catch-up must start, so a
        # live message stored meanwhile (it moves the resume point) cannot hide the gap.
        self._gaps: dict[str, discord.Object] = {}
        self.catch_up_retry = CATCH_UP_RETRY
        self._retry: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------ lifecycle

    def transport(self) -> DiscordTransport:
        return self._transport

    @property
    def me(self) -> str | None:
        return str(self.client.user.id) if self.client and self.client.user else None

    def now(self) -> Any:
        assert self.hub is not None
        return self.hub.clock.now()

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
                    raise ConfigError([f"discord: cannot reach Discord to log in ({type(exc).__name__}); check the network"
                                       + (" and discord.api_url" if self.settings.discord.api_url else "")]) from None
                self._logged_in = True
        return self.client

    async def start(self, hub: Hub) -> None:
        """Log in, connect, and wait (up to ``ready_timeout``) for the first catch-up.

        Waiting matters: the scheduler starts after the sources, and deadlines must be
        judged against what happened while the bot was down.
        """
        self.hub = hub
        try:
            client = await self.logged_in()
        except ConfigError:
            await self.stop()  # close the HTTP session: the process is about to exit
            raise
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
            hub.report(self.name, False, f"not connected after {self.ready_timeout:.0f}s; still trying")

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
        if self.hub is not None:
            self.hub.report(self.name, False, detail)

    async def stop(self) -> None:
        if self._retry is not None:
            self._retry.cancel()
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
        assert self.hub is not None and self.client is not None
        self.resolve_routes(warn=how == "ready")
        guilds = len(self.client.guilds)
        self.hub.report(self.name, True, f"{how}: watching {len(self.watched)} channel(s) in {guilds} server(s)")
        try:
            await self.catch_up()
        except Exception as exc:  # a catch-up bug must not stop live events
            log.exception("discord: catch-up failed")
            self.hub.report(self.name, False, f"catch-up failed: {type(exc).__name__}")
        finally:
            self._synced.set()

    def on_disconnected(self) -> None:
        if self.hub is not None:
            self.hub.report(self.name, False, "disconnected from the gateway; reconnecting")

    async def on_button(self, user_id: str, custom_id: str, ref: str) -> str:
        assert self.hub is not None
        return await self.hub.handle_button(self.name, user_id, custom_id, ref)

    # ------------------------------------------------------------------ routes

    def resolve_routes(self, *, warn: bool) -> None:
        """Map the configured discord routes (by id, "#name" or "name") to channels the bot can see."""
        assert self.hub is not None and self.client is not None
        routes = self.hub.watched_routes(self.name)
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
                "to that server (`unanswered discord-invite`), and that it has View Channel there", ", ".join(missing)
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

    # ------------------------------------------------------------------ live events

    async def on_message(self, message: discord.Message) -> None:
        if message.guild is None:
            return  # DMs to the bot are not community questions
        await self.on_raw(message.channel.id, lambda lookup: translate.message(payload_of(message), lookup, me=self.me))

    async def on_raw(self, channel_id: int, make: Callable[[Any], Event | None]) -> None:
        await self._learn(channel_id)
        self._take(make)

    def _take(self, make: Callable[[Any], Event | None]) -> None:
        try:
            event = make(self.lookup)
        except (Malformed, KeyError, TypeError, ValueError, AttributeError) as exc:
            # Logged without the payload: it holds member text.
            log.warning("skipped a malformed discord payload: %s: %s", type(exc).__name__, exc if isinstance(exc, Malformed) else "")
            return
        if event is None or event.channel not in self.watched:
            return
        if self._buffer is not None:
            self._buffer.append(event)
        else:
            self._ingest_live([event])

    def _ingest_live(self, events: list[Event]) -> None:
        """Apply live events. One the store refuses (locked, full) is not lost: it opens a gap
        in its channel, and the retried catch-up reads it again from history."""
        assert self.hub is not None
        for event in events:
            try:
                self.hub.ingest(event)
            except StoreError as exc:
                log.error("discord: could not store an event (%s); it will be re-read from the channel history", exc)
                # A little before the event: re-reading a few stored messages is harmless (idempotent).
                before = discord.Object(discord.utils.time_snowflake(event.at - STORE_GAP_MARGIN))
                current = self._gaps.get(event.channel)
                if current is None or before.id < current.id:
                    self._gaps[event.channel] = before
                self.hub.report(self.name, False, "the database refused an event; re-reading history")
                self._start_retry()

    def _start_retry(self) -> None:
        if self._gaps and (self._retry is None or self._retry.done()):
            self._retry = asyncio.create_task(self._retry_catch_up(), name="discord-catch-up-retry")

    # ------------------------------------------------------------------ catch-up

    async def catch_up(self) -> int:
        """Read what was missed in every watched channel; returns how many messages were read."""
        assert self.hub is not None
        async with self._catch_up_lock:
            self._buffer = []
            total = 0
            started = self.hub.clock.now()
            last = self.hub.tracker.get(SYNCED_KEY)
            synced_at = datetime.fromisoformat(last) if isinstance(last, str) else None
            try:
                for key, watched in list(self.watched.items()):
                    events, after = await self._missed(key, watched, synced_at)
                    total += len(events)
                    try:
                        self.hub.ingest_batch(events)
                    except StoreError as exc:
                        # Rolled back whole: read this channel again later from the same point.
                        log.error("discord: could not store the catch-up of a channel (%s); retrying", exc)
                        self._gaps.setdefault(key, after)
                        self.hub.report(self.name, False, "the database refused the catch-up; retrying")
                if not self._gaps:
                    with self.hub.tracker.transaction():
                        self.hub.tracker.put(SYNCED_KEY, started.isoformat())
            finally:
                held, self._buffer = self._buffer, None
                if held:
                    self._ingest_live(sorted(held, key=lambda e: e.at))
            self.catch_ups += 1
            self.caught_up_messages += total
            self._start_retry()
            if total:
                log.info("discord: caught up on %d message(s)", total)
            return total

    async def _retry_catch_up(self) -> None:
        delay = self.catch_up_retry
        while self._gaps and self.client is not None and not self.client.is_closed():
            await asyncio.sleep(delay)
            try:
                await self.catch_up()
            except Exception:  # logged; tried again later
                log.exception("discord: catch-up retry failed")
            delay = min(delay * 2, 300.0)
        if not self._gaps and self.hub is not None:
            self.hub.report(self.name, True, "history caught up")

    def _after(self, key: str, watched: Watched, synced_at: datetime | None) -> discord.Object:
        """Where history resumes: after the newest stored message of the channel; for a channel
        with none, after the previous catch-up, and on the very first start one window back."""
        assert self.hub is not None
        if key in self._gaps:
            return self._gaps[key]  # an earlier catch-up failed here: read from where it should have
        resume = self.hub.resume_point(self.name, key)
        if resume is not None:
            return discord.Object(int(resume[0]))
        since = synced_at or self.hub.clock.now() - self.settings.window_for(watched.route)
        return discord.Object(discord.utils.time_snowflake(since, high=True))

    def _threads(self, key: str, watched: Watched, after: int) -> list[discord.Thread]:
        """Active threads/forum posts of this channel that moved since ``after``, and open questions' threads."""
        guild = watched.channel.guild
        threads = {t.id: t for t in guild.threads if t.parent_id == watched.channel.id}
        assert self.hub is not None
        for q in self.hub.open_questions(self.name):
            if q.channel == key and q.msg_id.isdigit():
                thread = guild.get_thread(int(q.msg_id))
                if thread is not None:
                    threads[thread.id] = thread
        return [t for t in threads.values() if t.last_message_id is None or t.last_message_id > after]

    async def _missed(self, key: str, watched: Watched, synced_at: datetime | None) -> tuple[list[Event], discord.Object]:
        """What was said in a channel (and its threads) after the resume point, and that point."""
        after = self._after(key, watched, synced_at)
        places: list[Any] = []
        if isinstance(watched.channel, HISTORY_TYPES):
            places.append(watched.channel)
        places += self._threads(key, watched, after.id)
        found: list[tuple[int, Event]] = []
        self._gaps.pop(key, None)
        for place in places:
            try:
                async for msg in place.history(limit=CATCH_UP_LIMIT, after=after, oldest_first=True):
                    try:
                        found.append((msg.id, translate.message(payload_of(msg), self.lookup, me=self.me)))
                    except (Malformed, KeyError, TypeError, ValueError, AttributeError) as exc:
                        log.warning("skipped a malformed discord history message: %s", type(exc).__name__)
            except discord.Forbidden:
                log.warning("discord: cannot read the history of #%s (missing Read Message History)", getattr(place, "name", place.id))
            except (discord.HTTPException, aiohttp.ClientError, OSError, asyncio.TimeoutError, ValueError) as exc:
                log.warning("discord: reading the history of #%s failed (%s); the next catch-up retries", getattr(place, "name", place.id), type(exc).__name__)
                self._gaps.setdefault(key, after)
                assert self.hub is not None
                self.hub.report(self.name, False, f"catch-up of #{getattr(place, 'name', place.id)} failed: {type(exc).__name__}")
        found.sort(key=lambda pair: pair[0])  # snowflakes sort by time across the channel and its threads
        return [event for _, event in found if event.channel == key], after


__all__ = ["DiscordSource", "intents", "payload_of"]
