"""End to end on the dev split: would the watchdog nudge a moderator at +1 h, and is it right to?

Everything goes through the replay pipeline (bot.replay, detect mode, raw text), so detection
errors count. Three systems: ours; the next-speaker rule on the questions we detect; the `?` rule
with the next-speaker rule.

Gold, per labelled line: a question (questions.csv label 1) and its first response, the earliest
message by another human (not the asker, not a bot) annotated as replying to the question or to one
of the asker's follow-ups in the same conversation (lines the asker wrote that the reply links reach
from the question). That is the product's definition of "answered" (issue 14): a helper who answers
the asker's second line ("I tried X, still broken") answers the need. ``--direct`` keeps the round-2
truth, direct replies to the question line only, for comparison.

Gold nudges a gold question with no first response within the hour; a system nudges a line it took
for a question and found no response for within the hour.

"Would nudge at +1 h" agreement is the share of cases where the system and gold decide alike, over
the gold questions ∪ the lines the system nudges: what a moderator should have been told about, and
what they were told about. A detected non-question that gets answered sends no DM and is left out,
as is every quiet line: otherwise a system that flags anything with a `?` (nearly all of it answered
by someone's next line, so never nudged) scores high by agreeing on lines nobody asks about. The
round-2 figure (over gold ∪ detected) is printed beside, labelled.

    python bench/nudge.py [--errors] [--direct] [--json]
"""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import row as emit  # noqa: E402
from bench.irc import IrcLog, load, missing_note, replay_log  # noqa: E402
from bot.events import Message  # noqa: E402

NUDGE_AFTER = 3600.0  # "would nudge at +1 h": a question with no first response within the hour

Truth = Callable[[IrcLog, Message, dict[str, Message]], "Message | None"]


def direct_reply(log: IrcLog, q: Message, by_id: dict[str, Message]) -> Message | None:
    """The earliest message by another human annotated as replying to q itself (the round-2 truth)."""
    for child in log.children.get(q.id, []):
        m = by_id.get(child)
        if m is not None and m.author != q.author and not m.author_is_bot:
            return m
    return None


def first_response(log: IrcLog, q: Message, by_id: dict[str, Message]) -> Message | None:
    """The earliest message by another human replying to q or to the asker's follow-ups in q's conversation."""
    reached, stack = {q.id}, [q.id]
    while stack:
        for child in log.children.get(stack.pop(), []):
            if child not in reached:
                reached.add(child)
                stack.append(child)
    asker = {i for i in reached if (m := by_id.get(i)) is not None and m.author == q.author}
    best: Message | None = None
    for i in reached:
        m = by_id.get(i)
        if m is None or m.author == q.author or m.author_is_bot:
            continue
        if any(p in asker for p in log.parents.get(i, ())) and (best is None or int(i) < int(best.id)):
            best = m
    return best


def pipeline_answers(log: IrcLog) -> dict[str, Message | None]:
    """The log replayed through bot.replay; for each question the engine detected, the message it
    recorded as the first response (or None)."""
    _, tracker = replay_log(log, keep_judged=False)
    by_id = {m.id: m for m in log.messages}
    out = {}
    for row in tracker.conn.execute("SELECT msg_id, answer_id FROM questions"):
        out[row["msg_id"]] = by_id.get(row["answer_id"]) if row["answer_id"] else None
    tracker.close()
    return out


def next_speaker(log: IrcLog, q: Message) -> Message | None:
    after = False
    for m in log.messages:
        if m is q:
            after = True
        elif after and not m.author_is_bot and m.author != q.author:
            return m
    return None


# Why a system and gold disagree about a nudge.
MISSED = "gold question not detected (gold nudges, we do not)"
FALSE_Q = "not a gold question, detected, no response found (a false DM)"
SAID_ANSWERED = "gold question unanswered within the hour, we found a response"
SAID_OPEN = "gold question answered within the hour, we found none"
TIME_OFF = "both found a response, on opposite sides of the hour"


@dataclass
class EndToEnd:
    """Figures of one system on the dev split."""

    answered_ok: int = 0  # on gold questions the system detected: answered-vs-not right
    detected_gold: int = 0
    ttfr_errors: list[float] = field(default_factory=list)  # |ours - gold| first response, seconds
    agree: int = 0  # over gold questions ∪ lines the system nudges
    cases: int = 0
    old_agree: int = 0  # the round-2 definition: over gold questions ∪ detected lines
    old_cases: int = 0
    gold_agree: int = 0  # over gold questions only
    gold_cases: int = 0
    nudges_sent: int = 0
    nudges_warranted: int = 0
    nudges_right: int = 0
    causes: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[str, str, Message, Message | None, Message | None]] = field(default_factory=list)

    def nudge_pr(self) -> tuple[float, float]:
        """Of the nudges sent, the share gold says were warranted; of the warranted, the share sent."""
        return self.nudges_right / max(1, self.nudges_sent), self.nudges_right / max(1, self.nudges_warranted)

    def p90(self) -> float:
        e = sorted(self.ttfr_errors)
        return e[min(len(e) - 1, int(round(0.9 * (len(e) - 1))))] if e else float("nan")

    def accuracy(self) -> float:
        return self.answered_ok / max(1, self.detected_gold)

    def agreement(self) -> float:
        return self.agree / max(1, self.cases)

    def old_agreement(self) -> float:
        return self.old_agree / max(1, self.old_cases)


def _late(q: Message, answer: Message | None) -> bool:
    return answer is None or (answer.at - q.at).total_seconds() > NUDGE_AFTER


def _add(fig: EndToEnd, log: str, m: Message, gold: bool, truth: Message | None, detected: bool, answer: Message | None) -> None:
    gold_nudge = gold and _late(m, truth)
    nudge = detected and _late(m, answer)
    if detected and gold:
        fig.detected_gold += 1
        fig.answered_ok += (answer is not None) == (truth is not None)
        if answer is not None and truth is not None:
            fig.ttfr_errors.append(abs((answer.at - truth.at).total_seconds()))
    if detected or gold:
        fig.old_cases += 1
        fig.old_agree += nudge == gold_nudge
    if gold or nudge:
        fig.cases += 1
        fig.agree += nudge == gold_nudge
    if gold:
        fig.gold_cases += 1
        fig.gold_agree += nudge == gold_nudge
    fig.nudges_sent += nudge
    fig.nudges_warranted += gold_nudge
    fig.nudges_right += nudge and gold_nudge
    if nudge != gold_nudge:
        if gold and not detected:
            cause = MISSED
        elif not gold:
            cause = FALSE_Q
        elif answer is not None and truth is not None:
            cause = TIME_OFF
        else:
            cause = SAID_ANSWERED if answer is not None else SAID_OPEN
        fig.causes[cause] += 1
        fig.examples.append((cause, log, m, truth, answer))


def end_to_end(logs: list[IrcLog], truth_of: Truth = first_response) -> tuple[EndToEnd, EndToEnd, EndToEnd]:
    """(ours, next-speaker rule on our detected questions, `?` rule + next-speaker rule)."""
    ours, nxt, qmark = EndToEnd(), EndToEnd(), EndToEnd()
    for log in logs:
        by_id = log.by_id()
        engine = pipeline_answers(log)
        for m in log.messages:
            if m.id not in log.labels:
                continue
            gold = log.labels[m.id] == 1
            truth = truth_of(log, m, by_id) if gold else None
            ns = next_speaker(log, m)
            _add(ours, log.name, m, gold, truth, m.id in engine, engine.get(m.id))
            _add(nxt, log.name, m, gold, truth, m.id in engine, ns)
            _add(qmark, log.name, m, gold, truth, "?" in m.text and not m.author_is_bot, ns)
    return ours, nxt, qmark


def _pct(n: int, d: int) -> str:
    return f"{n / d:6.1%} ({n}/{d})" if d else "   n/a"


def emit_rows(ours: EndToEnd, nxt: EndToEnd, qmark: EndToEnd, variant: str = "") -> None:
    """The JSON rows of bench/run_all.py's table."""
    emit(
        f"answered-vs-not accuracy on detected questions (dev){variant}",
        round(ours.accuracy(), 3),
        "",
        f"next-speaker rule {nxt.accuracy():.3f}; '?' rule + next-speaker {qmark.accuracy():.3f}",
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
        f"'would nudge at +1 h' agreement (dev, gold questions ∪ nudged lines){variant}",
        round(ours.agreement(), 3),
        "",
        f"next-speaker rule {nxt.agreement():.3f}; '?' rule + next-speaker {qmark.agreement():.3f}; round-2 definition "
        f"(gold ∪ detected): ours {ours.old_agreement():.3f}, next-speaker {nxt.old_agreement():.3f}, '?' rule {qmark.old_agreement():.3f}",
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


def report(ours: EndToEnd, nxt: EndToEnd, qmark: EndToEnd, *, errors: bool = False, width: int = 90) -> None:
    systems = (("ours", ours), ("next-speaker rule (our detected questions)", nxt), ("'?' rule + next-speaker rule", qmark))
    print("end to end through the replay pipeline (dev split, raw text; detection errors included)")
    for name, f in systems:
        print(f"  {name:<44} answered accuracy {_pct(f.answered_ok, f.detected_gold)}   TTFR error p90 {f.p90():.0f} s")
    print("\n'would nudge at +1 h' agreement, over gold questions ∪ nudged lines (beside: gold questions only; round-2 definition, gold ∪ detected):")
    for name, f in systems:
        print(f"  {name:<44} {_pct(f.agree, f.cases)}   gold only {_pct(f.gold_agree, f.gold_cases)}   round-2 {_pct(f.old_agree, f.old_cases)}")
    print("\nthe nudges themselves:")
    for name, f in systems:
        p, r = f.nudge_pr()
        print(f"  {name:<44} sent {f.nudges_sent:>3}, warranted {f.nudges_warranted:>3}, right {f.nudges_right:>3}   precision {p:.3f}   recall {r:.3f}")
    print("\nwhy ours disagrees with gold:")
    for cause, n in ours.causes.most_common():
        print(f"  {n:>3}  {cause}")
    if errors:
        for cause, log, m, truth, answer in sorted(ours.examples, key=lambda e: e[0]):
            print(f"\n[{cause}] {log}:{m.id} <{m.author}> {m.text[:width]}")
            for tag, a in (("truth", truth), ("ours ", answer)):
                if a is not None:
                    print(f"    {tag} {a.id} +{(a.at - m.at).total_seconds() / 60:.0f}m <{a.author}> {a.text[: width - 20]}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--errors", action="store_true", help="list every disagreement with gold, by cause")
    ap.add_argument("--direct", action="store_true", help="round-2 truth: direct replies to the question line only")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON rows (for bench/run_all.py)")
    ap.add_argument("--mentions", action="store_true", help="the labelled variant: mentions pre-filled from seen nicks")
    args = ap.parse_args(argv)
    logs = load(mentions=args.mentions)
    if not logs:
        print(missing_note())
        return 0
    figures = end_to_end(logs, direct_reply if args.direct else first_response)
    if args.json:
        emit_rows(*figures, variant=(" [with pre-filled mentions]" if args.mentions else "") + (" [direct-reply truth]" if args.direct else ""))
    else:
        report(*figures, errors=args.errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
