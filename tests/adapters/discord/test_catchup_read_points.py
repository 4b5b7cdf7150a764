"""Issue 13: Discord catch-up keeps a durable read point per channel, so nothing said while the bot
was down is lost: not when the process dies mid catch-up, not in a channel with nothing stored yet.

A kill is simulated faithfully: at the kill point the database file is copied with SQLite's backup
API (exactly what a SIGKILL leaves: every committed transaction, nothing else); the next start runs
on that copy, with a new tracker, a new gate and a new discord.py client.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.read_points import READ_FROM
from bot.store import Tracker

from .conftest import ALICE, FORUM, HELP, Bot, member, sid
from .fake_discord import FakeDiscord, user

HISTORY = "GET /channels/{id}/messages"


def snapshot(tracker: Tracker, to: Path) -> None:
    """What a SIGKILL at this moment leaves on disk."""
    src = sqlite3.connect(tracker.path)
    dst = sqlite3.connect(to)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()


def forum_post(fake: FakeDiscord, minutes: float, text: str, n: int) -> str:
    tid = sid(minutes)
    fake.thread(tid, FORUM, f"post {n}", member["id"])
    fake.message(tid, tid, user(f"62000000000000000{n}", f"poster{n}"), text)
    return tid


def stored_once(tracker: Tracker, channel: str, ids: list[str]) -> None:
    rows = tracker.conn.execute("SELECT msg_id FROM messages WHERE platform = 'discord' AND channel = ?", (channel,)).fetchall()
    counts = Counter(r[0] for r in rows)
    assert {i: counts[i] for i in ids} == dict.fromkeys(ids, 1), counts
    questions = Counter(q.msg_id for q in tracker.questions() if q.channel == channel)
    assert {i: questions[i] for i in ids} == dict.fromkeys(ids, 1), questions


async def test_killed_mid_catch_up_then_restarted_three_hours_later_loses_nothing(fake, settings, tracker, clock, tmp_path):
    """First start: #help is read and stored; the process dies while the forum is being read (nothing
    of the forum stored yet). Three hours later (the window is one hour) the next start must read the
    forum from where the first start began reading it, not from "one window before now"."""
    before = forum_post(fake, -30, "Why does the sync stop after an hour?", 1)  # in the first start's look-back
    fake.message(HELP, helped := sid(-20), member, "How do I export the board as CSV?")
    dead = tmp_path / "at-the-kill.db"

    def kill_point(call: Any) -> None:
        if call.method == "GET" and call.path == f"/channels/{before}/messages" and not dead.exists():
            snapshot(tracker, dead)  # #help is stored; the forum's history is being read

    fake.on_call.append(kill_point)
    first = await Bot(settings, tracker, clock).start()
    assert dead.exists(), "the kill point was never reached"
    await first.stop()
    fake.on_call.clear()

    # While the bot is down: a forum post and a #help question.
    during = forum_post(fake, 60, "Is there a way to restore a deleted board?", 2)
    fake.message(HELP, later := sid(90), user("620000000000000009", "other"), "Does anyone know why the importer skips rows?")
    clock.advance(timedelta(hours=3))

    restarted = Tracker(dead)
    try:
        assert restarted.message("discord", FORUM, before) is None  # the kill really came before the forum was stored
        again = await Bot(settings, restarted, clock).start()
        stored_once(restarted, FORUM, [before, during])
        stored_once(restarted, HELP, [helped, later])
        assert await again.tick(0) == 4  # every window ended while the bot was down: one DM each
        assert await again.tick(1) == 0
        assert len(fake.dms_to(ALICE)) == 4
        await again.stop()
    finally:
        restarted.close()


async def test_a_quiet_channel_keeps_its_read_point_while_another_channels_history_fails(fake, settings, tracker, clock):
    """#help is read (quiet: nothing stored) while every forum read fails; the process dies before the
    retry. Hours later, #help is read from where the first start read it, not one window back."""
    post = forum_post(fake, -5, "How do I rotate the API keys?", 1)

    def fail_forum(call: Any) -> None:
        if call.method == "GET" and call.path == f"/channels/{post}/messages":
            fake.faults[HISTORY] = ["malformed"]  # this call (the fake takes its fault right after the hooks)

    fake.on_call.append(fail_forum)
    first = await Bot(settings, tracker, clock).start()
    assert first.source is not None and first.source.port.gate.gap(FORUM) is not None
    assert HELP in first.source.port.state(READ_FROM)
    await first.stop()  # dies before the retry
    fake.on_call.clear()
    fake.faults.clear()

    fake.message(HELP, quiet := sid(45), member, "Anyone know how to reset the webhook secret?")
    clock.advance(timedelta(hours=4))
    again = await Bot(settings, tracker, clock).start()
    stored_once(tracker, HELP, [quiet])
    stored_once(tracker, FORUM, [post])  # and the forum's gap survived the restart
    await again.stop()
