"""Realistic synthetic community traffic for benchmarks (seeded, so runs compare).

Several Slack and Discord channels; members ask questions (some without '?'),
others answer in threads, by reply reference or by mention in flat channels; bots
post; messages are edited, deleted and reacted to.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone
from typing import Iterator

from bot.events import Delete, Edit, Event, Message, Reaction

QUESTIONS = [
    "How do I reset my password on the mobile app?",
    "Does anyone know why the export keeps failing with error 500?",
    "can't get the webhook to fire after upgrading to 3.2, any ideas",
    "Is there a way to schedule posts for later?",
    "need help setting up SSO with Okta",
    "What's the best way to migrate from the old API?",
    "anyone familiar with the rate limits on the search endpoint?",
]
ANSWERS = [
    "You can do that from Settings > Account.",
    "That's a known issue, fixed in 3.2.1 — upgrade and it should work.",
    "Try clearing the cache first, then run the export again.",
    "Yes: use the scheduler in the composer, bottom right.",
    "Check the docs page on SSO, the Okta section has the exact steps.",
]
CHATTER = ["thanks!", "lol same", "good morning everyone", "that worked, thank you", "+1", "nice release notes today"]
BOT = ["Build 1432 passed", "Deploy to staging finished", "New release: v3.2.1 is out"]


def events(n: int, *, seed: int = 7, channels: int = 12, start: datetime | None = None) -> Iterator[Event]:
    rnd = random.Random(seed)
    t = start or datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
    chans = [("slack" if i % 2 == 0 else "discord", f"C{i:04d}") for i in range(channels)]
    recent: dict[tuple[str, str], list[tuple[str, str]]] = {c: [] for c in chans}  # (msg id, author)
    seq = 0
    produced = 0
    while produced < n:
        t += timedelta(milliseconds=rnd.randint(50, 4000))
        platform, channel = rnd.choice(chans)
        seq += 1
        mid = f"{seq}"
        author = f"U{rnd.randint(1, 5000):05d}"
        roll = rnd.random()
        last = recent[(platform, channel)]
        if roll < 0.25 or not last:
            text = rnd.choice(QUESTIONS) if rnd.random() < 0.6 else rnd.choice(CHATTER)
            ev: Event = Message(platform, channel, mid, author, t, text, author_name=author.lower())
            last.append((mid, author))
            if len(last) > 50:
                del last[0]
        elif roll < 0.60:
            root, asker = rnd.choice(last[-10:])
            replier = asker if rnd.random() < 0.15 else author
            ev = Message(platform, channel, mid, replier, t, rnd.choice(ANSWERS), thread=root)
        elif roll < 0.70:
            root, asker = rnd.choice(last[-5:])
            ev = Message(platform, channel, mid, author, t, rnd.choice(ANSWERS), reply_to=root)
        elif roll < 0.78:
            root, asker = last[-1]
            ev = Message(platform, channel, mid, author, t, f"{asker} {rnd.choice(ANSWERS)}", mentions=(asker,))
        elif roll < 0.85:
            ev = Message(platform, channel, mid, f"B{rnd.randint(1, 5)}", t, rnd.choice(BOT), author_is_bot=True)
        elif roll < 0.90:
            root, _ = rnd.choice(last)
            ev = Edit(platform, channel, root, t, rnd.choice(QUESTIONS))
        elif roll < 0.92:
            root, _ = rnd.choice(last)
            ev = Delete(platform, channel, root, t)
        else:
            root, _ = rnd.choice(last)
            ev = Reaction(platform, channel, root, author, rnd.choice(["white_check_mark", "+1", "eyes"]), t)
        produced += 1
        yield ev


def settings_toml(channels: int = 12) -> str:
    lines = [
        '[people.alice]\nslack = "UALICE001"\ndiscord = "1000"\n',
        '[people.bob]\nslack = "UBOB00002"\n',
    ]
    for i in range(channels):
        platform = "slack" if i % 2 == 0 else "discord"
        mode = "detect" if i % 3 else "all"
        lines.append(f'[[routes]]\nplatform = "{platform}"\nchannel = "C{i:04d}"\nmode = "{mode}"\nchain = ["alice", "bob"]\n')
    return "\n".join(lines)
