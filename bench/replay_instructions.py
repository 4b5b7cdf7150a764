"""Replay cost in CPU instructions: a figure that does not swing with a busy machine.

Timings on a shared 2-core machine move by ±10 % from one run to the next, more than most changes
to the hot path. valgrind's callgrind counts the instructions a run executes, which barely move, so
comparing trees is exact. This script replays N events of bench/gen.py through ``bot.replay.run``
under callgrind, and the same process without the replay (start-up, imports, making the events), and
prints the difference: the replay's own instructions.

    python bench/replay_instructions.py [N]            (default 30,000; needs valgrind; about a minute)

To compare with another checkout, run that checkout's copy of this script (or this one with
PYTHONPATH set to it): the replay imported is the one on sys.path.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _child(n: int, replay_it: bool) -> None:
    """The measured process: make the events, replay them (or not), print what was tracked."""
    sys.path.insert(0, str(ROOT))
    from bench.common import settings_from
    from bench.gen import events, settings_toml
    from bot import replay
    from bot.store import Tracker

    settings = settings_from(settings_toml())
    evs = list(events(n))
    with tempfile.TemporaryDirectory() as tmp:
        tracker = Tracker(Path(tmp) / "replay.db")
        if replay_it:
            asyncio.run(replay.run(evs, settings, tracker, keep_judged=False))
        print(f"tracked {tracker.question_count()} questions, {tracker.nudge_count()} nudges")
        tracker.close()


def _instructions(n: int, replay_it: bool) -> tuple[int, str]:
    cmd = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__, "--child", str(n), "1" if replay_it else "0"]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True)
    m = re.search(r"Collected\s*:\s*(\d+)", out.stderr)
    if m is None:
        raise SystemExit(f"no instruction count in valgrind's output:\n{out.stderr[-2000:]}")
    return int(m.group(1)), out.stdout.strip()


def main() -> int:
    if "--child" in sys.argv:
        i = sys.argv.index("--child")
        _child(int(sys.argv[i + 1]), sys.argv[i + 2] == "1")
        return 0
    from bench.common import row, say

    n = int(next((a for a in sys.argv[1:] if a.isdigit()), 30_000))
    if shutil.which("valgrind") is None:
        say("valgrind is not installed: no instruction count (apt install valgrind)")
        return 0
    idle, _ = _instructions(n, False)
    busy, tracked = _instructions(n, True)
    row(f"replay instructions ({n:,} events, callgrind)", f"{(busy - idle) / 1e9:.2f} G", "", f"{(busy - idle) / n:,.0f} per event; {tracked}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "bench"))
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
