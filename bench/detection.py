"""Question-detection benchmark on the #ubuntu IRC logs (questions.csv).

Runs the engine's flat-channel flow over each log, in time order:
skip bots; ``hit = ctx.reply_target(msg, open)``; if not a hit,
``v = judge(msg, ctx)``; then ``ctx.remember(msg, is_question=...)``.
A line is predicted a question when judge says so (a hit is never a new
question). Lines before 1000 are context only; all 2,327 labelled lines are
scored, beside the plain "contains ?" rule. Raw text: no pre-filled mentions
(--mentions: the labelled variant where the loader fills them in).

    python bench/detection.py [--verbose] [--errors] [--width N] [--mentions]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import row as emit  # noqa: E402
from bench.irc import IrcLog, load, missing_note, replay_log  # noqa: E402
from bot.conversation import ChannelContext  # noqa: E402
from bot.detect import Verdict, judge, text_cues  # noqa: E402
from bot.events import Message  # noqa: E402
from bot.watchdog import FLAT_HORIZON, Judged  # noqa: E402


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, pred: bool, gold: bool) -> None:
        if pred and gold:
            self.tp += 1
        elif pred:
            self.fp += 1
        elif gold:
            self.fn += 1
        else:
            self.tn += 1

    def prf(self) -> tuple[float, float, float]:
        p = self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0
        r = self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        return p, r, f

    def line(self, name: str) -> str:
        p, r, f = self.prf()
        return f"{name:<22} P={p:.3f} R={r:.3f} F1={f:.3f}   tp={self.tp:<4} fp={self.fp:<4} fn={self.fn:<4} tn={self.tn}"


@dataclass
class Run:
    ours: Score = field(default_factory=Score)
    qmark: Score = field(default_factory=Score)
    errors: list[tuple[str, Message, Verdict | str]] = field(default_factory=list)
    judge_calls: int = 0
    judge_seconds: float = 0.0


def pipeline_verdicts(log: IrcLog) -> dict[str, "Judged"]:
    """The engine's own verdicts: the log replayed through bot.replay (detect mode, the catch-all route).

    This is the code path live runs use, so the figures are the product's, not a re-implementation's.
    """
    result, tracker = replay_log(log)
    tracker.close()
    return {j.id: j for j in result.judged}


def time_judge(log: IrcLog, run: Run) -> None:
    """Inference cost per message, on text it has not seen (cache cleared): reading the message in its
    channel (addresses, text cues), the question detector and the reply model over every candidate."""
    ctx = ChannelContext(horizon=FLAT_HORIZON)
    for msg in log.messages:
        if msg.author_is_bot:
            continue
        text_cues.cache_clear()
        t0 = time.perf_counter()
        v = judge(msg, ctx)
        ctx.link(msg)
        run.judge_seconds += time.perf_counter() - t0
        run.judge_calls += 1
        ctx.remember(msg, is_question=v.is_question)


def run_log(log: IrcLog, run: Run) -> tuple[Score, Score]:
    ours, qmark = Score(), Score()
    judged = pipeline_verdicts(log)
    time_judge(log, run)
    for msg in log.messages:
        j = judged.get(msg.id)
        pred = bool(j and j.is_question)
        verdict: Verdict | str = "posted by a bot" if msg.author_is_bot else "; ".join(j.reasons) if j else "not judged"
        gold = log.labels.get(msg.id)
        if gold is None:
            continue  # context line, not scored
        for s in (ours, run.ours):
            s.add(pred, gold == 1)
        for s in (qmark, run.qmark):
            s.add("?" in msg.text, gold == 1)
        if pred != (gold == 1):
            run.errors.append(("FP" if pred else "FN", msg, verdict))
    return ours, qmark


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--verbose", action="store_true", help="per-file figures")
    ap.add_argument("--errors", action="store_true", help="list false positives and negatives")
    ap.add_argument("--width", type=int, default=110, help="truncate texts to this many characters")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON rows (for bench/run_all.py)")
    ap.add_argument("--mentions", action="store_true", help="the labelled variant: mentions pre-filled from seen nicks (default: raw text)")
    args = ap.parse_args(argv)

    logs = load(mentions=args.mentions)
    if not logs:
        print(missing_note())
        return 0
    run = Run()
    per_file = [(log.name, *run_log(log, run)) for log in logs]

    n = sum(len(log.labels) for log in logs)
    pos = sum(v for log in logs for v in log.labels.values())
    if args.json:
        p, r, f = run.ours.prf()
        qp, qr, qf = run.qmark.prf()
        variant = " [with pre-filled mentions]" if args.mentions else ""
        emit(
            f"question detection F1 (dev, 2,327 labelled msgs, raw text){variant}",
            round(f, 3),
            "",
            f"'?' rule F1 {qf:.3f}; next-speaker rule: n/a (answers only)",
            ">= 0.80",
        )
        emit(f"question detection precision (dev){variant}", round(p, 3), "", f"'?' rule P {qp:.3f}; ours R {r:.3f}, '?' rule R {qr:.3f}", ">= 0.80")
        emit("inference cost per message (detector + reply model)", round(1e6 * run.judge_seconds / max(1, run.judge_calls), 1), "µs", "", "<= 50 µs")
        return 0
    print(f"Question detection on {len(logs)} IRC logs: {n} labelled lines, {pos} questions")
    print(run.ours.line("ours (replay pipeline)"))
    print(run.qmark.line("baseline: contains '?'"))
    if run.judge_calls:
        us = 1e6 * run.judge_seconds / run.judge_calls
        print(f"inference: {run.judge_calls} messages, {us:.1f} µs per message on average (addresses, cues, detector, reply model; text not cached)")
    if args.verbose:
        print("\nper file:")
        for name, ours, qmark in per_file:
            print(" ", ours.line(name))
            print(" ", qmark.line("   '?' rule"))
    if args.errors:
        w = args.width
        for kind in ("FP", "FN"):
            rows = [e for e in run.errors if e[0] == kind]
            print(f"\n{kind} ({len(rows)}):")
            for _, msg, verdict in rows:
                why = verdict
                print(f"  {msg.channel}:{msg.id} <{msg.author}> {msg.text[:w]}")
                print(f"      -> {why}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
