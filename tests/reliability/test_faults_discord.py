"""Fault injection, Discord: discord.py's own client against the fake Discord misbehaving on purpose.

Under each fault the bot stays up, catch-up fills any gap (also when a live message
arrives before the failed catch-up is retried), and each due nudge reaches the
moderator exactly once.
"""

from __future__ import annotations

from typing import Any

import discord
import pytest

from adapters.discord.inbound import DiscordSource
from bot.watchdog import RETRY_AFTER_FAILURE
from tests.adapters.discord.conftest import ALICE, BOB, FORUM, HELP, SETTINGS, serve_fake, sid, until
from tests.adapters.discord.conftest import Bot as BaseBot
from tests.adapters.discord.fake_discord import TOKEN, FakeDiscord, user

SEND = "POST /channels/{id}/messages"
HISTORY = "GET /channels/{id}/messages"


@pytest.fixture
async def fake(monkeypatch, make_settings):
    async for f in serve_fake(monkeypatch, make_settings):
        f.hang_seconds = 1.0
        yield f


class Bot(BaseBot):
    """The Discord test bot, tuned so faults resolve in test time."""

    def make_source(self) -> DiscordSource:
        source = super().make_source()
        source.catch_up_retry = 0.05
        source.transport().send_timeout = 0.5  # the fake's "hang" answers after 1 s
        return source

    def asked(self, mid: str) -> Any:
        return self.tracker.question_at("discord", HELP, mid)


@pytest.fixture
async def bot(make_settings, fake, tracker, clock):
    settings = make_settings(SETTINGS.format(alice=ALICE, bob=BOB, forum=FORUM, api=fake.api_url), UNANSWERED_DISCORD__TOKEN=TOKEN)
    b = Bot(settings, tracker, clock)
    yield b
    await b.stop()


def asker(n: int) -> dict[str, Any]:
    return user(f"61000000000000000{n}", f"member{n}")


def question(fake: FakeDiscord, minutes: float, n: int) -> tuple[str, dict[str, Any]]:
    """A clear member question in #help, stored in the channel's history (not yet sent on the gateway)."""
    mid = sid(minutes)
    return mid, fake.message(HELP, mid, asker(n), f"How do I reset my password on device {n}? I can't get the email to arrive")


def nudge_keys(fake: FakeDiscord) -> list[str]:
    return [m["embeds"][0]["footer"]["text"].rsplit("ref ", 1)[1] for m in fake.dm_messages.values()]


def audited(tracker: Any) -> dict[str, str]:
    return {r["key"]: r["result"] for r in tracker.conn.execute("SELECT key, result FROM audit WHERE kind = 'nudge'")}


@pytest.mark.parametrize("fault", ["429", "500", "502", "503", "drop", "drop-after", "hang", "slow", "malformed"])
async def test_a_fault_on_the_dm_still_delivers_it_exactly_once(fault, fake, bot):
    await bot.start()
    mid, msg = question(fake, 1, 1)
    await fake.dispatch("MESSAGE_CREATE", msg)
    await until(lambda: bot.asked(mid) is not None)
    fake.faults[SEND] = [fault]
    await bot.tick(62)
    for _ in range(3):  # a failed send is retried a minute later
        await bot.tick(RETRY_AFTER_FAILURE.total_seconds() / 60)
    assert fake.injected == [(SEND, fault)]
    keys = nudge_keys(fake)
    assert len(fake.dms_to(ALICE)) == 1 and len(keys) == 1, f"{fault}: {len(keys)} DMs for one step"
    assert audited(bot.tracker)[keys[0]] == "sent" and "pending" not in audited(bot.tracker).values()


async def test_gateway_reconnect_invalid_session_and_a_cut_socket_lose_nothing(fake, bot, monkeypatch):
    async def identify_now(self: Any, shard_id: Any, *, initial: bool = False) -> None:
        pass  # discord.py waits 5 s before identifying again (its documented hook); no need in a test

    monkeypatch.setattr(discord.Client, "before_identify_hook", identify_now)
    await bot.start()
    resumes, identifies = fake.resumes, len(fake.identified)
    asked = []
    for n, trouble in enumerate(("reconnect", "invalid-session", "cut"), start=1):
        mid, _ = question(fake, n, n)  # said while the gateway is about to go away: only history has it
        asked.append(mid)
        if trouble == "reconnect":
            await fake.ask_to_reconnect()  # op 7: RESUME on a new socket
            await until(lambda: fake.resumes > resumes)
        elif trouble == "invalid-session":
            await fake.invalidate_session(resumable=False)  # op 9: IDENTIFY again, READY
            await until(lambda: len(fake.identified) > identifies)
        else:
            await fake.drop_gateway()  # no close frame: discord.py notices and resumes
            await until(lambda: fake.resumes > resumes + 1, timeout=10)
        await until(lambda: bot.asked(mid) is not None, timeout=10)  # noqa: B023 -- awaited in this iteration: this round's mid is meant
    live, msg = question(fake, 10, 9)
    await fake.dispatch("MESSAGE_CREATE", msg)  # and the live feed still works
    await until(lambda: bot.asked(live) is not None)
    assert bot.source is not None and bot.app is not None
    await until(lambda: bot.app.hub.health["discord"].ok)
    assert await bot.tick(75) == 4
    assert len(nudge_keys(fake)) == 4 and set(nudge_keys(fake)) == set(audited(bot.tracker))


@pytest.mark.parametrize("fault", ["429", "503", "drop", "malformed"])
async def test_catch_up_survives_a_fault_and_fills_the_gap_later(fault, fake, bot):
    await bot.start()
    first, msg = question(fake, 1, 1)
    await fake.dispatch("MESSAGE_CREATE", msg)
    await until(lambda: bot.asked(first) is not None)
    await bot.stop()

    missed, _ = question(fake, 10, 2)  # asked while the bot was down
    fake.faults[HISTORY] = [fault]
    await bot.start()  # stays up
    later, msg = question(fake, 20, 3)
    await fake.dispatch("MESSAGE_CREATE", msg)  # a live question before the gap is filled
    await until(lambda: bot.asked(later) is not None)
    await until(lambda: bot.asked(missed) is not None)  # the retried catch-up found it
    assert fake.injected == [(HISTORY, fault)]
    assert await bot.tick(85) == 3
    assert sorted(nudge_keys(fake)) == sorted(audited(bot.tracker))


async def test_a_live_event_the_database_refuses_is_read_again_from_history(fake, bot):
    import sqlite3

    await bot.start()
    bot.tracker.conn.execute("PRAGMA busy_timeout = 50")  # give up on a lock fast (5 s in production)
    other = sqlite3.connect(bot.tracker.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    refused, msg = question(fake, 1, 1)
    await fake.dispatch("MESSAGE_CREATE", msg)
    assert bot.app is not None
    await until(lambda: not bot.app.hub.health["discord"].ok)  # refused: a gap, not a loss
    assert bot.asked(refused) is None
    other.execute("ROLLBACK")
    other.close()
    later, msg2 = question(fake, 2, 2)
    await fake.dispatch("MESSAGE_CREATE", msg2)  # stored live; must not hide the gap
    await until(lambda: bot.asked(later) is not None)
    await until(lambda: bot.asked(refused) is not None, timeout=10)  # re-read from history
    await until(lambda: bot.app.hub.health["discord"].ok)
    assert await bot.tick(75) == 2


async def test_a_refused_live_event_survives_a_crash_after_a_newer_one_was_stored(fake, bot):
    """As above, but the process dies before the retry: the gap was saved before the newer event
    was stored (which moved the resume point past the refused one), so the next start reads it."""
    import sqlite3

    from bot.ingest_gate import PENDING_KEY

    await bot.start()
    assert bot.source is not None and bot.app is not None
    bot.source.port.gate.retry = 3600.0  # the retry would come after the crash
    bot.tracker.conn.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(bot.tracker.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    refused, msg = question(fake, 1, 1)
    await fake.dispatch("MESSAGE_CREATE", msg)
    app = bot.app
    await until(lambda: not app.hub.health["discord"].ok)
    other.execute("ROLLBACK")
    other.close()
    later, msg2 = question(fake, 2, 2)
    await fake.dispatch("MESSAGE_CREATE", msg2)
    await until(lambda: bot.asked(later) is not None)
    assert bot.asked(refused) is None and HELP in bot.source.port.state(PENDING_KEY)  # the gap is on disk
    await bot.stop()  # killed before the retry

    await bot.start()
    assert bot.source is not None
    assert bot.asked(refused) is not None and bot.asked(later) is not None
    assert bot.tracker.conn.execute("SELECT COUNT(*) FROM messages WHERE msg_id = ?", (refused,)).fetchone()[0] == 1
    assert bot.source.port.state(PENDING_KEY) in ({}, None)
    assert await bot.tick(75) == 2
    assert await bot.tick(1) == 0
