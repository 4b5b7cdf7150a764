"""Fixtures for the Discord adapter tests: a fake Discord on 127.0.0.1 and a bot wired to it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, AsyncIterator

import discord
import pytest
import yarl

from adapters.discord.inbound import DiscordSource
from bot import wiring
from tests.conftest import T0
from tests.helpers import until  # noqa: F401  # re-exported: the Discord tests import it from here

from .fake_discord import TOKEN, FakeDiscord, snowflake, user

HELP = "910000000000000001"  # a text channel routed by name ("#help")
FORUM = "910000000000000002"  # a forum channel routed by id, mode "all"
OFFTOPIC = "910000000000000003"  # not watched
ALICE, BOB = "700000000000000001", "700000000000000002"
MEMBER, HELPER, OTHERBOT = "600000000000000001", "600000000000000002", "600000000000000003"

SETTINGS = """
[defaults]
window = "1h"
escalate_after = "30m"

[people.alice]
display_name = "Alice"
discord = "{alice}"

[people.bob]
display_name = "Bob"
discord = "{bob}"

[[routes]]
platform = "discord"
channel = "#help"
chain = ["alice", "bob"]

[[routes]]
platform = "discord"
channel = "{forum}"
mode = "all"
chain = ["alice", "bob"]

[[routes]]
platform = "discord"
channel = "#gone"
chain = ["alice"]

[handled]
reactions = ["✅"]

[discord]
api_url = "{api}"
"""

member = user(MEMBER, "newbie")
helper = user(HELPER, "helper")
otherbot = user(OTHERBOT, "somebot", bot=True)


def at(minutes: float) -> Any:
    return T0 + timedelta(minutes=minutes)


def sid(minutes: float, n: int = 0) -> str:
    """A message id whose time is T0 + minutes."""
    return snowflake(at(minutes), n)


async def serve_fake(monkeypatch: Any, make_settings: Any) -> AsyncIterator[FakeDiscord]:
    """The fake Discord with #help, a forum and an unwatched channel; discord.py pointed at it.

    Staff are the ids the test's config names. At the end the test fails on any member-visible call.
    Shared by the adapter tests (the ``fake`` fixture) and the fault tests (tests/reliability).
    """
    f = await FakeDiscord().start()
    make_settings.listeners.append(f.use_config)
    monkeypatch.setattr(discord.gateway.DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(f.gateway_url))
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)  # restored after the test
    f.text_channel(HELP, "help")
    f.forum_channel(FORUM, "questions")
    f.text_channel(OFFTOPIC, "off-topic")
    yield f
    await f.close()
    assert not f.violations, f"member-visible calls were attempted: {f.violations}"


@pytest.fixture
async def fake(monkeypatch, make_settings):
    async for f in serve_fake(monkeypatch, make_settings):
        yield f


@pytest.fixture
def settings(make_settings, fake):
    return make_settings(SETTINGS.format(alice=ALICE, bob=BOB, forum=FORUM, api=fake.api_url), UNANSWERED_DISCORD__TOKEN=TOKEN)


class Bot:
    """The real adapter, door, watchdog and hub, as bot.wiring builds them, against the fake."""

    def __init__(self, settings: Any, tracker: Any, clock: Any) -> None:
        self.settings, self.tracker, self.clock = settings, tracker, clock
        self.source: DiscordSource | None = None
        self.app: wiring.App | None = None

    def make_source(self) -> DiscordSource:
        return DiscordSource(self.settings, ready_timeout=5, guild_ready_timeout=0.01)

    async def start(self) -> "Bot":
        self.source = self.make_source()
        self.app = wiring.build(self.settings, clock=self.clock, tracker=self.tracker, sources=[self.source])
        await self.app.door.resume_pending()
        await self.source.start(self.app.hub)
        return self

    async def stop(self) -> None:
        if self.source is not None:
            await self.source.stop()
            self.source = None

    async def tick(self, minutes: float = 0) -> int:
        assert self.app is not None
        self.clock.advance(timedelta(minutes=minutes))
        return await self.app.watchdog.tick()


@pytest.fixture
async def bot(settings, tracker, clock):
    b = Bot(settings, tracker, clock)
    yield b
    await b.stop()
