"""A loopback HTTP server standing in for a forum: real sockets, port 0, every call recorded.

It serves a ``Forum`` (Discourse-shaped feeds and JSON topic lists, ``?page=N``;
private categories only to requests with the forum's ``Api-Key`` and
``Api-Username``), a ``Blog`` (WordPress-shaped RSS
with comment feeds) and arbitrary bytes at ``/raw/<name>``; answers 304 to a
matching ``If-None-Match``/``If-Modified-Since``; and misbehaves on purpose per
path (``misbehave[path] = "500" | "html" | "hang" | "loop" | "huge" | …``).
Anything but GET/HEAD is a member-visible write: it is recorded as a violation
and the test fixture fails the test.

Fault injection (tests/reliability): ``faults[path]`` lists misbehaviours for the
next requests of a path, one per request, then it behaves again. Besides those of
``misbehave`` there are "drop" (the connection closed with no answer), "slow"
(the real answer after ``slow_seconds``) and "malformed" (the real feed cut off
mid-element). ``retry_after`` is what a 429 asks for.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from dataclasses import dataclass, field
from email.utils import formatdate

from aiohttp import web
from aiohttp.typedefs import Handler

from .forum import Blog, Forum

HTML_PAGE = b"""<!DOCTYPE html>
<html lang="en"><head><title>Log in - Example Community</title></head>
<body><form action="/session" method="post"><input name="login"><input name="password" type="password"></form></body></html>
"""
HUGE = 50 * 1024 * 1024
CHUNK = 64 * 1024


@dataclass
class Call:
    method: str
    path: str
    if_none_match: str | None
    user_agent: str | None
    status: int = 0


@dataclass
class FakeForumServer:
    forum: Forum = field(default_factory=Forum)
    blog: Blog | None = None
    raw: dict[str, tuple[bytes, str]] = field(default_factory=dict)  # name -> (body, content type)
    misbehave: dict[str, str] = field(default_factory=dict)
    calls: list[Call] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    huge_bytes_sent: int = 0
    hanging: int = 0
    port: int = 0
    faults: dict[str, list[str]] = field(default_factory=dict)
    injected: list[tuple[str, str]] = field(default_factory=list)
    retry_after: str = "3600"
    slow_seconds: float = 0.3
    auth_seen: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # (path, Api-Key, Api-Username)

    def __post_init__(self) -> None:
        self.release = asyncio.Event()
        self._runner: web.AppRunner | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def calls_to(self, path: str) -> list[Call]:
        return [c for c in self.calls if c.path == path]

    async def start(self) -> "FakeForumServer":
        app = web.Application(middlewares=[self._record])
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner = web.AppRunner(app, shutdown_timeout=0.5)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]  # a started TCPSite has a server
        self.forum.base = self.base
        if self.blog is not None:
            self.blog.base = self.base
        return self

    async def stop(self) -> None:
        self.release.set()
        if self._runner is not None:
            await self._runner.cleanup()

    # ------------------------------------------------------------------ plumbing

    @web.middleware
    async def _record(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        call = Call(request.method, request.path, request.headers.get("If-None-Match"), request.headers.get("User-Agent"))
        self.calls.append(call)
        if request.method not in ("GET", "HEAD"):
            # A feed reader has no business writing to a forum: that would be member-visible.
            self.violations.append(f"{request.method} {request.path}")
            call.status = 405
            return web.Response(status=405)
        try:
            resp = await handler(request)
        except web.HTTPException as exc:  # redirects are raised
            call.status = exc.status
            raise
        call.status = resp.status
        return resp

    def _feed(self, request: web.Request, body: bytes, content_type: str = "application/rss+xml") -> web.Response:
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        last_modified = formatdate(int.from_bytes(hashlib.sha1(body).digest()[:3], "big"), usegmt=True)
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        return web.Response(body=body, headers={"ETag": etag, "Last-Modified": last_modified, "Content-Type": f"{content_type}; charset=utf-8"})

    def _authed(self, request: web.Request) -> bool:
        """Discourse's user API key headers: both must match (a key alone, or a wrong user, is refused)."""
        key, user = request.headers.get("Api-Key"), request.headers.get("Api-Username")
        if key is not None or user is not None:
            self.auth_seen.append((request.path, key, user))
        return key == self.forum.api_key and user == self.forum.api_user

    @staticmethod
    def _page(request: web.Request) -> int:
        try:
            return max(0, int(request.query.get("page", "0")))
        except ValueError:
            return 0

    @staticmethod
    def _json(request: web.Request, body: bytes) -> web.Response:
        return web.Response(body=body, headers={"Content-Type": "application/json; charset=utf-8"})

    @staticmethod
    def _denied() -> web.Response:
        # What Discourse answers an anonymous request for a private category's list or topic.
        body = b'{"errors":["You are not permitted to view the requested resource."],"error_type":"invalid_access"}'
        return web.Response(status=403, body=body, headers={"Content-Type": "application/json; charset=utf-8"})

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        fault = self.faults[path].pop(0) if self.faults.get(path) else None
        if fault is not None:
            self.injected.append((path, fault))
            if fault == "drop":
                if request.transport is not None:
                    request.transport.abort()
                return web.Response(status=500)  # never reaches the client
            if fault == "slow":
                await asyncio.sleep(self.slow_seconds)
            elif fault == "malformed":
                resp = await self._serve(request, path)
                body = resp.body if isinstance(resp.body, bytes) else b""
                return web.Response(body=body[: len(body) // 2], headers={"Content-Type": "application/rss+xml; charset=utf-8"})
            else:
                return await self._misbehave(request, fault)
        trouble = self.misbehave.get(path)
        if trouble is not None:
            return await self._misbehave(request, trouble)
        return await self._serve(request, path)

    async def _serve(self, request: web.Request, path: str) -> web.StreamResponse:
        if path == "/login":
            return web.Response(body=HTML_PAGE, content_type="text/html")
        forum = self.forum
        authed = self._authed(request)
        if path == "/latest.rss":
            return self._feed(request, forum.latest_rss(authed=authed))
        if path == "/latest.json":
            return self._json(request, forum.latest_json(page=self._page(request), authed=authed))
        if m := re.fullmatch(r"/c/[^/]+/(\d+)\.(rss|json)", path):
            category = int(m.group(1))
            if category in forum.private and not authed:
                return self._denied()
            if m.group(2) == "json":
                return self._json(request, forum.latest_json(page=self._page(request), category_id=category, authed=authed))
            return self._feed(request, forum.latest_rss(category_id=category, authed=authed))
        if m := re.fullmatch(r"/t/[^/]+/(\d+)\.rss", path):
            topic = forum.topics.get(int(m.group(1)))
            if topic is None:
                return web.Response(status=404, body=HTML_PAGE, content_type="text/html")
            if topic.category_id in forum.private and not authed:
                return self._denied()
            return self._feed(request, forum.topic_rss(topic.id))
        if self.blog is not None and path == "/blog/feed/":
            return self._feed(request, self.blog.feed())
        if self.blog is not None and (m := re.fullmatch(r"/blog/(\d+)/feed/", path)):
            return self._feed(request, self.blog.comments_feed(int(m.group(1))))
        if path.startswith("/raw/") and path[5:] in self.raw:
            body, ctype = self.raw[path[5:]]
            return web.Response(body=body, headers={"Content-Type": ctype})
        return web.Response(status=404, body=HTML_PAGE, content_type="text/html")

    async def _misbehave(self, request: web.Request, trouble: str) -> web.StreamResponse:
        if trouble.isdigit():
            headers = {"Retry-After": self.retry_after} if trouble == "429" else {}
            return web.Response(status=int(trouble), body=HTML_PAGE, content_type="text/html", headers=headers)
        if trouble == "html":
            return web.Response(body=HTML_PAGE, content_type="text/html")
        if trouble == "login":
            raise web.HTTPFound("/login")
        if trouble == "loop":
            raise web.HTTPFound(request.path)
        if trouble == "hang":
            self.hanging += 1
            await self.release.wait()
            return web.Response(status=503)
        if trouble in ("huge", "huge-declared"):
            resp = web.StreamResponse(headers={"Content-Type": "application/rss+xml"})
            if trouble == "huge-declared":
                resp.content_length = HUGE
            else:
                resp.enable_chunked_encoding()
            await resp.prepare(request)
            chunk = b"<rss version='2.0'><channel>" + b" " * (CHUNK - 28)
            try:
                while self.huge_bytes_sent < HUGE:
                    await resp.write(chunk)
                    self.huge_bytes_sent += len(chunk)
            except (ConnectionError, asyncio.CancelledError):
                pass
            return resp
        raise AssertionError(f"unknown misbehaviour {trouble!r}")
