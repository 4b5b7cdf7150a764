"""Shared bits for bench scripts: settings from TOML text, peak memory, result rows.

Every bench prints readable lines, and with ``--json`` one JSON object per figure
(``bench/run_all.py`` collects those into the table).
"""

from __future__ import annotations

import json
import resource
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bot.config import Settings, load_settings  # noqa: E402

AS_JSON = "--json" in sys.argv  # every bench script takes --json


def settings_from(toml: str, **storage: str) -> Settings:
    with tempfile.NamedTemporaryFile("w", suffix=".toml", delete=False) as fh:
        fh.write(toml)
    settings, _ = load_settings(fh.name, environ={})
    Path(fh.name).unlink()
    return settings


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def row(figure: str, value: float | str, unit: str = "", reference: str = "", target: str = "") -> None:
    if AS_JSON:
        print(json.dumps({"figure": figure, "value": value, "unit": unit, "reference": reference, "target": target}))
    else:
        shown = f"{value:,.3f}".rstrip("0").rstrip(".") if isinstance(value, float) else str(value)
        extra = "".join(f"  [{k}: {v}]" for k, v in (("ref", reference), ("target", target)) if v)
        print(f"{figure:<48} {shown} {unit}{extra}")


def say(text: str) -> None:
    if not AS_JSON:
        print(text)


def tracked(tracker) -> tuple[int, int, int]:
    """What a run left in the store: (messages, questions, questions answered)."""
    one = lambda sql: tracker.conn.execute(sql).fetchone()[0]  # noqa: E731
    return (one("SELECT COUNT(*) FROM messages"), one("SELECT COUNT(*) FROM questions"), one("SELECT COUNT(*) FROM questions WHERE answered_at IS NOT NULL"))
