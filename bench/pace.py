"""The same conversations, slower: do the flat-channel judgments hold at a Slack channel's pace?

#ubuntu (the dev split) talks fast, a message every ~10 s. A Slack, Gitter or Discord
help channel may see one every few minutes. Every time window the judgments use (is
this member in a conversation, did they ask lately, which open questions can a
message answer) stretches with the channel's pace (bot/conversation.py, REF_GAP). This
bench replays the dev logs with every gap between messages multiplied by N (the same
words, the same people, the same order) and prints question detection and
answered-vs-not on the detected gold questions, beside the figures at the real pace.
A judgment that depends on the clock rather than on the talk shows up here as a drop.

"Would nudge at +1 h" is not printed: slowed down 30 times, almost every answer
comes after the hour.

    python bench/pace.py [FACTOR ...] [--json]      (default factors: 1 10 30)
"""

from __future__ import annotations

import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import common  # noqa: E402
from bench.common import row  # noqa: E402
from bench.irc import IrcLog, load, missing_note  # noqa: E402
from bench.nudge import first_response, pipeline_answers  # noqa: E402


def slowed(log: IrcLog, factor: float) -> IrcLog:
    """log with every gap between its messages multiplied by factor."""
    if factor == 1 or not log.messages:
        return log
    t0 = log.messages[0].at
    msgs = [replace(m, at=t0 + (m.at - t0) * factor) for m in log.messages]
    return IrcLog(log.name, msgs, log.labels, log.children, log.parents, log.starts)


def measure(logs: list[IrcLog], factor: float) -> dict[str, float]:
    tp = fp = fn = ok = n = 0
    for log in logs:
        log = slowed(log, factor)
        by_id = log.by_id()
        engine = pipeline_answers(log)  # detected question -> the first response the engine recorded
        for mid, label in log.labels.items():
            detected = mid in engine
            tp += detected and label == 1
            fp += detected and label != 1
            fn += (not detected) and label == 1
            if detected and label == 1:
                n += 1
                ok += (engine[mid] is not None) == (first_response(log, by_id[mid], by_id) is not None)
    p, r = tp / max(1, tp + fp), tp / max(1, tp + fn)
    return {"f1": 2 * p * r / (p + r) if p + r else 0.0, "p": p, "r": r, "answered": ok / max(1, n), "flagged": tp + fp}


def main(argv: list[str]) -> int:
    common.AS_JSON = "--json" in argv
    factors = [float(a) for a in argv if not a.startswith("--")] or [1.0, 10.0, 30.0]
    logs = load(split="dev")
    if not logs:
        print(missing_note())
        return 0
    if not common.AS_JSON:
        print("Dev split replayed N times slower (raw text, detect mode, never fitted on)")
    for f in factors:
        m = measure(logs, f)
        tag = f"x{f:g}"
        row(f"pace {tag}: question F1", round(m["f1"], 3), "", f"P {m['p']:.3f} R {m['r']:.3f}, {m['flagged']} flagged", "as at x1")
        row(f"pace {tag}: answered accuracy (detected gold)", round(m["answered"], 3), "", "", "as at x1")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
