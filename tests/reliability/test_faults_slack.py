"""Fault injection, Slack: the real slack_sdk / slack-bolt against the fake Slack misbehaving on purpose.

Under each fault the app stays up, catch-up fills any gap, and each due nudge reaches
the moderator exactly once (the fake's record of DMs, told apart by their audit key,
against the audit log).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from adapters.slack.inbound import SlackSource
from bot.watchdog import RETRY_AFTER_FAILURE
from bot.wiring import build
from tests.adapters.slack.conftest import CONFIG, TOKENS, eventually
from tests.adapters.slack.fake_slack import FakeSlack
from tests.adapters.slack.payloads import ALICE, ASKER, BOB, HELP, HELPER, OTHER, message, ts

WINDOW = timedelta(hours=1)
CLIENT_TIMEOUT = 1  # seconds; the fake's "timeout" fault answers after 1.5 s


@pytest.fixture
async def fake(make_settings):
    f = await FakeSlack().start()
    make_settings.listeners.append(f.use_config)  # staff = the ids the test's config names
    f.add_channel(HELP, "help")
    for uid, name in ((ASKER, "Asker"), (HELPER, "Helper"), (OTHER, "Other"), (ALICE, "Alice"), (BOB, "Bob")):
        f.add_user(uid, name)
    f.retry_after = "0"
    f.timeout_seconds = CLIENT_TIMEOUT + 0.5
    yield f
    await f.close()
    assert not f.violations, "member-visible Slack calls: " + "; ".join(f.violations)


class Bot:
    """The real Slack source, door, watchdog and hub on a shared tracker; restartable."""

    def __init__(self, fake: FakeSlack, make_settings: Any, clock: Any, tracker: Any) -> None:
        self.settings = make_settings(CONFIG.format(alice=ALICE, bob=BOB, api=fake.api_url, extra=""), **TOKENS)
        self.fake, self.clock, self.tracker = fake, clock, tracker
        self.sources: list[SlackSource] = []

    async def start(self) -> tuple[Any, SlackSource]:
        source = SlackSource(self.settings)
        source.client.timeout = CLIENT_TIMEOUT
        source.transport().client.timeout = CLIENT_TIMEOUT
        source.catch_up_retry = 0.05
        source.socket_ping_interval = 0.2  # notice a cut socket within a fraction of a second
        app = build(self.settings, clock=self.clock, tracker=self.tracker, sources=[source])
        await app.door.resume_pending()
        await source.start(app.hub)
        self.sources.append(source)
        return app, source

    async def stop(self) -> None:
        for source in self.sources:
            await source.stop()
        self.sources.clear()


@pytest.fixture
async def bot(fake, make_settings, clock, tracker):
    b = Bot(fake, make_settings, clock, tracker)
    yield b
    await b.stop()


def question(tracker: Any, msg_ts: str) -> Any:
    return next((q for q in tracker.questions() if q.msg_id == msg_ts), None)


def nudge_keys(fake: FakeSlack) -> list[str]:
    return [m["metadata"]["event_payload"]["key"] for (c, _), m in fake.posted.items() if c.startswith("D")]


def audited(tracker: Any) -> dict[str, str]:
    return {r["key"]: r["result"] for r in tracker.conn.execute("SELECT key, result FROM audit WHERE kind = 'nudge'")}


async def ask(fake: FakeSlack, text: str, when: str) -> None:
    fake.history_add(HELP, message(text, channel=None, when=when))
    await fake.push_event(message(text, when=when))


@pytest.mark.parametrize("fault", ["429", "500", "502", "503", "drop", "drop-after", "timeout", "slow", "malformed"])
async def test_a_fault_on_the_dm_still_delivers_it_exactly_once(fault, fake, bot, clock, tracker):
    app, _ = await bot.start()
    asked = ts(1)
    await ask(fake, "How do I rotate the API keys?", asked)
    await eventually(lambda: question(tracker, asked))
    fake.faults["chat.postMessage"] = [fault]
    clock.advance(WINDOW + timedelta(minutes=2))
    await app.watchdog.tick()
    for _ in range(3):  # a failed send is retried a minute later, as many times as it takes
        clock.advance(RETRY_AFTER_FAILURE)
        await app.watchdog.tick()
    assert fake.injected == [("chat.postMessage", fault)]
    keys = nudge_keys(fake)
    assert len(keys) == 1, f"{fault}: the moderator got {len(keys)} DMs for one step"
    assert fake.dms[ALICE] == next(iter(fake.posted))[0]
    results = audited(tracker)
    assert results[keys[0]] == "sent" and "pending" not in results.values()
    assert app.hub.health["slack"].ok


@pytest.mark.parametrize("fault", ["429", "500", "503", "drop", "timeout", "malformed"])
async def test_catch_up_survives_a_fault_and_fills_the_gap_later(fault, fake, bot, clock, tracker):
    app, source = await bot.start()
    first = ts(1)
    await ask(fake, "What's the VPN address?", first)
    await eventually(lambda: question(tracker, first))
    await bot.stop()

    missed = ts(10)  # asked while the bot was down
    fake.history_add(HELP, message("Why is CI red on main?", channel=None, when=missed))
    # More than the client retries (timeouts and unreadable answers are not retried): this catch-up fails.
    fake.faults["conversations.history"] = [fault] * (1 if fault in ("timeout", "malformed") else 3)
    app, source = await bot.start()  # must not raise: the process stays up
    await fake.connected(2)
    later = ts(20)  # a live question lands before the gap is filled: the gap must not be skipped
    await ask(fake, "How do I get a staging account?", later)
    await eventually(lambda: question(tracker, later))
    await eventually(lambda: question(tracker, missed), timeout=10)  # the retried catch-up found it
    assert question(tracker, missed).asked_at < question(tracker, later).asked_at

    clock.advance(timedelta(minutes=20) + WINDOW)
    assert await app.watchdog.tick() == 3  # each question's first nudge, once
    assert sorted(nudge_keys(fake)) == sorted(audited(tracker))


async def test_socket_cut_garbage_and_refresh_lose_nothing(fake, bot, clock, tracker):
    app, source = await bot.start()
    await fake.connected(1)
    await fake.send_garbage()  # not JSON: ignored, the connection stays
    a = ts(1)
    await ask(fake, "Is the wiki down?", a)
    await eventually(lambda: question(tracker, a))

    await fake.drop_socket()  # no goodbye: the client notices and reconnects
    b = ts(2)
    fake.history_add(HELP, message("How do I reset 2FA?", channel=None, when=b))  # said while it was away
    fake.faults["apps.connections.open"] = ["503"]  # and the first reconnect attempt fails
    await fake.connected(2)
    await eventually(lambda: question(tracker, b), timeout=10)

    await fake.ask_reconnect()  # Slack's own refresh
    await fake.connected(3)
    c = ts(3)
    await ask(fake, "Where are the runbooks?", c)
    await eventually(lambda: question(tracker, c))
    await eventually(lambda: app.hub.health["slack"].ok)

    clock.advance(WINDOW + timedelta(minutes=5))
    assert await app.watchdog.tick() == 3
    assert len(nudge_keys(fake)) == 3 and set(nudge_keys(fake)) == set(audited(tracker))


async def test_slow_answers_everywhere_change_nothing(fake, bot, clock, tracker):
    for method in ("auth.test", "conversations.list", "conversations.history", "users.info", "conversations.open"):
        fake.faults[method] = ["slow"]
    old = ts(-5)
    fake.history_add(HELP, message("How do I request a laptop?", channel=None, when=old))
    app, _ = await bot.start()
    assert question(tracker, old) is not None
    clock.advance(WINDOW)
    assert await app.watchdog.tick() == 1
    assert len(nudge_keys(fake)) == 1


async def test_a_live_event_the_database_refuses_is_read_again_from_history(fake, bot, clock, tracker):
    import sqlite3

    app, source = await bot.start()
    await fake.connected(1)
    tracker.conn.execute("PRAGMA busy_timeout = 50")  # give up on a lock fast (5 s in production)
    other = sqlite3.connect(tracker.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    refused = ts(1)
    await ask(fake, "Why does the deploy job hang?", refused)
    await eventually(lambda: not app.hub.health["slack"].ok)  # the store refused it: a gap, not a loss
    assert question(tracker, refused) is None
    other.execute("ROLLBACK")
    other.close()
    later = ts(2)
    await ask(fake, "Where is the on-call rota?", later)  # stored live; must not hide the gap
    await eventually(lambda: question(tracker, refused) is not None, timeout=10)  # re-read from history
    await eventually(lambda: app.hub.health["slack"].ok)
    clock.advance(WINDOW + timedelta(minutes=5))
    assert await app.watchdog.tick() == 2


async def test_a_refused_live_event_survives_a_crash_after_a_newer_one_was_stored(fake, bot, clock, tracker):
    """The store refuses a live question (a gap); a newer one is stored once the lock is gone, which
    moves the resume point past the refused one; the process dies before the retry. The gap was saved
    before the newer event was stored, so the next start still reads the refused question, once."""
    import sqlite3

    from bot.ingest_gate import PENDING_KEY

    app, source = await bot.start()
    await fake.connected(1)
    source.port.gate.retry = 3600.0  # the retry would come after the crash
    tracker.conn.execute("PRAGMA busy_timeout = 50")
    other = sqlite3.connect(tracker.path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    refused = ts(1)
    await ask(fake, "Why does the deploy job hang?", refused)
    await eventually(lambda: not app.hub.health["slack"].ok)
    other.execute("ROLLBACK")
    other.close()
    later = ts(2)
    await ask(fake, "Where is the on-call rota?", later)
    await eventually(lambda: question(tracker, later) is not None)
    assert question(tracker, refused) is None and HELP in source.port.state(PENDING_KEY)  # the gap is on disk
    await bot.stop()  # killed before the retry

    app, source = await bot.start()
    assert sorted(q.msg_id for q in tracker.questions()) == [refused, later]
    assert tracker.conn.execute("SELECT COUNT(*) FROM messages WHERE msg_id = ?", (refused,)).fetchone()[0] == 1
    assert source.port.state(PENDING_KEY) in ({}, None)  # read again: nothing left to re-read
    clock.advance(WINDOW + timedelta(minutes=5))
    assert await app.watchdog.tick() == 2
    assert await app.watchdog.tick() == 0
