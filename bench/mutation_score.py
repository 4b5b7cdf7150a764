"""Print the mutation score of the guards per module, from the last `mutmut run` (make mutation).

A figure, never pass/fail: killed / (killed + survived + no tests + timeout), per module
and in total; "no tests" counts as not killed. Survivors are listed by name so they can
be looked at with `.venv/bin/mutmut show <name>`.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTMUT = Path(sys.executable).with_name("mutmut")


def main() -> int:
    out = subprocess.run([str(MUTMUT), "results", "--all", "true"], cwd=ROOT, capture_output=True, text=True).stdout
    per: dict[str, Counter[str]] = defaultdict(Counter)
    survivors: dict[str, list[str]] = defaultdict(list)
    for line in out.splitlines():
        m = re.match(r"\s*([\w.]+?)\.x[_ǁ].*?__mutmut_\d+: (.+)$", line.strip())
        if not m:
            continue
        module, status = m.group(1), m.group(2).strip()
        per[module][status] += 1
        if status != "killed":
            survivors[module].append(line.strip().split(":")[0])
    if not per:
        print("no mutation results: run `make mutation` first", file=sys.stderr)
        return 1
    total: Counter[str] = Counter()
    print(f"{'module':32} {'mutants':>8} {'killed':>7} {'survived':>9} {'no tests':>9} {'timeout':>8} {'score':>7}")
    for module in sorted(per):
        c = per[module]
        total.update(c)
        n = sum(c.values())
        print(f"{module:32} {n:8} {c['killed']:7} {c['survived']:9} {c['no tests']:9} {c['timeout']:8} {c['killed'] / n:7.1%}")
    n = sum(total.values())
    print(f"{'all':32} {n:8} {total['killed']:7} {total['survived']:9} {total['no tests']:9} {total['timeout']:8} {total['killed'] / n:7.1%}")
    for module in sorted(survivors):
        print(f"\n{module}: {len(survivors[module])} not killed")
        for name in survivors[module]:
            print(f"  {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
