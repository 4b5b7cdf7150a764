"""`make bench`: run every benchmark and print one table.

Each script runs in its own process (so its peak memory is its own) with --json,
and prints rows {figure, value, unit, reference, target}. A script that fails or
times out shows as a FAILED row; the table is still printed.

    python bench/run_all.py [--quick]      (--quick: smaller inputs, for a first look)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

QUICK = "--quick" in sys.argv
# (script, arguments, timeout in seconds). Optional scripts are skipped when absent.
SCRIPTS = [
    ("detection.py", [], 300),
    ("answered.py", [], 300),
    ("detection.py", ["--mentions"], 300),  # labelled variant: a core told who addresses whom
    ("pace.py", [], 300),  # the same talk at a Slack channel's pace
    ("rules_on_train.py", [], 300),  # the reply rules chosen on dev, checked on the training split
    ("replay_throughput.py", ["100000"] if QUICK else [], 1200),
    ("replay_instructions.py", ["5000"] if QUICK else [], 900),  # instructions, not time: exact across runs (valgrind)
    ("due_scan.py", [], 600),
    ("lateness.py", ["100"] if QUICK else [], 300),
    ("digest.py", [], 900),
    ("slack_translate.py", [], 600),
    ("catchup_latency.py", ["2000"] if QUICK else [], 600),
    ("discord_translate.py", [], 600),
    ("feeds_poll.py", [], 600),
    ("forum_folder.py", [], 300),
    ("soak.py", ["20000"] if QUICK else [], 1800),
    ("crash_trials.py", ["--kills", "10"] if QUICK else [], 3600),
    ("feed_corpus.py", [], 900),
]


def run(script: str, args: list[str], timeout: int) -> tuple[list[dict], float]:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), str(HERE), os.environ.get("PYTHONPATH", "")]))
    started = time.perf_counter()
    try:
        out = subprocess.run([sys.executable, str(HERE / script), *args, "--json"], capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
    except subprocess.TimeoutExpired:
        return [{"figure": script, "value": f"FAILED: timed out after {timeout}s"}], time.perf_counter() - started
    rows = []
    for line in out.stdout.splitlines():
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            continue
        if isinstance(item, dict) and "figure" in item:
            rows.append(item)
    if out.returncode != 0 or not rows:
        tail = (out.stderr.strip().splitlines() or out.stdout.strip().splitlines() or ["no output"])[-1]
        rows.append({"figure": script, "value": f"FAILED (exit {out.returncode}): {tail[:120]}"})
    return rows, time.perf_counter() - started


def fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".") if abs(value) < 100 else f"{value:,.0f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def main() -> None:
    print(f"unanswered benchmarks{' (quick)' if QUICK else ''} · python {sys.version.split()[0]} · {os.cpu_count()} cores\n")
    print("| figure | value | reference (same run) | target |")
    print("|---|---|---|---|")
    for script, args, timeout in SCRIPTS:
        if not (HERE / script).exists():
            continue
        rows, took = run(script, args, timeout)
        for r in rows:
            value = f"{fmt(r.get('value'))} {r.get('unit', '')}".strip()
            print(f"| {r['figure']} | {value} | {r.get('reference', '')} | {r.get('target', '')} |", flush=True)
        print(f"| _{script} took {took:.0f} s_ | | | |", flush=True)


if __name__ == "__main__":
    main()
