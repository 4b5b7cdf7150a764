"""Issue 13, Discord: threads with no starter message, archived threads, forum defaults, history
paging and start-up without network, each with discord.py's own client against the fake Discord."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta
from typing import Any

from .conftest import ALICE, FORUM, HELP, SETTINGS, Bot, helper, member, sid, until
from .fake_discord import TOKEN, user

MEMBER_ID = member["id"]


def other(n: int) -> dict[str, Any]:
    return user(f"63000000000000000{n}", f"member{n}")


async def test_a_plus_thread_with_no_starter_message_its_first_message_is_the_question(fake, bot):
    """A thread made with "+" in #help: no message in #help starts it. Its first message is the
    question (keyed by the thread id); a helper's reply in the thread answers it."""
    await bot.start()
    tid = sid(1)
    thread = fake.thread(tid, HELP, "deploys fail", MEMBER_ID)
    await fake.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
    first = sid(1, 1)
    await fake.dispatch("MESSAGE_CREATE", fake.message(tid, first, member, "Deploys fail with exit code 137 since this morning"))
    await until(lambda: bot.tracker.question_at("discord", HELP, tid) is not None)
    q = bot.tracker.question_at("discord", HELP, tid)
    assert q["answered_at"] is None and bot.tracker.question_at("discord", HELP, first) is None
    assert any(c.path == f"/channels/{HELP}/messages/{tid}" for c in fake.calls)  # it asked whether a starter exists

    # A second "+" thread gets an answer in the thread: no DM for it.
    tid2 = sid(2)
    thread2 = fake.thread(tid2, HELP, "sso", other(1)["id"])
    await fake.dispatch("THREAD_CREATE", {**thread2, "newly_created": True})
    await fake.dispatch("MESSAGE_CREATE", fake.message(tid2, sid(2, 1), other(1), "SSO login loops back to the start page, any idea?"))
    await fake.dispatch("MESSAGE_CREATE", fake.message(tid2, sid(5), helper, "Clear the cookie for the old domain."))
    await until(lambda: (bot.tracker.question_at("discord", HELP, tid2) or {"answered_at": None})["answered_at"] is not None)
    assert await bot.tick(62) == 1
    assert len(fake.dms_to(ALICE)) == 1 and await bot.tick(1) == 0


async def test_archived_public_and_private_threads_are_read_in_catch_up(fake, bot):
    await bot.start()
    await bot.stop()
    # While the bot is down: a "+" thread and a private thread in #help, each asked and then archived.
    public, private = sid(10), sid(20)
    fake.thread(public, HELP, "exports", other(1)["id"], archived=True)
    fake.message(public, sid(10, 1), other(1), "The CSV export is empty for boards with archived cards")
    fake.thread(private, HELP, "billing", other(2)["id"], private=True, archived=True)
    fake.message(private, sid(20, 1), other(2), "My invoice shows the wrong company name, how can I change it?")
    fake.message(private, sid(25), other(2), "still stuck")  # the asker's own follow-up is no answer
    bot.clock.advance(timedelta(minutes=90))
    await bot.start()
    listed = {c.path for c in fake.calls if "/threads/archived/" in c.path}
    assert listed >= {f"/channels/{HELP}/threads/archived/public", f"/channels/{HELP}/threads/archived/private"}
    for tid in (public, private):
        q = bot.tracker.question_at("discord", HELP, tid)
        assert q is not None and q["answered_at"] is None, tid
    assert await bot.tick(0) == 2
    assert len(fake.dms_to(ALICE)) == 2


async def test_a_forum_channel_is_mode_all_unless_its_route_says_otherwise(fake, make_settings, tracker, clock):
    """No mode on the forum's route: every post is a question, even one with no question in it.
    With mode = "detect" on the route, the detector decides (and a post like this is not one)."""

    async def post(settings: Any, n: int) -> Any:
        b = await Bot(settings, tracker, clock).start()
        try:
            tid = sid(n)
            thread = fake.thread(tid, FORUM, f"layout {n}", other(n)["id"])
            await fake.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
            await fake.dispatch("MESSAGE_CREATE", fake.message(tid, tid, other(n), "Sharing my board layout for the new release. Enjoy!"))
            await until(lambda: tracker.message("discord", FORUM, tid) is not None)
            return tracker.question_at("discord", FORUM, tid)
        finally:
            await b.stop()

    config = SETTINGS.format(alice=ALICE, bob="700000000000000002", forum=FORUM, api=fake.api_url)
    assert config.count('mode = "all"\n') == 1  # the forum route's
    unset = await post(make_settings(config.replace('mode = "all"\n', ""), UNANSWERED_DISCORD__TOKEN=TOKEN), 1)
    assert unset is not None and "route mode 'all'" in " ".join(tracker.question(unset["id"]).reasons)
    detect = await post(make_settings(config.replace('mode = "all"\n', 'mode = "detect"\n'), UNANSWERED_DISCORD__TOKEN=TOKEN), 2)
    assert detect is None


async def test_catch_up_pages_through_more_than_one_page_of_history(fake, bot):
    await bot.start()
    await fake.dispatch("MESSAGE_CREATE", fake.message(HELP, sid(0), helper, "morning all"))
    await until(lambda: bot.tracker.message("discord", HELP, sid(0)) is not None)
    await bot.stop()
    ids = [sid(1 + i * 0.1, i) for i in range(250)]  # discord.py reads 100 per request
    for i, mid in enumerate(ids):
        fake.message(HELP, mid, other(i % 9), f"How do I fix error {i}? It fails every time")
    calls = len(fake.calls)
    bot.clock.advance(timedelta(minutes=30))
    await bot.start()
    pages = [c for c in fake.calls[calls:] if c.method == "GET" and c.path == f"/channels/{HELP}/messages"]
    assert len(pages) >= 3 and all(c.query.get("limit") == "100" for c in pages)
    stored = Counter(r[0] for r in bot.tracker.conn.execute("SELECT msg_id FROM messages WHERE channel = ?", (HELP,)))
    assert all(stored[m] == 1 for m in ids) and len(stored) == 251
    assert bot.source is not None and bot.source.caught_up_messages == 250


async def test_discord_unreachable_at_start_keeps_retrying_then_every_due_nudge_is_sent_once(fake, bot, caplog):
    """No network at boot: start() returns at once (health: failing, a clear log line, no exit), the
    source logs in by itself once Discord answers, catches up, and every due nudge goes out once."""
    caplog.set_level(logging.WARNING, logger="unanswered.discord")
    await bot.start()
    first = sid(1)
    await fake.dispatch("MESSAGE_CREATE", fake.message(HELP, first, member, "How do I rotate the API keys?"))
    await until(lambda: bot.tracker.question_at("discord", HELP, first) is not None)
    await bot.stop()
    missed = sid(20)
    fake.message(HELP, missed, other(1), "Why does the importer skip rows with dates?")  # said while the bot is down

    fake.faults["GET /users/@me"] = ["drop"] * 4  # every login attempt for a while: the connection is cut
    source = bot.make_source()
    source.connect_retry = 0.02  # back-off in test time (5 s, doubling, in production)
    bot.make_source = lambda: source  # type: ignore[method-assign]  # this test's source, with its short back-off
    bot.clock.advance(timedelta(minutes=90))
    await bot.start()  # returns without raising
    assert bot.app is not None
    health = bot.app.hub.health["discord"]
    assert not health.ok and "cannot reach Discord" in health.detail
    assert "cannot reach Discord to log in" in caplog.text
    await until(lambda: bot.app is not None and bot.app.hub.health["discord"].ok and bot.tracker.question_at("discord", HELP, missed) is not None)
    assert [f for _, f in fake.injected] == ["drop"] * 4
    assert await bot.tick(0) == 2  # both windows ended while the bot could not reach Discord
    assert await bot.tick(45) == 2  # escalations to bob, once each
    assert await bot.tick(60) == 0
    keys = Counter(m["embeds"][0]["footer"]["text"].rsplit("ref ", 1)[1] for m in fake.dm_messages.values())
    assert len(keys) == 4 and set(keys.values()) == {1}
