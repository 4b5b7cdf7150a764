"""Saved feeds of one Discourse forum through `replay`: every topic found, exactly once?

    python bench/forum_folder.py [N]        (default 280 topics)

Writes a realistic folder as a user saves it from a forum (the Discourse model
of the tests renders each file as Discourse does): ``latest.rss`` (the newest 30
topics), one feed per category (its newest 30 each), and every topic's own feed
``t/<slug>/<id>.rss``; about half the topics have a single post (a question
nobody answered), each category has its pinned "About the … category" topic and
the forum two pinned announcements. Then the folder goes through the real replay
path (``adapters.feeds.replay.read`` with a config naming the forum's feeds, and
the watchdog with its default forum mode `all`), and the store is counted.

Figures: topics found / topics in the files (goal: every topic that is not
pinned or an "About" topic, exactly once), duplicates, pinned/About topics that
leaked into questions, files warned about, and what the listings alone carry
(the reference: what replay found before topic feeds gave their openers).
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from common import row, say, settings_from

from adapters.feeds import replay as feed_replay
from adapters.feeds import translate
from adapters.feeds.parse import parse
from bot import replay
from bot.store import Tracker
from tests.adapters.feeds.forum import PER_PAGE, Forum

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=timezone.utc)
CATEGORIES = [("Support", "support", 5), ("Feature requests", "feature-requests", 9), ("Lounge", "lounge", 12), ("Hilfe", "hilfe", 14)]
CONFIG = """
[people.alice]
slack = "U0ALICE01"

[[routes]]
platform = "forum"
channel = "community"
chain = ["alice"]

[[feeds]]
name = "community"
url = "https://forum.example.org/latest.rss"
""" + "".join(f'\n[[feeds]]\nname = "{slug}"\nurl = "https://forum.example.org/c/{slug}/{cid}.rss"\n' for _, slug, cid in CATEGORIES)


def make_forum(n: int, rng: random.Random) -> tuple[Forum, set[str], set[str]]:
    """The forum, the ids of member topics (the goal), and the ids of pinned/About topics."""
    forum = Forum()
    excluded: set[str] = set()
    for k, (name, slug, cid) in enumerate(CATEGORIES):
        forum.topic(
            k + 1,
            f"About the {name} category",
            "admin",
            T0 - timedelta(days=30),
            "<p>What this category is for.</p>",
            category=name,
            category_slug=slug,
            category_id=cid,
            pinned=True,
        )
        excluded.add(str(k + 1))
    for k in range(2):
        forum.topic(
            50 + k,
            f"Welcome! Read this before posting ({k + 1})",
            "admin",
            T0 - timedelta(days=20),
            category="Support",
            category_slug="support",
            category_id=5,
            pinned=True,
        )
        excluded.add(str(50 + k))
    members: set[str] = set()
    for i in range(n):
        name, slug, cid = rng.choice(CATEGORIES)
        at = T0 + timedelta(minutes=17 * i + rng.randint(0, 10))
        author = f"member{rng.randint(1, 120)}"
        ident = 1000 + i
        forum.topic(
            ident,
            f"Topic {i}: how do I get {rng.choice(['sync', 'export', 'login', 'search'])} working?",
            author,
            at,
            category=name,
            category_slug=slug,
            category_id=cid,
        )
        if rng.random() >= 0.5:  # the other half: a single post, nobody answered
            for r in range(rng.randint(1, 4)):
                who = author if rng.random() < 0.2 else f"member{rng.randint(1, 120)}"
                forum.reply(ident, who, at + timedelta(minutes=5 + 7 * r))
        members.add(str(ident))
    return forum, members, excluded


def write_folder(forum: Forum, root: Path) -> int:
    (root / "c").mkdir(parents=True)
    (root / "latest.rss").write_bytes(forum.latest_rss())
    files = 1
    for _, slug, cid in CATEGORIES:
        (root / "c" / f"{slug}.rss").write_bytes(forum.latest_rss(category_id=cid))
        files += 1
    for t in forum.topics.values():
        folder = root / "t" / t.slug
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{t.id}.rss").write_bytes(forum.topic_rss(t.id))
        files += 1
    return files


def listed_by_listings(root: Path) -> set[str]:
    """Member topics the listing feeds alone carry (what a topic needed before topic feeds gave openers)."""
    found: set[str] = set()
    for path in [root / "latest.rss", *sorted((root / "c").glob("*.rss"))]:
        result = translate.listing(parse(path.read_bytes()), translate.FeedSpec(name="x", kind="discourse"))
        found |= {e.id for e in result.events if getattr(e, "starts_topic", False)}
    return found


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0]) if args else 280
    forum, members, excluded = make_forum(n, random.Random(11))
    settings = settings_from(CONFIG)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "forum"
        files = write_folder(forum, root)
        started = time.perf_counter()
        errors: list = []
        events = list(feed_replay.read([root], errors, settings))
        tracker = Tracker(None)
        asyncio.run(replay.run(events, settings, tracker, keep_judged=False))
        took = time.perf_counter() - started
        questions = Counter(q.msg_id for q in tracker.questions())
        reference = listed_by_listings(root) & members
    found = set(questions) & members
    say(f"{files} files: latest.rss (newest {PER_PAGE}), {len(CATEGORIES)} category feeds, {len(forum.topics)} topic feeds")
    row(
        "forum folder: topics found / topics in the files",
        f"{len(found)}/{len(members)}",
        "",
        reference=f"listings alone carry {len(reference)}/{len(members)}",
        target=f"{len(members)}/{len(members)}",
    )
    row("forum folder: topics tracked more than once", sum(1 for c in questions.values() if c > 1), "", target="0")
    row("forum folder: pinned/About topics tracked", len(set(questions) & excluded), "", target="0")
    row("forum folder: questions on no channel the config names", sum(1 for q in tracker.questions() if q.channel != "community"), "", target="0")
    row("forum folder: files warned about", len(errors), "", reference=f"the {len(excluded)} pinned/About topics' own feeds")
    row("forum folder: replay time", took, "s", reference=f"{files} files")


if __name__ == "__main__":
    main()
