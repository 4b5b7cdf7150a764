"""The long crash trial: the real bot process SIGKILLed >= 50 times against a fake Slack.

    python bench/crash_trials.py [--kills 60] [--seed 1] [--json]

Each figure is counted in the same run: kills (by where they landed), restarts,
questions asked, nudge steps that fell due, DMs delivered, duplicates (same audit
key twice, or the same question and step twice), missing steps, member-visible
calls, wall time. The harness is tests/reliability/crash.py (the short run of it is
in `make test`).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.common import row, say  # noqa: E402
from tests.reliability.crash import run_trial  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=60)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="unanswered-crash-") as tmp:
        r = run_trial(Path(tmp), kills=args.kills, seed=args.seed)
        say(f"crash trial: {args.kills} SIGKILLs of `python -m bot run` against a fake Slack (seed {args.seed})")
        row("crash trial: kills", r.kills, "", "; ".join(f"{k} {v}" for k, v in sorted(r.kills_by_mode.items())), ">= 50")
        row("crash trial: restarts", r.restarts)
        row("crash trial: questions asked", r.questions, "", f"{r.answered_in_time} answered within the window")
        row("crash trial: nudge steps due", r.nudges_due)
        row("crash trial: DMs delivered", r.delivered, "", "", "= steps due")
        row("crash trial: duplicates", len(r.duplicate_keys) + len(r.duplicate_steps), "", "same key or same step twice", "0")
        row("crash trial: missing steps", len(r.missing), "", "", "0")
        row("crash trial: untracked messages", len(r.untracked), "", "", "0")
        row("crash trial: audit vs delivered mismatches", len(r.audit_mismatch), "", "", "0")
        row("crash trial: member-visible calls", len(r.member_visible), "", "", "0")
        row("crash trial: unexpected exits", len(r.unexpected_exits), "", "", "0")
        row("crash trial: wall time", round(r.wall_s, 1), "s")
        if not r.ok:
            say("PROBLEMS: " + r.problems())
    return 0 if r.ok else 1


if __name__ == "__main__":
    sys.exit(main())
