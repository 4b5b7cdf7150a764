"""How long the weekly digest takes over a big tracker: 1M messages, ~100k questions.

Builds (once; --rebuild to redo) a tracker with two years of a busy community,
written with raw executemany into the real schema, then measures in a fresh
process (so peak RSS is the digest's own, not the builder's):
compute() for last week, the text rendering, and the chart.

    python bench/digest.py [--db /tmp/unanswered-bench-digest.db] [--rebuild]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot import digest, digest_render  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.store import Tracker  # noqa: E402

MESSAGES = 1_000_000
QUESTION_SHARE = 0.10  # one message in ten opens a question
BOT_SHARE = 0.05
WEEKS = 104
END = datetime(2026, 1, 12, tzinfo=timezone.utc)  # a Monday: "last week" is 2026-W02
CHANNELS = (
    [("slack", f"C{i:04d}", f"help-{i}") for i in range(4)]
    + [("discord", str(900 + i), f"support-{i}") for i in range(3)]
    + [("forum", f"feed-{i}", f"feed-{i}") for i in range(2)]
)
MEMBERS = 20_000
STAFF = {"slack": [f"USTAFF{i}" for i in range(5)], "discord": [str(100 + i) for i in range(5)]}


def settings() -> Settings:
    people = {f"mod{i}": {"slack": STAFF["slack"][i], "discord": STAFF["discord"][i], "timezone": "Europe/Berlin"} for i in range(5)}
    routes = [
        {"platform": p, "channel": c, "mode": "detect", "chain": ["mod0", "mod1"], "window": "30m" if p == "slack" else "2h"}
        for p, c, _ in CHANNELS
        if p != "forum"
    ]
    return Settings(people=people, routes=routes, digest={"timezone": "Europe/Berlin"})


def build(path: Path) -> None:
    rng = random.Random(6)
    path.unlink(missing_ok=True)
    tracker = Tracker(path)
    conn = tracker.conn
    start = END - timedelta(weeks=WEEKS)
    span = (END - start).total_seconds()
    seen: set[tuple[str, str]] = set()
    messages, questions, audit, actions = [], [], [], []
    times = sorted(start.timestamp() + rng.random() * span for _ in range(MESSAGES))
    for n, at in enumerate(times):
        platform, channel, name = CHANNELS[rng.randrange(len(CHANNELS))]
        is_bot = rng.random() < BOT_SHARE
        author = "BOT1" if is_bot else f"M{int(rng.paretovariate(1.2)) % MEMBERS}"
        msg_id = f"{n}"
        messages.append((platform, channel, msg_id, None, None, author, int(is_bot), at))
        if is_bot or rng.random() >= QUESTION_SHARE / (1 - BOT_SHARE):
            continue
        first_time = (platform, author) not in seen
        seen.add((platform, author))
        status, answered_at, answered_by, closed_at = "open", None, None, None
        roll = rng.random()
        if roll < 0.80:  # answered: a lognormal wait, median ~20 minutes
            answered_at = at + min(rng.lognormvariate(7.1, 1.6), 14 * 86400)
            pool = STAFF.get(platform, []) if rng.random() < 0.2 else None
            answered_by = rng.choice(pool) if pool else f"M{int(rng.paretovariate(0.8)) % 500}"
            status = "answered"
        elif roll < 0.85:
            status, closed_at = "dismissed", at + 3600
        elif roll < 0.87:
            status, closed_at = "deleted", at + 600
        elif roll < 0.90:
            status, closed_at = "resolved", at + 7200
        qid = len(questions) + 1
        questions.append(
            (
                qid,
                platform,
                channel,
                msg_id,
                name,
                author,
                author,
                at,
                "How do I … (an excerpt of ~80 chars) …?",
                f"https://example.test/{platform}/{msg_id}",
                "[]",
                int(first_time),
                status,
                answered_at,
                answered_by,
                answered_by,
                None if answered_by is None else f"r{n}",
                closed_at,
                None,
            )
        )
        if answered_at is None or answered_at - at > 1800:
            audit.append((at + 1800, "nudge", "mod0", "slack", STAFF["slack"][0], "nudge text", f"[{qid}]", f"nudge:{qid}:0", "sent"))
        if status == "dismissed":
            actions.append((qid, "dismiss", "mod0", closed_at))
        elif rng.random() < 0.03:
            actions.append((qid, "claim", "mod1", at + 2000))
    with tracker.transaction():
        conn.executemany("INSERT INTO messages (platform, channel, msg_id, thread, reply_to, author, is_bot, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", messages)
        conn.executemany(
            "INSERT INTO questions (id, platform, channel, msg_id, channel_name, author, author_name, asked_at, excerpt, link,"
            " reasons, first_time, status, answered_at, answered_by, answered_by_name, answer_id, closed_at, next_due)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            questions,
        )
        conn.executemany("INSERT INTO audit (at, kind, person, platform, address, text, questions, key, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)", audit)
        conn.executemany("INSERT INTO actions (question, kind, by, at) VALUES (?, ?, ?, ?)", actions)
    conn.execute("ANALYZE")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # a long-running bot's file is checkpointed too
    tracker.close()


def peak_rss_mb() -> float:
    """This process's own high-water mark. (ru_maxrss would include the parent's peak: Linux keeps it across exec.)"""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(path: Path) -> dict[str, float]:
    """Runs in a fresh process: the digest's own time and memory."""
    s = settings()
    t0 = time.perf_counter()
    tracker = Tracker(path)
    period = digest.parse_period("last-week", s.digest.timezone, END + timedelta(hours=9))
    t1 = time.perf_counter()
    data = digest.compute(tracker, s, period)
    t2 = time.perf_counter()
    rss_compute = peak_rss_mb()
    text = digest_render.text(data)
    t3 = time.perf_counter()
    from bot.chart import render_png

    png = render_png(data.weekly, "Last 12 weeks")
    t4 = time.perf_counter()
    again = time.perf_counter()
    digest.compute(tracker, s, period)
    warm = time.perf_counter() - again
    counts = {k: tracker.conn.execute(f"SELECT COUNT(*) FROM {k}").fetchone()[0] for k in ("messages", "questions", "audit")}
    return {
        "open_s": t1 - t0,
        "compute_s": t2 - t1,
        "compute_warm_s": warm,
        "text_s": t3 - t2,
        "chart_s": t4 - t3,
        "peak_rss_mb": peak_rss_mb(),
        "rss_after_compute_mb": rss_compute,
        "png_bytes": len(png),
        "week_questions": data.totals.questions,
        "text_lines": text.count("\n"),
        **counts,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/unanswered-bench-digest.db"))
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON rows (for bench/run_all.py)")
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(args.db)))
        return
    if args.rebuild or not args.db.exists():
        t0 = time.perf_counter()
        build(args.db)
        if not args.json:
            print(f"built {args.db} in {time.perf_counter() - t0:.1f}s")
    out = subprocess.run([sys.executable, __file__, "--db", str(args.db), "--measure"], capture_output=True, text=True, check=True)
    r = json.loads(out.stdout)
    if args.json:
        rows = [
            ("digest compute over 1M tracked messages", round(r["compute_s"] * 1000), "ms", f"warm {r['compute_warm_s'] * 1000:.0f} ms", "<= 2 s"),
            ("digest chart (PNG, 12 weeks)", round(r["chart_s"] * 1000), "ms", f"{r['png_bytes'] // 1024} KB", ""),
            ("digest peak memory (after compute / with chart)", f"{r['rss_after_compute_mb']:.0f} / {r['peak_rss_mb']:.0f}", "MB", "", "<= 200 MB"),
        ]
        for figure, value, unit, reference, target in rows:
            print(json.dumps({"figure": figure, "value": value, "unit": unit, "reference": reference, "target": target}))
        return
    print(f"tracker: {r['messages']:,} messages, {r['questions']:,} questions, {r['audit']:,} audit rows; last week: {r['week_questions']} questions")
    print(
        f"digest compute (cold): {r['compute_s'] * 1000:.0f} ms · warm: {r['compute_warm_s'] * 1000:.0f} ms · "
        f"text: {r['text_s'] * 1000:.1f} ms · chart: {r['chart_s'] * 1000:.0f} ms ({r['png_bytes'] // 1024} KB)"
    )
    print(f"peak RSS of the measuring process: {r['rss_after_compute_mb']:.0f} MB after compute, {r['peak_rss_mb']:.0f} MB after the chart (matplotlib)")


if __name__ == "__main__":
    main()
