"""check-config proves the set-up against the loopback Slack and Discord fakes (real slack_sdk and discord.py HTTP)."""

from __future__ import annotations

import asyncio
import os
import re
import textwrap
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import discord
import pytest
from click.testing import CliRunner

from bot.cli import main
from tests.adapters.discord.fake_discord import TOKEN as DISCORD_TOKEN
from tests.adapters.discord.fake_discord import FakeDiscord, user
from tests.adapters.slack.fake_slack import FakeSlack

SLACK_HELP, D_HELP = "C0HELP0001", "910000000000000001"
ALICE, BOB_BOT, NOBODY = "U0ALICE01", "U0HELPBOT", "U0NOBODY9"
D_ALICE, D_CAROL, D_BOT = "700000000000000001", "700000000000000003", "700000000000000009"

GOOD = """
[people.alice]
display_name = "Alice"
slack = "{alice}"
discord = "{d_alice}"
timezone = "Europe/Berlin"
quiet_hours = "22:00-08:00"

[[routes]]
platform = "slack"
channel = "#help"
chain = ["alice"]

[[routes]]
platform = "discord"
channel = "#help"
chain = ["alice"]

[storage]
path = "t.db"

[slack]
api_url = "{slack}"

[discord]
api_url = "{discord}"
"""

BROKEN = (
    GOOD.replace(
        'chain = ["alice"]\n\n[[routes]]\nplatform = "discord"',
        '''chain = ["alice", "bob", "carol", "dave"]

[[routes]]
platform = "slack"
channel = "#helpp"
chain = ["alice"]

[[routes]]
platform = "discord"
channel = "#support"
chain = ["alice", "erin"]

[[routes]]
platform = "discord"''',
        1,
    )
    + """
[people.bob]
slack = "{bob_bot}"
timezone = "America/New_York"

[people.carol]
discord = "{d_carol}"
timezone = "Asia/Kolkata"

[people.dave]
slack = "{nobody}"

[people.erin]
discord = "{d_bot}"

[staff_channels.mods]
platform = "slack"
channel = "C0GONE0001"

[staff_channels.discord_mods]
platform = "discord"
channel = "910000000000000077"
"""
)


@pytest.fixture
async def fakes(monkeypatch):
    slack = await FakeSlack(staff_users={ALICE}).start()
    slack.add_channel(SLACK_HELP, "help")
    slack.add_user(ALICE, "Alice")
    slack.add_user(BOB_BOT, "helperbot", is_bot=True)
    disc = await FakeDiscord().start()
    monkeypatch.setattr(discord.http.Route, "BASE", discord.http.Route.BASE)  # restored after the test
    disc.text_channel(D_HELP, "help")
    disc.users[D_ALICE] = user(D_ALICE, "alice")
    disc.users[D_CAROL] = user(D_CAROL, "carol")
    disc.users[D_BOT] = user(D_BOT, "otherbot", bot=True)
    yield slack, disc
    await slack.close()
    await disc.close()
    assert not slack.violations and not disc.violations, (slack.violations, disc.violations)


def _write(tmp_path, text: str, slack: FakeSlack, disc: FakeDiscord):
    path = tmp_path / "unanswered.toml"
    path.write_text(
        textwrap.dedent(
            text.format(alice=ALICE, d_alice=D_ALICE, bob_bot=BOB_BOT, d_carol=D_CAROL, nobody=NOBODY, d_bot=D_BOT, slack=slack.api_url, discord=disc.api_url)
        ),
        encoding="utf-8",
    )
    return path


def _env(monkeypatch):
    for key in list(os.environ):
        if key.startswith("UNANSWERED_"):
            monkeypatch.delenv(key)
    monkeypatch.setenv("UNANSWERED_SLACK__BOT_TOKEN", "xoxb-test-bot-token")
    monkeypatch.setenv("UNANSWERED_SLACK__APP_TOKEN", "xapp-test-app-token")
    monkeypatch.setenv("UNANSWERED_DISCORD__TOKEN", DISCORD_TOKEN)


async def _check(*args: str):
    # In a thread: the CLI runs its own event loop, this one serves the fakes.
    return await asyncio.to_thread(CliRunner().invoke, main, ["check-config", *args])


async def test_a_sound_set_up_is_proven_and_each_persons_clock_shown(fakes, tmp_path, monkeypatch):
    slack, disc = fakes
    _env(monkeypatch)
    result = await _check("-c", str(_write(tmp_path, GOOD, slack, disc)))
    print(result.output)
    assert result.exit_code == 0, result.output
    assert slack.called("auth.test") and slack.called("users.info") and any(c.path == f"/users/{D_ALICE}" for c in disc.calls)
    berlin = datetime.now(timezone.utc).astimezone(ZoneInfo("Europe/Berlin"))
    offset = berlin.strftime("%z")
    line = next(x for x in result.output.splitlines() if x.startswith("  alice:"))
    utc_offset = re.escape(f"(UTC{offset[0]}{offset[1:3]}:{offset[3:]})")
    assert re.search(rf"Europe/Berlin: now \w{{3}} \d\d:\d\d {utc_offset}, quiet 22:00-08:00", line), line
    assert "DMed on discord and slack" in line
    assert "logged in as unanswered in workspace Acme" in result.output
    assert result.output.rstrip().splitlines()[-1] == "OK"
    # --offline asks nobody.
    before = len(slack.calls) + len(disc.calls)
    offline = await _check("-c", str(tmp_path / "unanswered.toml"), "--offline")
    assert offline.exit_code == 0 and len(slack.calls) + len(disc.calls) == before
    assert "were not asked" in offline.output


async def test_a_missing_channel_a_bot_and_a_wrong_platform_person_are_named(fakes, tmp_path, monkeypatch):
    slack, disc = fakes
    _env(monkeypatch)
    result = await _check("-c", str(_write(tmp_path, BROKEN, slack, disc)))
    print(result.output)
    assert result.exit_code == 2
    out = result.output
    assert "config error: routes[1] (slack #helpp): the app sees no channel named #helpp (did you mean #help?)" in out
    assert "config error: routes[2] (discord #support): the bot sees no text or forum channel named #support" in out
    assert f"config error: people.bob: Slack member {BOB_BOT} (helperbot) is a bot, not a person" in out
    assert f"config error: people.dave: Slack has no member {NOBODY} in this workspace (user_not_found)" in out
    assert f"config error: people.erin: Discord user {D_BOT} (otherbot) is a bot, not a person" in out
    assert "config error: staff_channels.mods: Slack says channel_not_found for C0GONE0001" in out
    assert "config error: staff_channels.discord_mods: Discord says 404 for channel 910000000000000077" in out
    assert (
        "warning: people.carol is on the chain of routes[0] (slack #help) but has only a discord id: they will be DMed on Discord about Slack questions"
    ) in out
    carol = next(x for x in out.splitlines() if x.startswith("  carol:"))
    assert "Asia/Kolkata: now" in carol and "(UTC+05:30)" in carol and "no quiet hours" in carol and "DMed on discord" in carol
    assert "xoxb-test-bot-token" not in out and DISCORD_TOKEN not in out


async def test_refused_tokens_are_reported_without_quoting_them(fakes, tmp_path, monkeypatch):
    slack, disc = fakes
    _env(monkeypatch)
    slack.failing["auth.test"] = "invalid_auth"
    disc.valid_token = "another-token"
    result = await _check("-c", str(_write(tmp_path, GOOD, slack, disc)), "--online")
    assert result.exit_code == 2
    assert "Slack refused UNANSWERED_SLACK__BOT_TOKEN (invalid_auth)" in result.output
    assert "Discord refused the token in UNANSWERED_DISCORD__TOKEN" in result.output
    assert "xoxb-test-bot-token" not in result.output and DISCORD_TOKEN not in result.output


def test_online_without_anything_to_check_says_so(tmp_path, monkeypatch):
    for key in list(os.environ):
        if key.startswith("UNANSWERED_"):
            monkeypatch.delenv(key)
    path = tmp_path / "u.toml"
    path.write_text('[people.al]\nslack = "U0AL"\n', encoding="utf-8")
    result = CliRunner().invoke(main, ["check-config", "-c", str(path), "--online"])
    assert result.exit_code == 2 and "nothing to check online" in result.output
