"""Fixtures: the loopback forum, and the real app (tracker, watchdog, door, hub) with a feeds source."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import pytest

from adapters.feeds.poller import FeedsSource
from bot.outbound import Delivery, Note, Recipient, Rendered
from bot.wiring import App, build

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


class RecordingTransport:
    """A Slack stand-in for the door: records what staff would receive (forum questions DM on Slack)."""

    platform = "slack"

    def __init__(self) -> None:
        self.sent: list[tuple[Recipient, Rendered, str, Note]] = []

    def render(self, note: Note, key: str) -> Rendered:
        return Rendered(text=note.as_text())

    async def deliver(self, to: Recipient, rendered: Rendered, key: str, note: Note) -> Delivery:
        self.sent.append((to, rendered, key, note))
        return Delivery(ok=True, ref=f"slack:{key}")

    async def was_delivered(self, to: Recipient, key: str, since: object = None) -> bool | None:
        return any(k == key for _, _, k, _ in self.sent)

    async def update(self, ref: str, rendered: Rendered, note: Note) -> None:
        pass

    def of_kind(self, kind: str) -> list[Note]:
        return [n for _, _, _, n in self.sent if n.kind == kind]


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
