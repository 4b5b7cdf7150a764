"""Answered-vs-not at +1 h on the TRAINING split: do the reply rules chosen on dev carry over?

The reply model's weights are fitted on the training split; its rules (bot/replies.py: a reply
to one's own helper answers nothing, a bare "yes" to a member who asked by name, a clarifying
echo, ...) were chosen by reading the dev split's errors. This bench is their check on data they
were not chosen on: the 153 training excerpts replayed through the pipeline (detect mode, raw
text), and for every line the engine took for a question, "answered within the hour?" against
the annotators' reply links (the first reply by another human to the question or the asker's
follow-ups in its conversation: bench/nudge.py ``first_response``). The train split has no
question labels, so only detected lines are scored; the next-speaker rule on the same lines is
printed beside. (In sample for the weights, so read it for the rules: compare commits.)

    python bench/rules_on_train.py [--json]
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import row, say  # noqa: E402
from bench.irc import FIRST_ANNOTATED, load  # noqa: E402
from bench.nudge import NUDGE_AFTER, first_response, next_speaker, pipeline_answers  # noqa: E402
from bot.events import Message  # noqa: E402


def _late(q: Message, answer: Message | None) -> bool:
    return answer is None or (answer.at - q.at).total_seconds() > NUDGE_AFTER


def main() -> int:
    logs = load(split="train")
    if not logs:
        say("training split missing (../shared/data/irc-ubuntu-train, or UNANSWERED_IRC_TRAIN)")
        return 0
    n = ours = nxt = 0
    for log in logs:
        by_id = {m.id: m for m in log.messages}
        for msg_id, answer in pipeline_answers(log).items():
            if int(msg_id) < FIRST_ANNOTATED:
                continue  # context lines carry no annotation
            q = by_id[msg_id]
            truth = _late(q, first_response(log, q, by_id))
            n += 1
            ours += _late(q, answer) == truth
            nxt += _late(q, next_speaker(log, q)) == truth
    say(f"Answered at +1 h on the lines our pipeline takes for questions, training split ({len(logs)} excerpts, {n} lines)")
    row("answered-vs-not accuracy, detected questions (train)", round(ours / n, 4), "", f"next-speaker rule {nxt / n:.3f}; {ours}/{n}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
