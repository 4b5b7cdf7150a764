"""One HTTP GET of a feed: timeout, conditional GET, size cap, bounded redirects.

Errors become ``FetchError`` with a reason phrased for a person. Reasons and logs
use ``safe_url``: a private feed's URL may carry a key in its query string or a
password in its userinfo, and those are secrets.
"""

from __future__ import annotations

import asyncio
import importlib.metadata
from dataclasses import dataclass
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Mapping
from urllib.parse import urlsplit, urlunsplit

import aiohttp

PROJECT_URL = "https://github.com/unanswered/unanswered"
MAX_REDIRECTS = 5
CHUNK = 64 * 1024
ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"


def _version() -> str:
    try:
        return importlib.metadata.version("unanswered")
    except importlib.metadata.PackageNotFoundError:
        return "0.1.0"


USER_AGENT = f"unanswered/{_version()} (+{PROJECT_URL}; forum feed poller for moderators)"


def safe_url(url: str) -> str:
    """The URL without userinfo, query or fragment: safe to log and to show staff."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
        shown = urlunsplit((parts.scheme, host, parts.path, "", ""))
        return shown + ("?…" if parts.query else "")
    except ValueError:
        return "(an unreadable URL)"


@dataclass(frozen=True)
class Response:
    status: int  # 200, or 304 (not modified: body empty)
    body: bytes = b""
    etag: str | None = None
    last_modified: str | None = None
    content_type: str | None = None


class FetchError(Exception):
    """A failed fetch. ``str()`` is the reason; ``retry_after`` (seconds) when the server asked us to wait."""

    def __init__(self, reason: str, *, status: int | None = None, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.status = status
        self.retry_after = retry_after


def new_session() -> aiohttp.ClientSession:
    # No cookie jar: a feed poller has no business holding a session on the forum.
    return aiohttp.ClientSession(
        headers={"User-Agent": USER_AGENT, "Accept": ACCEPT},
        cookie_jar=aiohttp.DummyCookieJar(),
    )


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=timezone.utc)
    return max(0.0, (when - datetime.now(timezone.utc)).total_seconds())


_STATUS_REASONS = {
    401: "HTTP 401: the server wants a login; the feed must be public (or a private category's feed needs a key)",
    403: "HTTP 403: access denied (a login wall, a private category, or the forum blocks this poller)",
    404: "HTTP 404: nothing at this URL; check it (Discourse: https://<forum>/latest.rss)",
    410: "HTTP 410: the feed is gone; remove it or use its new URL",
    429: "HTTP 429: the server asks us to poll less often",
}


def _status_reason(status: int) -> str:
    if status in _STATUS_REASONS:
        return _STATUS_REASONS[status]
    if status >= 500:
        return f"HTTP {status}: the forum's server failed"
    return f"HTTP {status}: not a feed response"


async def fetch(
    session: aiohttp.ClientSession,
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout: float = 20.0,
    max_bytes: int = 5_000_000,
    auth: Mapping[str, str] | None = None,
    accept: str | None = None,
) -> Response:
    """GET ``url``; raises ``FetchError`` for anything but a usable 200 or a 304.

    ``auth``: credential headers (Discourse ``Api-Key``/``Api-Username``). With them, redirects are not
    followed: a redirect to another host would carry the key there.
    """
    headers = dict(auth or {})
    if accept:
        headers["Accept"] = accept
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    try:
        async with session.get(
            url,
            headers=headers,
            timeout=aiohttp.ClientTimeout(total=timeout),
            allow_redirects=not auth,
            max_redirects=MAX_REDIRECTS,
        ) as resp:
            if auth and 300 <= resp.status < 400:
                raise FetchError(f"HTTP {resp.status}: redirected; not following a redirect with the API key (use the forum's final URL)", status=resp.status)
            if resp.status == 304:
                return Response(status=304, etag=resp.headers.get("ETag") or etag, last_modified=resp.headers.get("Last-Modified") or last_modified)
            if resp.status != 200:
                raise FetchError(_status_reason(resp.status), status=resp.status, retry_after=_retry_after(resp.headers.get("Retry-After")))
            declared = resp.content_length
            if declared is not None and declared > max_bytes:
                raise FetchError(f"the response is {declared} bytes, over the {max_bytes}-byte cap; not reading it", status=200)
            body = bytearray()
            async for chunk in resp.content.iter_chunked(CHUNK):
                body += chunk
                if len(body) > max_bytes:
                    # Stop reading: leaving the block closes the connection without draining it.
                    raise FetchError(f"the response exceeded the {max_bytes}-byte cap; stopped reading it", status=200)
            return Response(
                status=200,
                body=bytes(body),
                etag=resp.headers.get("ETag"),
                last_modified=resp.headers.get("Last-Modified"),
                content_type=resp.headers.get("Content-Type"),
            )
    except FetchError:
        raise
    except aiohttp.TooManyRedirects:
        raise FetchError(f"more than {MAX_REDIRECTS} redirects (a redirect loop?)") from None
    except (asyncio.TimeoutError, TimeoutError):
        raise FetchError(f"no complete answer within {timeout:g}s") from None
    except aiohttp.InvalidURL:
        raise FetchError("not a valid http(s) URL") from None
    except aiohttp.ClientConnectorError as exc:
        raise FetchError(f"cannot connect ({type(exc.os_error).__name__})") from None
    except aiohttp.ClientPayloadError:
        raise FetchError("the response was cut off or badly encoded") from None
    except aiohttp.ClientResponseError as exc:
        raise FetchError(f"bad HTTP response (status {exc.status})") from None
    except aiohttp.ClientError as exc:
        # str(exc) may contain the full URL (with its query): name the kind only.
        raise FetchError(f"HTTP client error ({type(exc).__name__})") from None
    except (ValueError, UnicodeError):
        raise FetchError("not a valid http(s) URL") from None
