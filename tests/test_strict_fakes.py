"""The fakes themselves: a member-visible or non-staff call is a violation, whatever fault is queued.

These talk to the fakes with a plain HTTP client (the calls our code must never make),
and through the real transports (a DM to a member id, which only the door prevents).
"""

from __future__ import annotations

import json

import aiohttp
import pytest

from adapters.discord.outbound import DiscordTransport
from bot.outbound import Note, Recipient
from tests.adapters.discord.fake_discord import TOKEN, FakeDiscord
from tests.adapters.slack.fake_slack import FakeSlack

STAFF, MEMBER = "700000000000000001", "600000000000000001"
SLACK_STAFF, SLACK_MEMBER = "U0ALICE01", "U0ASKER01"
FAULTS = ["429", "500", "drop", "drop-after", "malformed"]


@pytest.fixture
async def discord_fake():
    f = await FakeDiscord(staff_users={STAFF}).start()
    yield f
    await f.close()


@pytest.fixture
async def slack_fake():
    f = await FakeSlack(staff_users={SLACK_STAFF}).start()
    f.add_channel("C0HELP0001", "help")
    yield f
    await f.close()


async def _discord(fake: FakeDiscord, method: str, path: str, body: dict) -> int:
    async with aiohttp.ClientSession() as http:
        try:
            async with http.request(method, fake.api_url + path, json=body, headers={"Authorization": f"Bot {TOKEN}"}) as r:
                return r.status
        except aiohttp.ClientError:
            return 0  # a fault that dropped the connection


@pytest.mark.parametrize("fault", [None, *FAULTS])
async def test_discord_dm_to_a_member_is_a_violation_even_with_a_fault_queued(discord_fake, fault):
    if fault:
        discord_fake.faults["POST /users/@me/channels"] = [fault]
    status = await _discord(discord_fake, "POST", "/users/@me/channels", {"recipient_id": MEMBER})
    assert status == 403
    assert discord_fake.violations == [f"DM opened with {MEMBER}, who is not configured staff"]
    assert discord_fake.injected == []  # the fault was not used: the check came first
    assert MEMBER not in discord_fake.dms.values()


async def test_discord_dm_to_staff_is_allowed_and_a_post_to_a_dm_of_someone_no_longer_staff_is_not(discord_fake):
    assert await _discord(discord_fake, "POST", "/users/@me/channels", {"recipient_id": STAFF}) == 200
    (dm,) = discord_fake.dms
    quiet = {"content": "hi", "allowed_mentions": {"parse": []}}
    assert await _discord(discord_fake, "POST", f"/channels/{dm}/messages", quiet) == 200
    assert discord_fake.violations == []
    assert await _discord(discord_fake, "POST", f"/channels/{dm}/messages", {"content": "hi"}) == 403  # could ping
    assert discord_fake.violations == [f"POST /channels/{dm}/messages with allowed_mentions None, not none"]
    discord_fake.violations.clear()
    discord_fake.staff_users = set()  # the person was removed from the config
    discord_fake.faults["POST /channels/{id}/messages"] = ["500"]
    assert await _discord(discord_fake, "POST", f"/channels/{dm}/messages", quiet) == 403
    assert len(discord_fake.violations) == 1 and "not configured staff" in discord_fake.violations[0]


async def test_the_real_discord_transport_to_a_member_id_is_caught(discord_fake, monkeypatch):
    """Without the door, the transport would DM anyone: the fake is what catches it."""
    import discord

    client = discord.Client(intents=discord.Intents.none())
    monkeypatch.setattr(discord.http.Route, "BASE", discord_fake.api_url)
    await client.login(TOKEN)
    try:
        transport = DiscordTransport(lambda: _ready(client))
        note = Note(kind="notice", title="hello")
        delivery = await transport.deliver(Recipient("mallory", "discord", MEMBER), transport.render(note, "k"), "k", note)
    finally:
        await client.close()
    assert not delivery.ok
    assert discord_fake.violations == [f"DM opened with {MEMBER}, who is not configured staff"]


async def _ready(client):
    return client


@pytest.mark.parametrize("kind", [1, 4, 5, 7, 8, 9])
@pytest.mark.parametrize("fault", [None, "500"])
async def test_discord_interaction_responses_other_than_the_deferred_update_are_violations(discord_fake, kind, fault):
    if fault:
        discord_fake.faults["POST /interactions/{id}/interaction-token/callback"] = [fault]
    status = await _discord(
        discord_fake, "POST", "/interactions/123456789/interaction-token/callback", {"type": kind, "data": {"content": "visible to the clicker"}}
    )
    assert status == 403
    assert discord_fake.violations == [f"interaction response of type {kind}, not the silent deferred update (6)"]
    assert discord_fake.interaction_callbacks == []


async def test_discord_deferred_update_is_allowed(discord_fake):
    assert await _discord(discord_fake, "POST", "/interactions/123456789/interaction-token/callback", {"type": 6}) == 200
    assert discord_fake.violations == [] and discord_fake.interaction_callbacks == [{"type": 6}]


@pytest.mark.parametrize("path", ["/channels/910000000000000001/messages", "/channels/910000000000000001/messages/910000000000000009/reactions/%E2%9C%85/@me"])
async def test_discord_guild_writes_are_violations_before_faults(discord_fake, path):
    discord_fake.faults["POST /channels/{id}/messages"] = ["drop"]
    method = "PUT" if "reactions" in path else "POST"
    assert await _discord(discord_fake, method, path, {"content": "@everyone"}) == 403
    assert len(discord_fake.violations) == 1 and discord_fake.injected == []


async def _slack(fake: FakeSlack, method: str, args: dict) -> dict:
    async with aiohttp.ClientSession() as http:
        try:
            async with http.post(fake.api_url + method, data=args) as r:
                return json.loads(await r.text())
        except (aiohttp.ClientError, ValueError):
            return {}


@pytest.mark.parametrize("fault", [None, *FAULTS])
@pytest.mark.parametrize(
    "method,args",
    [
        ("reactions.add", {"channel": "C0HELP0001", "timestamp": "1.000001", "name": "eyes"}),
        ("chat.postEphemeral", {"channel": "C0HELP0001", "user": SLACK_MEMBER, "text": "hi"}),
        ("chat.postMessage", {"channel": "C0HELP0001", "text": "hi"}),
        ("conversations.open", {"users": SLACK_MEMBER}),
    ],
)
async def test_slack_allow_list_is_checked_before_faults(slack_fake, fault, method, args):
    if fault:
        slack_fake.faults[method] = [fault]
    slack_fake.rate_limited[method] = 1
    answer = await _slack(slack_fake, method, args)
    assert answer.get("ok") is False
    assert len(slack_fake.violations) == 1, slack_fake.violations
    assert slack_fake.injected == []  # the fault is still queued: the allow-list came first
    assert slack_fake.rate_limited[method] == 1


async def test_slack_dm_channel_of_someone_no_longer_staff_is_a_violation(slack_fake):
    opened = await _slack(slack_fake, "conversations.open", {"users": SLACK_STAFF})
    dm = opened["channel"]["id"]
    assert (await _slack(slack_fake, "chat.postMessage", {"channel": dm, "text": "hi"}))["ok"]
    slack_fake.staff_users = set()
    assert not (await _slack(slack_fake, "chat.postMessage", {"channel": dm, "text": "hi"}))["ok"]
    assert slack_fake.violations == [f"chat.postMessage to {dm!r}, not a staff DM or staff channel"]
