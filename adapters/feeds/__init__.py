"""Forum feeds: Discourse and generic RSS/Atom, polled over HTTP.

- ``fetch``: one GET (timeout, conditional GET, size cap, bounded redirects);
- ``parse``: bytes -> feedparser result, or a clear "not a feed";
- ``translate``: parsed feed -> core events (pure; shared by live, replay, check); ``text``: HTML -> text;
- ``poller``: the live ``Source`` (intervals, backoff, health, alerts);
- ``replay``: saved feed files -> events; ``check``: check-config's feed test.

We never write to a forum: this adapter only reads public feeds.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.config import Settings

    from .poller import FeedsSource


def source(settings: "Settings") -> "FeedsSource":
    """The live source for ``[[feeds]]`` (wiring.SOURCES calls this when feeds are configured)."""
    from .poller import FeedsSource

    return FeedsSource(settings)
