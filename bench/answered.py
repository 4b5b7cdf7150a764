"""Flat-channel "answered" inference against the IRC reply annotations.

For each gold question (questions.csv label 1) the truth is the earliest line
annotated as replying to it directly whose author is another human (not the
asker, not a bot); the question is answered if such a line exists.

Our pipeline runs the engine's flow with the gold questions forced as the open
questions (so detection errors do not pollute the figure): skip bots; a gold
question opens; otherwise ``hit = ctx.reply_target(msg, open)`` and a hit
answers that question (first response; it is then no longer open); then
``ctx.remember(msg, ...)``. Context lines (< 1000) go through ``judge`` so the
context knows who asked what, but open no question.

Baseline: the next message by any other human after the question is the answer.

    python bench/answered.py [--errors]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import row as emit  # noqa: E402
from bench.irc import FIRST_ANNOTATED, IrcLog, load, missing_note, replay_log  # noqa: E402
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
    for child in log.children.get(q.id, []):
        m = by_id.get(child)
        if m is not None and m.author != q.author and not m.author_is_bot:
            return m
    return None


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


def pipeline_answers(log: IrcLog) -> dict[str, Message | None]:
    """End to end: the log replayed through bot.replay; for each question the engine itself
    detected, the message it recorded as the first response (or None)."""
    _, tracker = replay_log(log, keep_judged=False)
    by_id = {m.id: m for m in log.messages}
    out = {}
    for row in tracker.conn.execute("SELECT msg_id, answer_id FROM questions"):
        out[row["msg_id"]] = by_id.get(row["answer_id"]) if row["answer_id"] else None
    tracker.close()
    return out


NUDGE_AFTER = 3600.0  # "would nudge at +1 h": a question with no first response within the hour


@dataclass
class EndToEnd:
    """Figures of one system (ours, or the `?` + next-speaker rules) on the dev split."""

    answered_ok: int = 0
    detected_gold: int = 0
    ttfr_errors: list[float] | None = None
    nudge_agree: int = 0
    nudge_cases: int = 0
    gold_agree: int = 0  # the same, on the gold questions only (a missed question: no nudge)
    gold_cases: int = 0
    nudges_sent: int = 0  # DMs the system would send at +1 h
    nudges_warranted: int = 0  # gold questions with no reply from another human within the hour
    nudges_right: int = 0  # sent and warranted

    def nudge_pr(self) -> tuple[float, float]:
        """Of the nudges sent, the share gold says were warranted; of the warranted, the share sent."""
        return self.nudges_right / max(1, self.nudges_sent), self.nudges_right / max(1, self.nudges_warranted)

    def p90(self) -> float:
        e = sorted(self.ttfr_errors or [])
        return e[min(len(e) - 1, int(round(0.9 * (len(e) - 1))))] if e else float("nan")


def next_speaker(log: IrcLog, q: Message) -> Message | None:
    after = False
    for m in log.messages:
        if m is q:
            after = True
        elif after and not m.author_is_bot and m.author != q.author:
            return m
    return None


def end_to_end(logs: list[IrcLog]) -> tuple[EndToEnd, EndToEnd, EndToEnd]:
    """(ours, next-speaker rule on our detected questions, `?` rule + next-speaker rule), all on raw text.

    answered accuracy: on the gold questions the system detected, does it call them answered exactly
    when a human reply link from someone else exists? TTFR error: |its first response - the gold first
    response| in seconds, where both say answered.

    "Would nudge at +1 h", as a moderator experiences it: for each labelled line, gold says "nudge" iff it is
    a gold question with no gold reply from another human within the hour; a system says "nudge" iff it took
    the line for a question and found no answer within the hour. Agreement is the share of lines where the
    two agree, over the gold questions ∪ the system's detected questions (what a moderator would see or
    miss); nudge precision: of the DMs the system would send, the share gold says are warranted; nudge
    recall: of the warranted ones, the share it sends."""
    ours, nxt, qmark = EndToEnd(ttfr_errors=[]), EndToEnd(ttfr_errors=[]), EndToEnd(ttfr_errors=[])
    for log in logs:
        by_id = log.by_id()
        engine = pipeline_answers(log)
        labelled = [m for m in log.messages if m.id in log.labels]
        for m in labelled:
            gold = log.labels[m.id] == 1
            truth = truth_for(log, m, by_id) if gold else None
            gold_nudge = gold and (truth is None or (truth.at - m.at).total_seconds() > NUDGE_AFTER)
            ns = next_speaker(log, m)
            systems = (
                (ours, m.id in engine, engine.get(m.id)),
                (nxt, m.id in engine, ns),
                (qmark, "?" in m.text and not m.author_is_bot, ns),
            )
            for fig, detected, answer in systems:
                if detected and gold:
                    fig.detected_gold += 1
                    fig.answered_ok += (answer is not None) == (truth is not None)
                    if answer is not None and truth is not None:
                        fig.ttfr_errors.append(abs((answer.at - truth.at).total_seconds()))
                if detected or gold:
                    nudge = detected and (answer is None or (answer.at - m.at).total_seconds() > NUDGE_AFTER)
                    fig.nudge_cases += 1
                    fig.nudge_agree += nudge == gold_nudge
                    fig.nudges_sent += nudge
                    fig.nudges_warranted += gold_nudge
                    fig.nudges_right += nudge and gold_nudge
                if gold:
                    fig.gold_cases += 1
                    fig.gold_agree += (detected and (answer is None or (answer.at - m.at).total_seconds() > NUDGE_AFTER)) == gold_nudge
    return ours, nxt, qmark


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--errors", action="store_true", help="list questions where our responder is wrong")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON rows (for bench/run_all.py)")
    ap.add_argument("--mentions", action="store_true", help="the labelled variant: mentions pre-filled from seen nicks (default: raw text)")
    args = ap.parse_args(argv)
    logs = load(mentions=args.mentions)
    if not logs:
        print(missing_note())
        return 0
    cases = [c for log in logs for c in run_log(log)]
    ours, nxt, qmark = end_to_end(logs)
    if args.json:

        def acc(f: EndToEnd) -> str:
            return f"{f.answered_ok / max(1, f.detected_gold):.3f}"

        def agree(f: EndToEnd) -> str:
            return f"{f.nudge_agree / max(1, f.nudge_cases):.3f}"

        variant = " [with pre-filled mentions]" if args.mentions else ""
        emit(
            f"answered-vs-not accuracy on detected questions (dev){variant}",
            float(acc(ours)),
            "",
            f"next-speaker rule {acc(nxt)}; '?' rule + next-speaker {acc(qmark)}",
            ">= 0.88",
        )
        emit(
            f"time-to-first-response error p90 (dev){variant}",
            round(ours.p90()),
            "s",
            f"next-speaker rule {nxt.p90():.0f} s; '?' rule + next-speaker {qmark.p90():.0f} s",
            "<= 60 s",
        )
        emit(
            f"'would nudge at +1 h' agreement (dev){variant}",
            float(agree(ours)),
            "",
            f"next-speaker rule {agree(nxt)}; '?' rule + next-speaker {agree(qmark)} "
            f"(on gold questions ∪ detected ones; on gold questions only: ours {ours.gold_agree / max(1, ours.gold_cases):.3f})",
            ">= 0.90",
        )

        def pr(f: EndToEnd) -> str:
            p, r = f.nudge_pr()
            return f"P {p:.3f} R {r:.3f} ({f.nudges_sent} sent, {f.nudges_warranted} warranted)"

        emit(
            f"nudges at +1 h: precision / recall (dev){variant}",
            round(ours.nudge_pr()[0], 3),
            "precision",
            f"ours {pr(ours)}; next-speaker rule {pr(nxt)}; '?' rule + next-speaker {pr(qmark)}",
        )
        return 0
    print(f"Flat-channel reply inference on {len(cases)} gold questions in {len(logs)} IRC logs")
    report("ours (ChannelContext.reply_target)", cases, lambda c: c.ours)
    report("baseline: next message by another human", cases, lambda c: c.naive)
    print("\nend to end through the replay pipeline (dev split, raw text; detection errors included)")
    for name, f in (("ours", ours), ("next-speaker rule (our detected questions)", nxt), ("'?' rule + next-speaker rule", qmark)):
        print(
            f"  {name:<44} answered accuracy {_pct(f.answered_ok, f.detected_gold)}   "
            f"TTFR error p90 {f.p90():.0f} s   nudge@1h agreement {_pct(f.nudge_agree, f.nudge_cases)}"
            f" (gold questions only {_pct(f.gold_agree, f.gold_cases)})"
        )
    print("\n'would nudge at +1 h': gold nudges a gold question with no reply from another human within the hour;")
    print("a system nudges a line it took for a question and found no answer for within the hour. Agreement over")
    print("the gold questions ∪ the system's detected ones; precision/recall of the nudges themselves:")
    for name, f in (("ours", ours), ("next-speaker rule (our detected questions)", nxt), ("'?' rule + next-speaker rule", qmark)):
        p, r = f.nudge_pr()
        print(f"  {name:<44} nudges sent {f.nudges_sent:>3}, warranted {f.nudges_warranted:>3}, right {f.nudges_right:>3}   precision {p:.3f}   recall {r:.3f}")
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
