"""feedparser's own test corpus through our feed path: figures, never pass/fail.

feedparser's repository (github.com/kurtmckee/feedparser, ``tests/``) holds about
2,100 feeds written to break parsers: ill-formed XML, wrong and odd encodings,
entity tricks, every RSS/Atom/RDF dialect. Each file goes through what a live poll
does (``adapters.feeds.parse.parse`` then ``translate.listing``/``thread``, as a
generic feed and as Discourse), the topics go into a real Watchdog (in-memory
store, every post a question), and every question's nudge is rendered for Slack
and Discord. Counted: files read, refused as not a feed, crashes (any exception
but ``NotAFeed``), topics, questions, bogus questions (no author, no date, no id,
a reply or a bot), and rendered nudges with a live mention.

The corpus is not part of this repository. Get it and point the script at it:

    git clone --depth 1 https://github.com/kurtmckee/feedparser /tmp/feedparser
    python bench/feed_corpus.py /tmp/feedparser/tests        (or FEEDPARSER_CORPUS=/tmp/feedparser/tests)

Without a corpus it prints one "skipped" row and exits 0.
"""

from __future__ import annotations

import os
import re
import sys
import time
import traceback
from collections import Counter
from datetime import datetime, timedelta, timezone
from pathlib import Path

from common import row, say  # noqa: F401  (puts the repository on sys.path)

from adapters.discord.outbound import render_note
from adapters.feeds import translate
from adapters.feeds.parse import NotAFeed, parse
from adapters.feeds.translate import FeedSpec
from adapters.slack.outbound import SlackTransport
from bot import policy
from bot.clock import FakeClock
from bot.config import Route, load_settings
from bot.events import Message
from bot.outbound import ConsoleTransport, Door
from bot.store import Tracker
from bot.watchdog import Watchdog

DEFAULT_PLACES = [Path("/tmp/feedparser/tests"), Path("/tmp/feedparser-corpus/tests")]
SKIP_SUFFIXES = {".py", ".pyc", ".md", ".txt", ".cfg", ".ini"}
OBSERVED = datetime(2026, 1, 6, 12, 0, tzinfo=timezone.utc)
LIVE_MENTION = re.compile(r"<[@#!](?!\u200b)[^<>]*>|@(everyone|here)", re.IGNORECASE)
CONFIG = '[people.alice]\nslack = "U0ALICE01"\ndiscord = "600000000000000099"\n'


def corpus_path() -> Path | None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if args:  # an explicit path is the only one tried
        return Path(args[0]) if Path(args[0]).is_dir() else None
    candidates = [Path(os.environ["FEEDPARSER_CORPUS"])] if os.environ.get("FEEDPARSER_CORPUS") else []
    candidates += DEFAULT_PLACES
    return next((p for p in candidates if p.is_dir()), None)


def watchdog() -> Watchdog:
    settings_file = Path(os.environ.get("TMPDIR", "/tmp")) / f"feed-corpus-{os.getpid()}.toml"
    settings_file.write_text(CONFIG, encoding="utf-8")
    settings, _ = load_settings(settings_file, environ={})
    settings_file.unlink()
    tracker, clock = Tracker(None), FakeClock(OBSERVED)
    door = Door(settings, tracker, clock, dry_run=True, console=ConsoleTransport(quiet=True))
    return Watchdog(settings, tracker, clock, door, fallback_route=Route(platform="forum", channel="*", mode="all", chain=["alice"]))


def main() -> None:
    root = corpus_path()
    if root is None:
        row("feedparser corpus", "skipped: not found (pass its tests/ folder, or set FEEDPARSER_CORPUS)")
        return
    files = sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() not in SKIP_SUFFIXES)
    dog = watchdog()
    counts: Counter[str] = Counter()
    refusals: Counter[str] = Counter()
    crashes: list[str] = []
    bogus: list[str] = []
    topics_by_id: dict[tuple[str, str], Message] = {}
    started = time.perf_counter()
    for n, path in enumerate(files):
        counts["files"] += 1
        raw = path.read_bytes()
        try:
            parsed = parse(raw)  # as a saved file: no HTTP headers to go by
        except NotAFeed as exc:
            counts["refused"] += 1
            refusals[str(exc).split(" (")[0]] += 1
            continue
        except Exception:
            crashes.append(f"{path.relative_to(root)}: parse: {traceback.format_exc(limit=1).splitlines()[-1]}")
            continue
        counts["parsed"] += 1
        counts["bozo"] += bool(parsed.get("bozo"))
        for kind in ("rss", "discourse"):
            spec = FeedSpec(name=f"{kind}-{n}", kind=kind)
            try:
                listed = translate.listing(parsed, spec, observed_at=OBSERVED)
                replies = translate.thread(parsed, spec, "1", observed_at=OBSERVED).events
                translate.is_discourse(parsed)
                translate.is_discourse_topic_feed(parsed)
            except Exception:
                crashes.append(f"{path.relative_to(root)}: translate ({kind}): {traceback.format_exc(limit=1).splitlines()[-1]}")
                continue
            counts["items skipped (no id, date or author)"] += len(listed.skipped)
            for ev in listed.events:
                if isinstance(ev, Message) and ev.thread is None:
                    counts["topics"] += 1
                    topics_by_id[(ev.channel, ev.id)] = ev
                    if not ev.author.strip() or not ev.id or ev.at is None or ev.at.tzinfo is None or ev.at.year < 1995:
                        bogus.append(f"{path.relative_to(root)}: topic {ev.id[:40]!r} by {ev.author[:20]!r}")
            try:
                dog.ingest_batch(translate.by_time(listed.events + replies))
            except Exception:
                crashes.append(f"{path.relative_to(root)}: watchdog: {traceback.format_exc(limit=1).splitlines()[-1]}")
    elapsed = time.perf_counter() - started

    # Every question must be a topic we saw: top-level, with an author and a date.
    questions = dog.tracker.questions()
    slack, live = SlackTransport(client=None), 0  # type: ignore[arg-type]  # rendering needs no client
    for q in questions:
        topic = topics_by_id.get((q.channel, q.msg_id))
        if topic is None or topic.author_is_bot or not topic.is_top_level or not topic.author.strip():
            bogus.append(f"question {q.id} in {q.channel}: no human topic behind it")
        route = Route(platform="forum", channel="*", mode="all", chain=["alice"])
        note = dog.nudge_note(q, route, policy.Decision(send_to="alice"), OBSERVED + timedelta(days=1))
        texts = [slack.render(note, f"nudge:{q.id}:0").payload["text"]]
        embed = render_note(note, f"nudge:{q.id}:0").payload["embed"]
        texts += [embed.get("description", ""), embed["title"]] + [f["value"] for f in embed["fields"] if f["name"] != "Link"]
        live += any(LIVE_MENTION.search(t) for t in texts)

    row("feedparser corpus: files", counts["files"], "files", reference=str(root))
    row("feedparser corpus: parsed as feeds", counts["parsed"], "files", reference=f"{counts['bozo']} ill-formed but readable (bozo)")
    row("feedparser corpus: refused (NotAFeed)", counts["refused"], "files", reference="; ".join(f"{n}× {reason}" for reason, n in refusals.most_common(3)))
    row("feedparser corpus: crashes", len(crashes), "", target="0")
    row(
        "feedparser corpus: topics / questions tracked",
        f"{counts['topics']} / {len(questions)}",
        "",
        reference=f"{counts['items skipped (no id, date or author)']} items skipped (no id, date or author)",
    )
    row("feedparser corpus: bogus questions", len(bogus), "", target="0")
    row("feedparser corpus: nudges with a live mention", live, f"of {len(questions)}", target="0")
    row("feedparser corpus: time", elapsed, "s", reference=f"{counts['files'] / elapsed:,.0f} files/s")
    for line in (crashes + bogus)[:20]:
        say("  " + line)


if __name__ == "__main__":
    main()
