"""Flat-channel "answered" inference against the IRC reply annotations.

For each gold question (questions.csv label 1) the truth is its first response:
the earliest line by another human (not the asker, not a bot) annotated as
replying to the question or to one of the asker's follow-ups in the same
conversation (bench/nudge.py, ``first_response``; ``--direct``: direct replies to
the question line only, the round-2 truth); answered if such a line exists.

Our pipeline runs the engine's flow with the gold questions forced as the open
questions (so detection errors do not pollute the figure): skip bots; a gold
question opens; otherwise ``hit = ctx.reply_target(msg, open)`` and a hit
answers that question (first response; it is then no longer open); then
``ctx.remember(msg, ...)``. Context lines (< 1000) go through ``judge`` so the
context knows who asked what, but open no question.

Baseline: the next message by any other human after the question is the answer.

The end-to-end figures (detection errors included, "would nudge at +1 h") are
bench/nudge.py's, printed after these.

    python bench/answered.py [--errors] [--direct] [--json]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.irc import FIRST_ANNOTATED, IrcLog, load, missing_note  # noqa: E402
from bench.nudge import direct_reply, emit_rows, end_to_end, first_response  # noqa: E402
from bench.nudge import report as nudge_report  # noqa: E402
from bot.conversation import ChannelContext, OpenQuestion  # noqa: E402
from bot.detect import judge  # noqa: E402
from bot.events import Message  # noqa: E402
from bot.watchdog import FLAT_HORIZON  # noqa: E402


@dataclass
class Case:
    log: str
    question: Message
    truth: Message | None
    ours: Message | None
    ours_why: str = ""
    naive: Message | None = None


def truth_for(log: IrcLog, q: Message, by_id: dict[str, Message]) -> Message | None:
    return (direct_reply if DIRECT else first_response)(log, q, by_id)


DIRECT = False  # --direct: the round-2 truth (direct replies to the question line only)


def run_log(log: IrcLog) -> list[Case]:
    by_id = log.by_id()
    gold_q = {mid for mid, label in log.labels.items() if label == 1}
    cases: dict[str, Case] = {}
    ctx = ChannelContext(horizon=FLAT_HORIZON)
    open_q: list[OpenQuestion] = []
    for msg in log.messages:
        if msg.author_is_bot:
            continue
        # naive baseline: the first later line by another human answers every open case
        for c in cases.values():
            if c.naive is None and msg.author != c.question.author:
                c.naive = msg
        if msg.id in gold_q:
            cases[msg.id] = Case(log.name, msg, truth_for(log, msg, by_id), None)
            open_q.append(OpenQuestion(int(msg.id), msg.id, msg.author, msg.at))
            ctx.remember(msg, is_question=True)
            continue
        verdict = judge(msg, ctx)
        hit = ctx.reply_target(msg, open_q, own_question=verdict.is_question)
        if hit is not None:
            key, why = hit
            c = cases[str(key)]
            c.ours, c.ours_why = msg, why
            open_q = [q for q in open_q if q.key != key]
            ctx.remember(msg, is_question=False)
            continue
        is_q = int(msg.id) < FIRST_ANNOTATED and verdict.is_question
        ctx.remember(msg, is_question=is_q)
        open_q = [q for q in open_q if msg.at - q.at <= ctx.horizon]
    return list(cases.values())


def _pct(n: int, d: int) -> str:
    return f"{n / d:6.1%} ({n}/{d})" if d else "   n/a"


def _minutes(a: Message, b: Message) -> float:
    return abs((a.at - b.at).total_seconds()) / 60


def report(name: str, cases: list[Case], pick) -> None:
    n = len(cases)
    answered_ok = sum((pick(c) is not None) == (c.truth is not None) for c in cases)
    said = sum(pick(c) is not None for c in cases)
    truly = [c for c in cases if c.truth is not None]
    resp_all = sum((pick(c).author if pick(c) else None) == (c.truth.author if c.truth else None) for c in cases)
    resp_ans = sum(pick(c) is not None and pick(c).author == c.truth.author for c in truly)
    line_all = sum((pick(c).id if pick(c) else None) == (c.truth.id if c.truth else None) for c in cases)
    line_ans = sum(pick(c) is not None and pick(c).id == c.truth.id for c in truly)
    errs = sorted(_minutes(pick(c), c.truth) for c in truly if pick(c) is not None)
    print(f"{name}")
    print(f"  answered accuracy            {_pct(answered_ok, n)}   (says answered: {said}, truly answered: {len(truly)})")
    print(f"  responder accuracy           {_pct(resp_all, n)}   on truly answered: {_pct(resp_ans, len(truly))}")
    print(f"  exact-line accuracy          {_pct(line_all, n)}   on truly answered: {_pct(line_ans, len(truly))}")
    if errs:
        p90 = errs[min(len(errs) - 1, int(round(0.9 * (len(errs) - 1))))]
        print(f"  time-to-first-response error median {statistics.median(errs):.1f} min, p90 {p90:.1f} min (on {len(errs)} both call answered)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--errors", action="store_true", help="list questions where our responder is wrong")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON rows (for bench/run_all.py)")
    ap.add_argument("--mentions", action="store_true", help="the labelled variant: mentions pre-filled from seen nicks (default: raw text)")
    ap.add_argument("--direct", action="store_true", help="round-2 truth: direct replies to the question line only")
    args = ap.parse_args(argv)
    logs = load(mentions=args.mentions)
    if not logs:
        print(missing_note())
        return 0
    global DIRECT
    DIRECT = args.direct
    cases = [c for log in logs for c in run_log(log)]
    figures = end_to_end(logs, truth_for)
    if args.json:
        emit_rows(*figures, variant=(" [with pre-filled mentions]" if args.mentions else "") + (" [direct-reply truth]" if args.direct else ""))
        return 0
    print(f"Flat-channel reply inference on {len(cases)} gold questions in {len(logs)} IRC logs (gold questions forced open)")
    report("ours (ChannelContext.reply_target)", cases, lambda c: c.ours)
    report("baseline: next message by another human", cases, lambda c: c.naive)
    print()
    nudge_report(*figures)
    if args.errors:
        print("\nresponder mismatches:")
        for c in cases:
            ours = c.ours.author if c.ours else None
            truth = c.truth.author if c.truth else None
            if ours != truth:
                q = c.question
                print(f"  {c.log}:{q.id} <{q.author}> {q.text[:80]}")
                if c.truth:
                    print(f"      truth {c.truth.id} +{_minutes(c.truth, q):.0f}m <{c.truth.author}> {c.truth.text[:70]}")
                else:
                    print("      truth: unanswered")
                if c.ours:
                    print(f"      ours  {c.ours.id} +{_minutes(c.ours, q):.0f}m <{c.ours.author}> {c.ours.text[:70]}  [{c.ours_why}]")
                else:
                    print("      ours: unanswered")
    return 0


if __name__ == "__main__":
    sys.exit(main())
