"""A fake Discord on 127.0.0.1: REST API and gateway, for discord.py's own client.

It holds one guild with a few channels, threads and message histories, speaks the
gateway protocol (HELLO, IDENTIFY → READY + GUILD_CREATE, RESUME → RESUMED,
heartbeats) and records every REST call. Anything that would be visible to members
or reach someone who is not staff is refused and recorded as a violation, *before*
any queued fault is applied (a fault must never hide a forbidden call): a
POST/PATCH/PUT/DELETE to a guild channel, thread, reaction or webhook; opening a DM
with, or posting to the DM of, anyone who is not a configured staff id
(``staff_users``, taken from the test's config by ``use_config``); an interaction
response other than the silent deferred update (type 6). Allowed writes: opening a
DM with staff (POST /users/@me/channels), posting/editing our own messages in those
DM channels (each with ``allowed_mentions`` that allow no ping), and deferred-update
interaction callbacks.

Fault injection (tests/reliability): ``faults[route]`` lists faults for the next calls
of a route, one per call; a route is the method and the path with ids as ``{id}``,
e.g. ``"POST /channels/{id}/messages"``. Faults: "429" (rate limited, with
``retry_after`` seconds in the body and Retry-After), "500"/"502"/"503" (nothing
done), "drop" (connection closed before anything is done), "drop-after" (done, then
the connection closed), "hang" (done, then no answer for ``hang_seconds``),
"slow" (answered after ``slow_seconds``), "malformed" (done, answered with broken
JSON). Gateway: ``ask_to_reconnect`` (op 7), ``invalidate_session`` (op 9),
``drop_gateway`` (the socket cut without a close frame).
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

import discord
from aiohttp import WSMsgType, web

JSON = "application/json"  # exactly: discord.py does not treat "; charset=utf-8" as JSON

GUILD = "900000000000000001"
APP = "900000000000000002"
BOT = {"id": APP, "username": "unanswered", "discriminator": "0", "global_name": None, "avatar": None, "bot": True}
TOKEN = "OTAwMDAwMDAwMDAwMDAwMDAy.fake.token"  # first segment is base64 of APP


def iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat()


def snowflake(at: datetime, n: int = 0) -> str:
    """An id whose time is ``at`` (plus ``n`` in the low bits so ids at the same ms differ)."""
    return str(discord.utils.time_snowflake(at) + n)


def user(uid: str, name: str, *, bot: bool = False) -> dict[str, Any]:
    return {"id": uid, "username": name, "discriminator": "0", "global_name": name.title(), "avatar": None, "bot": bot}


@dataclass
class Call:
    method: str
    path: str
    body: Any = None
    query: dict[str, str] = field(default_factory=dict)


DEFERRED_UPDATE = 6  # the only interaction response that shows nothing to anyone


def staff_ids_of(settings: Any, platform: str) -> set[str]:
    """The user ids a test's config names as staff on ``platform``."""
    return set(settings.staff_ids(platform))


class FakeDiscord:
    def __init__(self, staff_users: set[str] | None = None) -> None:
        self.staff_users: set[str] = set(staff_users or ())
        self.staff_channels: set[str] = set()  # allow-listed [staff_channels] ids: posts there are allowed
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.channels: dict[str, dict[str, Any]] = {}  # guild channels and threads
        self.history: dict[str, list[dict[str, Any]]] = {}  # channel/thread id -> messages
        self.dms: dict[str, str] = {}  # DM channel id -> recipient user id
        self.dm_messages: dict[str, dict[str, Any]] = {}  # message id -> message
        self.closed_dms: set[str] = set()  # users who do not accept DMs (50007)
        self.interaction_callbacks: list[dict[str, Any]] = []
        self.users: dict[str, dict[str, Any]] = {}  # user id -> user, for GET /users/{id} (check-config)
        self.valid_token = TOKEN
        self.gateway_close_code: int | None = None  # e.g. 4014: missing privileged intent
        self.identified: list[dict[str, Any]] = []
        self.resumes = 0
        self.faults: dict[str, list[str]] = {}
        self.on_call: list[Any] = []  # functions called with each REST Call as it arrives (e.g. a test's kill point)
        self.injected: list[tuple[str, str]] = []
        self.retry_after = 0.05
        self.slow_seconds = 0.3
        self.hang_seconds = 2.0
        self._ids = itertools.count(1)
        self._ws: web.WebSocketResponse | None = None
        self._seq = 0
        self._beats: asyncio.Queue[int] = asyncio.Queue()
        self.ready_sent = asyncio.Event()
        self.port = 0
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ server

    async def start(self) -> "FakeDiscord":
        app = web.Application()
        app.router.add_get("/gateway", self._gateway)
        app.router.add_route("*", "/api/v10/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # a started TCPSite has a server
        return self

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v10"

    def use_config(self, settings: Any) -> None:
        """Staff are whoever the config in force names: a DM to anyone else is a violation."""
        self.staff_users = staff_ids_of(settings, "discord")
        self.staff_channels = {c.channel for c in settings.staff_channels.values() if c.platform == "discord"}

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway"

    # ------------------------------------------------------------------ the guild

    def text_channel(self, cid: str, name: str) -> dict[str, Any]:
        ch = {
            "id": cid,
            "type": 0,
            "guild_id": GUILD,
            "name": name,
            "position": len(self.channels),
            "permission_overwrites": [],
            "parent_id": None,
            "last_message_id": None,
            "topic": None,
            "nsfw": False,
            "rate_limit_per_user": 0,
        }
        self.channels[cid] = ch
        self.history.setdefault(cid, [])
        return ch

    def forum_channel(self, cid: str, name: str) -> dict[str, Any]:
        ch = {
            "id": cid,
            "type": 15,
            "guild_id": GUILD,
            "name": name,
            "position": len(self.channels),
            "permission_overwrites": [],
            "parent_id": None,
            "topic": None,
            "nsfw": False,
            "rate_limit_per_user": 0,
            "available_tags": [],
            "default_reaction_emoji": None,
            "default_thread_rate_limit_per_user": 0,
            "flags": 0,
            "default_sort_order": None,
            "default_forum_layout": 0,
            "last_message_id": None,
        }
        self.channels[cid] = ch
        return ch

    def thread(self, tid: str, parent: str, name: str, owner: str, *, private: bool = False, archived: bool = False) -> dict[str, Any]:
        """A thread (type 11, or 12 if ``private``); an archived one is left out of GUILD_CREATE, as Discord does."""
        th = {
            "id": tid,
            "type": 12 if private else 11,
            "guild_id": GUILD,
            "parent_id": parent,
            "owner_id": owner,
            "name": name,
            "last_message_id": None,
            "message_count": 0,
            "member_count": 1,
            "rate_limit_per_user": 0,
            "flags": 0,
            "thread_metadata": {
                "archived": archived,
                "auto_archive_duration": 1440,
                "archive_timestamp": iso(discord.utils.snowflake_time(int(tid))),
                "locked": False,
            },
        }
        self.channels[tid] = th
        self.history.setdefault(tid, [])
        return th

    def message(
        self, channel: str, mid: str, author: dict[str, Any], content: str, *, reply_to: str | None = None, mtype: int | None = None, webhook: bool = False
    ) -> dict[str, Any]:
        """A message in gateway shape; also stored in the channel's history (what REST returns later)."""
        msg: dict[str, Any] = {
            "id": mid,
            "channel_id": channel,
            "guild_id": GUILD,
            "author": author,
            "member": {"nick": None, "roles": [], "joined_at": iso(datetime(2025, 1, 1, tzinfo=timezone.utc)), "deaf": False, "mute": False, "flags": 0},
            "content": content,
            "timestamp": iso(discord.utils.snowflake_time(int(mid))),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [],
            "embeds": [],
            "pinned": False,
            "type": mtype if mtype is not None else (19 if reply_to else 0),
            "flags": 0,
            "components": [],
        }
        if reply_to:
            msg["message_reference"] = {"type": 0, "message_id": reply_to, "channel_id": channel, "guild_id": GUILD}
        if webhook:
            msg["webhook_id"] = "900000000000000099"
        self.history.setdefault(channel, []).append(msg)
        if channel in self.channels:
            self.channels[channel]["last_message_id"] = mid
            if self.channels[channel]["type"] in (11, 12):
                self.channels[channel]["message_count"] += 1
                if self.channels[channel]["thread_metadata"]["archived"]:  # archived after its last message
                    self.channels[channel]["thread_metadata"]["archive_timestamp"] = iso(discord.utils.snowflake_time(int(mid)))
        return msg

    def guild_create(self) -> dict[str, Any]:
        threads = [c for c in self.channels.values() if c["type"] in (10, 11, 12) and not c["thread_metadata"]["archived"]]
        channels = [c for c in self.channels.values() if c["type"] not in (10, 11, 12)]
        return {
            "id": GUILD,
            "name": "Fake Community",
            "unavailable": False,
            "member_count": 3,
            "owner_id": "1",
            "large": False,
            "roles": [
                {
                    "id": GUILD,
                    "name": "@everyone",
                    "permissions": "66560",
                    "position": 0,
                    "color": 0,
                    "hoist": False,
                    "managed": False,
                    "mentionable": False,
                    "flags": 0,
                }
            ],
            "channels": channels,
            "threads": threads,
            "members": [{"user": BOT, "roles": [], "joined_at": iso(datetime(2025, 1, 1, tzinfo=timezone.utc)), "deaf": False, "mute": False, "flags": 0}],
            "emojis": [],
            "stickers": [],
            "features": [],
            "voice_states": [],
            "presences": [],
            "joined_at": iso(datetime(2025, 1, 1, tzinfo=timezone.utc)),
        }

    # ------------------------------------------------------------------ gateway

    async def _gateway(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._ws = ws
        await ws.send_str(json.dumps({"op": 10, "d": {"heartbeat_interval": 45000}}))
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            msg = json.loads(frame.data)
            op = msg.get("op")
            if op == 1:
                await ws.send_str(json.dumps({"op": 11}))
                self._beats.put_nowait(1)
            elif op == 2:
                self.identified.append(msg["d"])
                if msg["d"].get("token") != self.valid_token:
                    await ws.close(code=4004, message=b"Authentication failed.")
                    break
                if self.gateway_close_code is not None:
                    await ws.close(code=self.gateway_close_code, message=b"Disallowed intent(s).")
                    break
                self._seq = 0
                await self.dispatch(
                    "READY",
                    {
                        "v": 10,
                        "user": BOT,
                        "guilds": [{"id": GUILD, "unavailable": True}],
                        "session_id": "session-1",
                        "resume_gateway_url": self.gateway_url,
                        "application": {"id": APP, "flags": 0},
                        "shard": [0, 1],
                    },
                )
                await self.dispatch("GUILD_CREATE", self.guild_create())
                self.ready_sent.set()
            elif op == 6:
                self.resumes += 1
                await self.dispatch("RESUMED", {})
        if self._ws is ws:
            self._ws = None
        return ws

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        assert self._ws is not None, "the bot is not connected to the fake gateway"
        self._seq += 1
        await self._ws.send_str(json.dumps({"op": 0, "t": event, "s": self._seq, "d": data}))

    async def sync(self) -> None:
        """Wait until the client has read everything sent so far (a heartbeat round trip)."""
        while not self._beats.empty():
            self._beats.get_nowait()
        assert self._ws is not None
        await self._ws.send_str(json.dumps({"op": 1, "d": None}))
        await asyncio.wait_for(self._beats.get(), 5)

    async def ask_to_reconnect(self) -> None:
        """Gateway op 7: the client drops the socket and RESUMEs on a new one."""
        assert self._ws is not None
        await self._ws.send_str(json.dumps({"op": 7, "d": None}))

    async def invalidate_session(self, resumable: bool = False) -> None:
        """Gateway op 9: the session is gone; the client identifies again (READY) unless resumable."""
        assert self._ws is not None
        await self._ws.send_str(json.dumps({"op": 9, "d": resumable}))

    async def drop_gateway(self) -> None:
        """Cut the gateway socket with no close frame, as a network failure does."""
        assert self._ws is not None
        ws, self._ws = self._ws, None
        if ws._req is not None and ws._req.transport is not None:  # type: ignore[attr-defined]  # aiohttp private: the only way to drop a socket without a close frame
            ws._req.transport.abort()  # type: ignore[attr-defined]  # aiohttp private, as above

    # ------------------------------------------------------------------ REST

    def _reply(self, data: Any, status: int = 200) -> web.Response:
        return web.Response(status=status, body=json.dumps(data).encode(), headers={"Content-Type": JSON})

    def _error(self, status: int, code: int, message: str) -> web.Response:
        return self._reply({"code": code, "message": message}, status)

    def _refuse(self, what: str) -> web.Response:
        self.violations.append(what)
        return self._error(403, 50013, "Missing Permissions")

    async def _body(self, request: web.Request) -> Any:
        if request.content_type.startswith("multipart/"):
            reader = await request.multipart()
            out: dict[str, Any] = {"files": []}
            async for part in reader:
                if part.name == "payload_json":
                    out.update(json.loads(await part.text()))
                else:
                    out["files"].append({"name": part.name, "filename": part.filename, "size": len(await part.read())})
            return out
        raw = await request.read()
        return json.loads(raw) if raw else None

    async def _rest(self, request: web.Request) -> web.Response:
        path = "/" + request.match_info["tail"]
        body = await self._body(request) if request.method in ("POST", "PATCH", "PUT") else None
        self.calls.append(Call(request.method, path, body, dict(request.query)))
        for hook in list(self.on_call):
            hook(self.calls[-1])
        forbidden = self._forbidden(request.method, path, body)
        if forbidden is not None:
            return self._refuse(forbidden)  # checked before auth and faults: neither may hide it
        auth = request.headers.get("Authorization", "")
        if not path.startswith("/interactions/") and auth != f"Bot {self.valid_token}":
            return self._error(401, 0, "401: Unauthorized")
        route = f"{request.method} " + re.sub(r"\d{5,}", "{id}", path)
        fault = self.faults[route].pop(0) if self.faults.get(route) else None
        if fault is None:
            return self._serve(request.method, path, body, request.query)
        self.injected.append((route, fault))
        if fault == "429":
            limited = {"message": "You are being rate limited.", "retry_after": self.retry_after, "global": False}
            return web.Response(
                status=429, body=json.dumps(limited).encode(), headers={"Content-Type": JSON, "Retry-After": str(self.retry_after), "X-RateLimit-Scope": "user"}
            )
        refused = re.fullmatch(r"(4\d\d):(\d+)", fault)  # e.g. "403:50001": Discord refusing with that code
        if refused:
            return self._error(int(refused.group(1)), int(refused.group(2)), "injected refusal")
        if fault in ("500", "502", "503"):
            return web.Response(status=int(fault), text="<html>upstream trouble</html>", content_type="text/html")
        if fault == "drop":
            return self._drop(request)
        if fault == "slow":
            await asyncio.sleep(self.slow_seconds)
        answer = self._serve(request.method, path, body, request.query)
        if fault == "drop-after":
            return self._drop(request)
        if fault == "503-after":  # done, then answered with an error page: the client cannot know it worked
            return web.Response(status=503, text="<html>upstream trouble</html>", content_type="text/html")
        if fault == "hang":
            await asyncio.sleep(self.hang_seconds)
        if fault == "malformed":
            return web.Response(status=answer.status, body=b'{"id": "12', headers={"Content-Type": JSON})
        return answer

    def _drop(self, request: web.Request) -> web.Response:
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=500)  # never reaches the client

    def _forbidden(self, method: str, path: str, body: Any) -> str | None:
        """Why this call is a violation, or None: a write only to staff, and only privately."""
        if method in ("GET", "HEAD"):
            return None
        if method == "POST" and path == "/users/@me/channels":
            recipient = str((body or {}).get("recipient_id"))
            return None if recipient in self.staff_users else f"DM opened with {recipient}, who is not configured staff"
        m = re.fullmatch(r"/channels/(\d+)/messages(?:/(\d+))?", path)
        if m and m.group(1) in self.staff_channels and method == "POST" and m.group(2) is None:
            mentions = (body or {}).get("allowed_mentions")
            return None if mentions == {"parse": []} else f"{method} {path} with allowed_mentions {mentions!r}, not none"
        if m and m.group(1) in self.dms:
            if self.dms[m.group(1)] not in self.staff_users:
                return f"{method} {path}: a DM to {self.dms[m.group(1)]}, who is not configured staff"
            if (method == "POST" and m.group(2) is None) or (method == "PATCH" and m.group(2) in self.dm_messages):
                # Even in a staff DM nothing may ping: every post and edit says so (AllowedMentions.none()).
                mentions = (body or {}).get("allowed_mentions")
                return None if mentions == {"parse": []} else f"{method} {path} with allowed_mentions {mentions!r}, not none"
            return f"{method} {path}: not an edit of our own DM"
        if method == "POST" and re.fullmatch(r"/interactions/\d+/[^/]+/callback", path):
            kind = (body or {}).get("type")
            return None if kind == DEFERRED_UPDATE else f"interaction response of type {kind!r}, not the silent deferred update ({DEFERRED_UPDATE})"
        return f"{method} {path}"

    def _serve(self, method: str, path: str, body: Any, query: Any) -> web.Response:

        if method == "GET":
            return self._get(path, query)
        if method == "POST" and path == "/users/@me/channels":
            return self._open_dm(str(body["recipient_id"]))
        m = re.fullmatch(r"/channels/(\d+)/messages", path)
        if method == "POST" and m and (m.group(1) in self.dms or m.group(1) in self.staff_channels):
            return self._send_dm(m.group(1), body)
        m = re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path)
        if method == "PATCH" and m and m.group(1) in self.dms and m.group(2) in self.dm_messages:
            msg = self.dm_messages[m.group(2)]
            msg.update({k: v for k, v in body.items() if k in ("embeds", "components", "content")})
            return self._reply(msg)
        if method == "POST" and re.fullmatch(r"/interactions/\d+/[^/]+/callback", path):
            self.interaction_callbacks.append(body)
            return self._reply({"interaction": {"id": path.split("/")[2], "type": 3}, "resource": {"type": body.get("type")}})
        return self._refuse(f"{method} {path}")

    def _get(self, path: str, query: Any) -> web.Response:
        if path == "/users/@me":
            return self._reply(BOT)
        if path == "/users/@me/guilds":
            return self._reply([{"id": GUILD, "name": "Fake Community", "icon": None, "owner": False, "permissions": "66560", "features": []}])
        if path == f"/guilds/{GUILD}/channels":
            return self._reply([c for c in self.channels.values() if c["type"] not in (10, 11, 12)])
        m = re.fullmatch(r"/users/(\d+)", path)
        if m:
            found = self.users.get(m.group(1))
            return self._reply(found) if found else self._error(404, 10013, "Unknown User")
        if path == "/oauth2/applications/@me":
            return self._reply(
                {
                    "id": APP,
                    "name": "unanswered",
                    "icon": None,
                    "description": "",
                    "bot_public": False,
                    "bot_require_code_grant": False,
                    "verify_key": "00",
                    "flags": 0,
                    "owner": user("1", "owner"),
                }
            )
        m = re.fullmatch(r"/channels/(\d+)/messages", path)
        if m:
            cid = m.group(1)
            if cid in self.dms or cid in self.staff_channels:
                msgs = sorted((x for x in self.dm_messages.values() if x["channel_id"] == cid), key=lambda x: int(x["id"]), reverse=True)
                if query.get("after"):  # the oldest `limit` after it, answered newest first as Discord does
                    newer = [x for x in reversed(msgs) if int(x["id"]) > int(query["after"])][: int(query.get("limit", 50))]
                    return self._reply(list(reversed(newer)))
                if query.get("before"):
                    msgs = [x for x in msgs if int(x["id"]) < int(query["before"])]
                return self._reply(msgs[: int(query.get("limit", 50))])
            if cid not in self.history:
                return self._error(404, 10003, "Unknown Channel")
            after = int(query.get("after", 0))
            newer = sorted((x for x in self.history[cid] if int(x["id"]) > after), key=lambda x: int(x["id"]))
            page = newer[: int(query.get("limit", 50))]
            # REST history has no guild_id/member, unlike gateway events.
            return self._reply([{k: v for k, v in x.items() if k not in ("guild_id", "member")} for x in reversed(page)])
        m = re.fullmatch(r"/channels/(\d+)/messages/(\d+)", path)
        if m:
            found = [x for x in self.history.get(m.group(1), []) if x["id"] == m.group(2)]
            if not found:
                return self._error(404, 10008, "Unknown Message")
            return self._reply({k: v for k, v in found[0].items() if k not in ("guild_id", "member")})
        m = re.fullmatch(r"/channels/(\d+)/threads/archived/(public|private)", path)
        if m:
            kind = 11 if m.group(2) == "public" else 12
            archived = [
                c for c in self.channels.values() if c.get("parent_id") == m.group(1) and c["type"] == kind and c.get("thread_metadata", {}).get("archived")
            ]
            return self._reply({"threads": archived, "members": [], "has_more": False})
        m = re.fullmatch(r"/channels/(\d+)", path)
        if m and m.group(1) in self.channels:
            return self._reply(self.channels[m.group(1)])
        return self._error(404, 0, "404: Not Found")

    def _open_dm(self, recipient: str) -> web.Response:
        cid = next((c for c, uid in self.dms.items() if uid == recipient), None)
        if cid is None:
            cid = str(800000000000000000 + next(self._ids))
            self.dms[cid] = recipient
        return self._reply({"id": cid, "type": 1, "last_message_id": None, "recipients": [user(recipient, f"user{recipient[-2:]}")]})

    def _send_dm(self, cid: str, body: dict[str, Any]) -> web.Response:
        if self.dms.get(cid) in self.closed_dms:
            return self._error(403, 50007, "Cannot send messages to this user")
        mid = snowflake(datetime.now(timezone.utc), next(self._ids))
        msg = {
            "id": mid,
            "channel_id": cid,
            "author": BOT,
            "content": body.get("content") or "",
            "timestamp": iso(datetime.now(timezone.utc)),
            "edited_timestamp": None,
            "tts": False,
            "mention_everyone": False,
            "mentions": [],
            "mention_roles": [],
            "attachments": [
                {"id": str(i), "filename": f["filename"], "size": f["size"], "url": "http://x", "proxy_url": "http://x"}
                for i, f in enumerate(body.get("files", []))
            ],
            "embeds": body.get("embeds") or [],
            "components": body.get("components") or [],
            "pinned": False,
            "type": 0,
            "flags": 0,
            "allowed_mentions": body.get("allowed_mentions"),
        }
        self.dm_messages[mid] = msg
        return self._reply(msg)

    # ------------------------------------------------------------------ views of what happened

    def dms_to(self, user_id: str) -> list[dict[str, Any]]:
        return [m for m in self.dm_messages.values() if self.dms.get(m["channel_id"]) == user_id]

    def click(self, message: dict[str, Any], custom_id: str, clicker: str) -> dict[str, Any]:
        """An INTERACTION_CREATE for a button on one of our DMs, as Discord sends it."""
        return {
            "id": snowflake(datetime.now(timezone.utc), next(self._ids)),
            "application_id": APP,
            "type": 3,
            "token": "interaction-token",
            "version": 1,
            "channel_id": message["channel_id"],
            "channel": {"id": message["channel_id"], "type": 1, "recipients": [user(clicker, "mod")]},
            "user": user(clicker, "mod"),
            "data": {"custom_id": custom_id, "component_type": 2},
            "message": message,
            "locale": "en-US",
            "app_permissions": "0",
            "entitlements": [],
            "authorizing_integration_owners": {"1": clicker},
            "context": 1,
            "attachment_size_limit": 8388608,
        }
