"""Discord figures: events/s through the pure translate path, and a catch-up of N missed messages.

    python bench/discord_translate.py [N]        (default 200,000 payloads to translate; catch-up uses N/20)

Translate: gateway-shaped MESSAGE_CREATE payloads (top-level posts, thread replies,
Discord replies, bot posts) through ``adapters.discord.translate.message`` with a
thread->parent lookup; the reference is ``json.loads`` of the same payloads (what
receiving them costs anyway).
Catch-up: the real DiscordSource (discord.py over HTTP and a WebSocket gateway)
against the tests' fake Discord on loopback, after a "restart": N messages in the
help channel and its threads are read from history (100 per page) and applied by
the core in one transaction.
"""

from __future__ import annotations

import asyncio
import json
import logging
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import discord
import yarl
from common import row, say, settings_from, tracked  # importing common puts the repo on sys.path
from pydantic import SecretStr

from adapters.discord import translate
from adapters.discord.inbound import DiscordSource
from adapters.discord.translate import Place
from bot.clock import FakeClock
from bot.store import Tracker
from bot.wiring import build
from tests.adapters.discord.fake_discord import TOKEN, FakeDiscord, user

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
GUILD, HELP = "900000000000000001", "910000000000000001"
WORDS = "how do i get the build to work on arm64 with docker compose error when running tests again".split()


def payloads(n: int, seed: int = 7) -> tuple[list[str], dict[str, Place]]:
    rnd = random.Random(seed)
    out: list[str] = []
    places = {HELP: Place(channel=HELP, name="help", guild=GUILD)}
    roots: list[str] = []
    for i in range(n):
        mid = str(discord.utils.time_snowflake(T0 + timedelta(seconds=i)) + i % 4096)
        text = " ".join(rnd.choice(WORDS) for _ in range(rnd.randint(4, 30)))
        author = {"id": str(600000000000000000 + rnd.randint(1, 2000)), "username": "member", "global_name": "Member", "bot": False}
        msg = {
            "id": mid,
            "channel_id": HELP,
            "guild_id": GUILD,
            "type": 0,
            "content": text,
            "author": author,
            "member": {"nick": None, "roles": []},
            "mentions": [],
            "tts": False,
            "embeds": [],
            "attachments": [],
        }
        kind = rnd.random()
        if kind < 0.6 or not roots:
            roots.append(mid)
        elif kind < 0.85:
            thread = rnd.choice(roots[-50:])
            places.setdefault(thread, Place(channel=HELP, name="help", guild=GUILD, thread=thread))
            msg["channel_id"] = thread
        elif kind < 0.95:
            msg["type"] = 19
            msg["message_reference"] = {"type": 0, "message_id": rnd.choice(roots[-50:]), "channel_id": HELP}
        else:
            msg["author"] = {**author, "bot": True}
        out.append(json.dumps(msg))
    return out, places


def bench_translate(n: int) -> None:
    raw, places = payloads(n)
    t0 = time.perf_counter()
    parsed = [json.loads(p) for p in raw]
    parse_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    for payload in parsed:
        translate.message(payload, places.get, me="900000000000000002")
    took = time.perf_counter() - t0
    say(f"translated {n:,} Discord gateway messages")
    row("discord translate (events/s)", n / took, "events/s", reference=f"json.loads alone: {n / parse_s:,.0f}/s")


async def bench_catch_up(n: int, threads: int) -> None:
    fake = await FakeDiscord().start()
    saved_gateway, saved_base = discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY, discord.http.Route.BASE
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(fake.gateway_url)
    fake.text_channel(HELP, "help")
    rnd = random.Random(3)
    members = [user(str(600000000000000000 + u), f"member{u}") for u in range(50)]
    fake.message(HELP, str(discord.utils.time_snowflake(T0)), members[0], "hello all")  # the last message seen before the "restart"
    roots = []
    for i in range(1, n - threads + 1):
        mid = str(discord.utils.time_snowflake(T0 + timedelta(seconds=i)))
        fake.message(HELP, mid, rnd.choice(members), "how do i fix this error?")
        roots.append(mid)
    for j in range(threads):
        root = roots[j * (len(roots) // threads)]
        fake.thread(root, HELP, f"thread {j}", members[0]["id"])
        fake.message(root, str(discord.utils.time_snowflake(T0 + timedelta(seconds=n + j + 1))), rnd.choice(members), "try this")
    toml = f"""
[people.alice]
discord = "700000000000000001"
[[routes]]
platform = "discord"
channel = "#help"
mode = "detect"
window = "100d"
chain = ["alice"]
[discord]
api_url = "{fake.api_url}"
"""
    settings = settings_from(toml)
    settings = settings.model_copy(update={"discord": settings.discord.model_copy(update={"token": SecretStr(TOKEN)})})
    with tempfile.TemporaryDirectory() as tmp:
        tracker = Tracker(Path(tmp) / "catchup.db")
        first = fake.history[HELP][0]
        clock = FakeClock(T0 + timedelta(seconds=n + threads + 60))
        # What a previous run stored: the channel's last message before the restart.
        from bot.events import Message

        tracker.add_message(Message("discord", HELP, first["id"], first["author"]["id"], T0))
        tracker.conn.commit()
        source = DiscordSource(settings, guild_ready_timeout=0.01)
        app = build(settings, clock=clock, tracker=tracker, sources=[source])
        t0 = time.perf_counter()
        await source.start(app.hub)
        took = time.perf_counter() - t0
        stored, questions, answered = tracked(tracker)
        caught = source.caught_up_messages
        await source.stop()
        tracker.close()
    calls = sum(1 for c in fake.calls if c.path.endswith("/messages"))
    await fake.close()
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY, discord.http.Route.BASE = saved_gateway, saved_base
    say(f"catch-up: {caught:,} messages read, {stored:,} stored, {questions:,} questions ({answered:,} answered in threads), {calls:,} history calls")
    row(
        f"discord catch-up of {n:,} messages ({threads:,} threads)",
        took,
        "s",
        reference=f"{n / took:,.0f} messages/s, including login, gateway connect and ready",
    )


def main() -> None:
    logging.disable(logging.WARNING)
    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 200_000))
    bench_translate(n)
    catch = max(1000, n // 20)
    asyncio.run(bench_catch_up(catch, threads=catch // 20))


if __name__ == "__main__":
    main()
