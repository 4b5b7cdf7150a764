"""Fixtures: the loopback forum, and the real app (tracker, watchdog, door, hub) with a feeds source."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.feeds.poller import FeedsSource
from bot.wiring import App, build
from tests.helpers import RecordingTransport  # a Slack stand-in for the door: forum questions DM on Slack

from .fakeserver import FakeForumServer
from .forum import Blog

PEOPLE = """
[defaults]
window = "1h"
escalate_after = "30m"

[people.alice]
display_name = "Alice"
slack = "U0ALICE01"
"""


@dataclass
class FeedsApp:
    app: App
    source: FeedsSource
    dms: RecordingTransport
    server: FakeForumServer

    async def poll(self, name: str = "community") -> str:
        return await self.source.poll_feed(name)

    async def tick(self) -> int:
        return await self.app.watchdog.tick()

    def questions(self) -> list[Any]:
        return self.app.tracker.questions()


@pytest.fixture
async def server():
    srv = await FakeForumServer(blog=Blog("")).start()
    yield srv
    await srv.stop()
    assert not srv.violations, f"member-visible calls to the forum: {srv.violations}"


def feed_toml(name: str, url: str, kind: str = "discourse", **extra: str) -> str:
    lines = [
        f'[[routes]]\nplatform = "forum"\nchannel = "{name}"\nmode = "all"\nchain = ["alice"]\n',
        f'[[feeds]]\nname = "{name}"\nurl = "{url}"\nkind = "{kind}"\ninterval = "5m"\ntimeout = "2s"',
    ]
    lines += [f"{k} = {v}" for k, v in extra.items()]
    return "\n".join(lines) + "\n"


@pytest.fixture
async def make_app(server, make_settings, clock, tracker):
    made: list[FeedsSource] = []

    async def factory(toml: str | None = None, *, start: bool = True, env: dict[str, str] | None = None) -> FeedsApp:
        settings = make_settings(PEOPLE + (toml or feed_toml("community", server.url("/latest.rss"))), **(env or {}))
        source = FeedsSource(settings, rng=random.Random(7))
        app = build(settings, clock=clock, tracker=tracker, sources=[source], dry_run=False)
        dms = RecordingTransport()
        app.door.add_transport(dms)
        made.append(source)
        if start:
            await source.start(app.hub)
        else:
            source.attach(app.hub)
        return FeedsApp(app, source, dms, server)

    yield factory
    for source in made:
        await source.stop()
