"""A fake Slack on 127.0.0.1: the Web API (``POST|GET /api/<method>``) and a Socket Mode WebSocket.

It stands in for Slack the way bolt-python's own test server does: the real
slack_sdk / slack-bolt code makes real HTTP and WebSocket calls to it. It records
every call, and anything a member could see (a post outside a staff DM, a thread
reply, an ephemeral message, a reaction, an unknown write method, a DM to anyone
who is not in ``staff_users``) is recorded as a violation, which the fixture turns
into a test failure. The allow-list is checked first, before any queued fault or
rate limit: a fault must never hide a forbidden call. ``use_config(settings)``
takes the staff ids and staff channels from the test's config.

Fault injection (tests/reliability): ``faults[method]`` is a list of faults, one
used per call of that method, in order: "429" (with ``Retry-After: retry_after``),
"500"/"502"/"503" (an HTML error page, nothing done), "drop" (the connection is
closed before anything is done), "drop-after" (done, then the connection closed:
the answer is lost), "500-after" (done, then answered with an HTML 500, as a Slack edge
that timed out behind the post does), "timeout" (done, then answered after ``timeout_seconds``,
beyond the client's timeout), "slow" (answered after ``slow_seconds``, within
it), "malformed" (done, answered with broken JSON). ``drop_socket`` cuts the
Socket Mode WebSocket without a goodbye; ``send_garbage`` sends a frame that is
not JSON. ``post_delay`` holds every chat.postMessage answer (after the post is
stored) so a crash trial can kill the bot while a send is in flight.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable
from urllib.parse import parse_qsl

from aiohttp import WSMsgType, web

READ_METHODS = {
    "auth.test",
    "apps.connections.open",
    "conversations.list",
    "conversations.history",
    "conversations.replies",
    "conversations.info",
    "users.info",
}
# Writes a staff-only bot may make, each checked below.
STAFF_WRITES = {"conversations.open", "chat.postMessage", "chat.update", "files.getUploadURLExternal", "files.completeUploadExternal"}

BOT_USER, BOT_ID, TEAM = "U0BOT0001", "B0BOT0001", "T0ACME001"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    headers: dict[str, str]
    at: float = field(default_factory=time.monotonic)


class FakeSlack:
    def __init__(self, staff_users: set[str] | None = None, staff_channels: set[str] | None = None) -> None:
        self.staff_users = set(staff_users or ())
        self.staff_channels = set(staff_channels or ())
        self.calls: list[Call] = []
        self.violations: list[str] = []
        self.channels: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, list[dict[str, Any]]] = {}  # channel -> every message (roots and replies)
        self.users: dict[str, dict[str, Any]] = {}
        self.dms: dict[str, str] = {}  # user -> D… id we handed out
        self.posted: dict[tuple[str, str], dict[str, Any]] = {}  # (D…, ts) -> our message
        self.rate_limited: dict[str, int] = {}  # method -> how many 429s to answer first
        self.failing: dict[str, str] = {}  # method -> Slack error to answer with
        self.dm_errors: dict[str, str] = {}  # user -> error conversations.open answers for them
        self.faults: dict[str, list[str]] = {}  # method -> faults for its next calls (see the module docstring)
        self.injected: list[tuple[str, str]] = []  # (method, fault) as used
        self.retry_after = "1"
        self.slow_seconds = 0.3
        self.timeout_seconds = 3.0
        self.post_delay = 0.0
        self.sockets: list[web.WebSocketResponse] = []
        self.acks: dict[str, asyncio.Event] = {}
        self.hellos = 0
        self.port = 0
        self._changed = asyncio.Event()
        self._ts = itertools.count(1)
        self._runner: web.AppRunner | None = None

    # ------------------------------------------------------------------ server

    async def start(self) -> "FakeSlack":
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_get("/link", self._socket)
        app.router.add_post("/upload/{id}", self._upload)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # a started TCPSite has a server
        return self

    async def close(self) -> None:
        for ws in list(self.sockets):
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def use_config(self, settings: Any) -> None:
        """Staff are whoever the config in force names: anyone else is a violation."""
        self.staff_users = set(settings.staff_ids("slack"))
        self.staff_channels = {c.channel for c in settings.staff_channels.values() if c.platform == "slack"}

    def _touch(self) -> None:
        self._changed.set()

    async def wait_for(self, predicate: Callable[[], Any], timeout: float = 5.0) -> Any:
        """Wait until ``predicate()`` is truthy, re-checking whenever a call or ack arrives."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - asyncio.get_running_loop().time()
            if remaining <= 0:
                raise AssertionError("condition not met in time; calls: " + ", ".join(c.method for c in self.calls))
            self._changed.clear()
            try:
                await asyncio.wait_for(self._changed.wait(), min(remaining, 0.05))
            except asyncio.TimeoutError:
                pass

    def called(self, method: str) -> list[Call]:
        return [c for c in self.calls if c.method == method]

    # ------------------------------------------------------------------ workspace state

    def add_channel(self, cid: str, name: str, *, is_member: bool = True, private: bool = False) -> None:
        self.channels[cid] = {
            "id": cid,
            "name": name,
            "is_channel": not private,
            "is_group": private,
            "is_private": private,
            "is_archived": False,
            "is_member": is_member,
            "created": 1700000000,
        }
        self.messages.setdefault(cid, [])

    def add_user(self, uid: str, name: str, *, is_bot: bool = False) -> None:
        self.users[uid] = {
            "id": uid,
            "team_id": TEAM,
            "name": name.lower(),
            "real_name": name,
            "is_bot": is_bot,
            "is_app_user": False,
            "deleted": False,
            "profile": {"display_name": name, "real_name": name},
        }

    def history_add(self, channel: str, msg: dict[str, Any]) -> None:
        """A message Slack has stored (posted while the bot was not listening)."""
        self.messages[channel].append(msg)
        root = msg.get("thread_ts")
        if root and root != msg["ts"]:
            for parent in self.messages[channel]:
                if parent["ts"] == root:
                    parent["reply_count"] = parent.get("reply_count", 0) + 1
                    parent["latest_reply"] = msg["ts"]
                    parent.setdefault("thread_ts", root)

    # ------------------------------------------------------------------ Socket Mode

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.sockets.append(ws)
        self.hellos += 1
        await ws.send_str(
            json.dumps(
                {
                    "type": "hello",
                    "num_connections": 1,
                    "debug_info": {"host": "applink-fake", "approximate_connection_time": 18060},
                    "connection_info": {"app_id": "A0APP0001"},
                }
            )
        )
        self._touch()
        try:
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    data = json.loads(msg.data)
                    ack = self.acks.get(data.get("envelope_id", ""))
                    if ack is not None:
                        ack.set()
                    self._touch()
        finally:
            if ws in self.sockets:
                self.sockets.remove(ws)
        return ws

    async def connected(self, count: int = 1) -> None:
        await self.wait_for(lambda: self.hellos >= count and self.sockets)

    async def push(self, envelope_type: str, payload: dict[str, Any], *, retry_attempt: int = 0) -> None:
        """Send one envelope over the live WebSocket and wait for the client's ack."""
        await self.wait_for(lambda: self.sockets)
        envelope_id = str(uuid.uuid4())
        self.acks[envelope_id] = asyncio.Event()
        await self.sockets[-1].send_str(
            json.dumps(
                {
                    "envelope_id": envelope_id,
                    "payload": payload,
                    "type": envelope_type,
                    "accepts_response_payload": False,
                    "retry_attempt": retry_attempt,
                    "retry_reason": "timeout" if retry_attempt else "",
                }
            )
        )
        await asyncio.wait_for(self.acks[envelope_id].wait(), 5)

    async def push_event(self, event: dict[str, Any], *, event_id: str | None = None, retry_attempt: int = 0) -> str:
        event_id = event_id or f"Ev{uuid.uuid4().hex[:10].upper()}"
        await self.push("events_api", event_callback(event, event_id), retry_attempt=retry_attempt)
        return event_id

    async def drop_socket(self) -> None:
        """Cut the live WebSocket abruptly (no "disconnect" message), as a network failure does."""
        await self.wait_for(lambda: self.sockets)
        ws = self.sockets.pop()
        transport = ws._req.transport if ws._req is not None else None  # type: ignore[attr-defined]  # aiohttp private: the socket, to drop it without a close frame
        if transport is not None:
            transport.abort()
        self._touch()

    async def send_garbage(self) -> None:
        """A frame that is not JSON: the client must shrug it off and stay connected."""
        await self.wait_for(lambda: self.sockets)
        await self.sockets[-1].send_str('{"envelope_id": "x", "type": "events_api", "payload": {')

    async def ask_reconnect(self) -> None:
        """Slack's periodic 'disconnect' (refresh_requested): the client must open a new connection."""
        await self.sockets[-1].send_str(json.dumps({"type": "disconnect", "reason": "refresh_requested", "debug_info": {"host": "applink-fake"}}))

    # ------------------------------------------------------------------ Web API

    async def _upload(self, request: web.Request) -> web.Response:
        self.calls.append(Call("upload", {"bytes": len(await request.read())}, dict(request.headers)))
        self._touch()
        return web.Response(text="OK - 1")

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        args: dict[str, Any] = dict(request.query)
        body = await request.read()
        if body:
            if request.content_type == "application/json":
                args.update(json.loads(body))
            else:
                args.update(parse_qsl(body.decode()))
        self.calls.append(Call(method, args, dict(request.headers)))
        self._touch()
        forbidden = self._forbidden(method, args)
        if forbidden is not None:  # before faults and rate limits: neither may hide it
            self.violations.append(forbidden)
            return web.json_response({"ok": False, "error": "restricted_action"})
        fault = self.faults[method].pop(0) if self.faults.get(method) else None
        if fault is not None:
            self.injected.append((method, fault))
            early = await self._fault_before(request, fault)
            if early is not None:
                return early
        if self.rate_limited.get(method):
            self.rate_limited[method] -= 1
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": "0"})
        if method in self.failing:
            return web.json_response({"ok": False, "error": self.failing[method]})
        handler = getattr(self, "_" + method.replace(".", "_"))
        answer = handler(args)
        if method == "chat.postMessage" and self.post_delay:
            await asyncio.sleep(self.post_delay)
        if fault is not None:
            late = await self._fault_after(request, fault)
            if late is not None:
                return late
        return web.json_response(answer)

    def _forbidden(self, method: str, args: dict[str, Any]) -> str | None:
        """Why this call is a violation (member-visible, or to someone not staff), or None."""
        if method in READ_METHODS:
            return None
        if method not in STAFF_WRITES:
            return f"{method} is not a method a staff-only bot may call ({args})"
        if method == "conversations.open":
            users = str(args.get("users", ""))
            return None if users in self.staff_users else f"conversations.open with {users!r}, who is not staff"
        if method == "chat.postMessage":
            channel = args.get("channel")
            if channel not in self._staff_dms() | self.staff_channels:
                return f"chat.postMessage to {channel!r}, not a staff DM or staff channel"
            for forbidden in ("thread_ts", "reply_broadcast", "icon_emoji", "icon_url", "username", "link_names"):
                if args.get(forbidden):
                    return f"chat.postMessage with {forbidden}"
            return None
        if method == "chat.update":
            key = (args.get("channel"), args.get("ts"))
            if key not in self.posted or key[0] not in self._staff_dms() | self.staff_channels:
                return f"chat.update of {key}, not a message this bot posted in a staff DM"
            return None
        if method == "files.completeUploadExternal":
            channel = args.get("channel_id")
            return None if channel in self._staff_dms() else f"file shared to {channel!r}, not a staff DM"
        return None

    def _staff_dms(self) -> set[str]:
        """DM channels of people who are staff under the config in force."""
        return {dm for uid, dm in self.dms.items() if uid in self.staff_users}

    async def _fault_before(self, request: web.Request, fault: str) -> web.StreamResponse | None:
        """Faults that stop a call before it is carried out."""
        if fault == "429":
            return web.json_response({"ok": False, "error": "ratelimited"}, status=429, headers={"Retry-After": self.retry_after})
        if fault in ("500", "502", "503"):
            return web.Response(status=int(fault), text="<html><body>upstream trouble</body></html>", content_type="text/html")
        if fault == "drop":
            return self._drop(request)
        if fault == "slow":
            await asyncio.sleep(self.slow_seconds)
        elif fault not in ("drop-after", "500-after", "timeout", "malformed"):
            raise AssertionError(f"unknown fault {fault!r}")
        return None

    async def _fault_after(self, request: web.Request, fault: str) -> web.StreamResponse | None:
        """Faults that lose or spoil the answer of a call that was carried out."""
        if fault == "drop-after":
            return self._drop(request)
        if fault == "500-after":
            return web.Response(status=500, text="<html><body>upstream trouble</body></html>", content_type="text/html")
        if fault == "timeout":
            await asyncio.sleep(self.timeout_seconds)
        if fault == "malformed":
            return web.Response(text='{"ok": true, "channel": "D0', content_type="application/json")
        return None

    def _drop(self, request: web.Request) -> web.Response:
        if request.transport is not None:
            request.transport.abort()
        return web.Response(status=500)  # never reaches the client: the connection is gone

    def _ts_now(self) -> str:
        return f"{int(time.time())}.{next(self._ts):06d}"

    def _auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://acme.slack.com/",
            "team": "Acme",
            "user": "unanswered",
            "team_id": TEAM,
            "user_id": BOT_USER,
            "bot_id": BOT_ID,
            "is_enterprise_install": False,
        }

    def _apps_connections_open(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/link"}

    def _conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "channels": list(self.channels.values()), "response_metadata": {"next_cursor": ""}}

    def _conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        ch = self.channels.get(args.get("channel", ""))
        return {"ok": True, "channel": ch} if ch else {"ok": False, "error": "channel_not_found"}

    def _users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(args.get("user", ""))
        return {"ok": True, "user": user} if user else {"ok": False, "error": "user_not_found"}

    def _page(self, items: list[dict[str, Any]], args: dict[str, Any]) -> dict[str, Any]:
        limit = int(args.get("limit") or 100)
        start = int(args.get("cursor") or 0)
        page = items[start : start + limit]
        more = start + limit < len(items)
        return {"ok": True, "messages": page, "has_more": more, "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel", "")
        if channel in self.dms.values():
            after = Decimal(args.get("oldest") or 0)
            mine = [m for (c, _), m in self.posted.items() if c == channel and Decimal(m["ts"]) > after]
            if str(args.get("include_all_metadata", "")).lower() not in ("1", "true"):
                mine = [{k: v for k, v in m.items() if k != "metadata"} for m in mine]  # Slack sends metadata only when asked
            return self._page(sorted(mine, key=lambda m: Decimal(m["ts"]), reverse=True), args)
        if channel not in self.channels:
            return {"ok": False, "error": "channel_not_found"}
        oldest = Decimal(args.get("oldest") or 0)
        roots = [
            m for m in self.messages[channel] if (m.get("thread_ts") in (None, m["ts"]) or m.get("subtype") == "thread_broadcast") and Decimal(m["ts"]) > oldest
        ]
        return self._page(sorted(roots, key=lambda m: Decimal(m["ts"]), reverse=True), args)

    def _conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, root = args.get("channel", ""), args.get("ts", "")
        thread = [m for m in self.messages.get(channel, []) if m["ts"] == root or m.get("thread_ts") == root]
        if not thread:
            return {"ok": False, "error": "thread_not_found"}
        return self._page(sorted(thread, key=lambda m: Decimal(m["ts"])), args)

    # -- the staff-only writes, each checked

    def _conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = str(args.get("users", ""))
        if users in self.dm_errors:
            return {"ok": False, "error": self.dm_errors[users]}
        dm = self.dms.setdefault(users, f"D{len(self.dms) + 1:08d}")
        return {"ok": True, "channel": {"id": dm}}

    def _chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel")
        ts = self._ts_now()
        metadata = args.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        blocks = args.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        msg = {"type": "message", "user": BOT_USER, "bot_id": BOT_ID, "text": args.get("text", ""), "blocks": blocks, "ts": ts, "metadata": metadata}
        self.posted[(channel, ts)] = msg
        return {"ok": True, "channel": channel, "ts": ts, "message": msg}

    def _chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        key = (args.get("channel"), args.get("ts"))
        blocks = args.get("blocks")
        self.posted[key].update(text=args.get("text", ""), blocks=json.loads(blocks) if isinstance(blocks, str) else blocks)
        return {"ok": True, "channel": key[0], "ts": key[1]}

    def _files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/upload/F1", "file_id": "F0CHART01"}

    def _files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "files": [{"id": "F0CHART01"}]}


def event_callback(event: dict[str, Any], event_id: str) -> dict[str, Any]:
    """The Events API outer envelope, as Slack documents it."""
    return {
        "token": "XXYYZZ",
        "team_id": TEAM,
        "api_app_id": "A0APP0001",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(float(event.get("event_ts") or event.get("ts") or 0)),
        "authorizations": [{"enterprise_id": None, "team_id": TEAM, "user_id": BOT_USER, "is_bot": True, "is_enterprise_install": False}],
        "is_ext_shared_channel": False,
        "event_context": "4-fake",
    }
