"""Fixtures: a fake Slack on loopback, settings pointing at it, and a running Slack source wired to the real core."""

from __future__ import annotations

from typing import Any

import pytest

from adapters.slack.inbound import SlackSource
from bot.wiring import App, build
from tests.helpers import until as eventually  # noqa: F401  # re-exported: the Slack tests import it from here

from .fake_slack import FakeSlack
from .payloads import ALICE, APP_USER, ASKER, BOB, HELP, HELPER, OTHER, RANDOM

TOKENS = {"UNANSWERED_SLACK__BOT_TOKEN": "xoxb-test-bot-token", "UNANSWERED_SLACK__APP_TOKEN": "xapp-test-app-token"}

CONFIG = """
[defaults]
window = "1h"
escalate_after = "30m"

[people.alice]
display_name = "Alice"
slack = "{alice}"

[people.bob]
display_name = "Bob"
slack = "{bob}"

[[routes]]
platform = "slack"
channel = "#help"
mode = "all"
chain = ["alice", "bob"]

[handled]
reactions = ["white_check_mark"]

[slack]
api_url = "{api}"
{extra}
"""


@pytest.fixture
async def fake(make_settings):
    f = await FakeSlack().start()
    make_settings.listeners.append(f.use_config)  # staff = the ids the test's config names
    f.add_channel(HELP, "help")
    f.add_channel(RANDOM, "random")
    for uid, name in ((ASKER, "Asker"), (HELPER, "Helper"), (OTHER, "Other"), (ALICE, "Alice"), (BOB, "Bob")):
        f.add_user(uid, name)
    f.add_user(APP_USER, "helperbot", is_bot=True)
    yield f
    await f.close()
    assert not f.violations, "member-visible Slack calls: " + "; ".join(f.violations)


@pytest.fixture
def slack_settings(make_settings, fake):
    def build_settings(extra: str = "", **env: str):
        return make_settings(CONFIG.format(alice=ALICE, bob=BOB, api=fake.api_url, extra=extra), **{**TOKENS, **env})

    return build_settings


@pytest.fixture
async def start_slack(slack_settings, clock, tracker) -> Any:
    """start_slack(settings=None, tracker=None, **source_kwargs) -> (app, source), connected and caught up."""
    started: list[SlackSource] = []

    async def start(settings: Any = None, *, store: Any = None, **kwargs: Any) -> tuple[App, SlackSource]:
        settings = settings or slack_settings()
        source = SlackSource(settings, **kwargs)
        app = build(settings, clock=clock, tracker=store or tracker, sources=[source])
        await source.start(app.hub)
        started.append(source)
        return app, source

    yield start
    for source in started:
        await source.stop()
