"""The store is the only code that speaks SQL: no query, cursor or connection outside bot/store/."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SQL = re.compile(
    r"\bSELECT\b.+\bFROM\b|\bINSERT\s+(?:OR\s+\w+\s+)?INTO\b|\bUPDATE\s+\w+\s+SET\b|\bDELETE\s+FROM\b|\bPRAGMA\b"
    r"|\.execute(?:many|script)?\(|\.conn\b|\bsqlite3\.connect\b"
)
ALLOWED = {"bot/store"}
# sqlite3's exception types may be caught outside the store (a locked database is not a malformed event).
EXCEPTION_ONLY = re.compile(r"\bsqlite3\.(?:Error|OperationalError|DatabaseError|IntegrityError|Row)\b")


def test_no_sql_outside_the_store():
    offenders = []
    for folder in ("bot", "adapters"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if any(rel.startswith(a + "/") for a in ALLOWED):
                continue
            for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if SQL.search(line) and not EXCEPTION_ONLY.search(line):
                    offenders.append(f"{rel}:{n}: {line.strip()[:100]}")
    assert not offenders, "SQL outside bot/store/ (add a store method instead):\n" + "\n".join(offenders)
