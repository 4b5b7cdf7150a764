"""Log set-up for every command: readable text by default, one JSON object a line for log shippers.

Chosen once, by the group-level options (``unanswered -v --log-format json <command>``).
Secrets never reach a log record (they are ``SecretStr`` everywhere), so nothing is
filtered here.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

TEXT_FORMAT = "%(asctime)s %(levelname)-7s %(name)s: %(message)s"
# Platform libraries log request details at DEBUG/INFO; keep them quiet.
NOISY = ("slack_bolt", "slack_sdk", "discord", "apscheduler", "aiohttp")


class JsonFormatter(logging.Formatter):
    """{"at", "level", "logger", "message"} (+ "error" with the traceback), one line each."""

    def format(self, record: logging.LogRecord) -> str:
        out = {
            "at": datetime.fromtimestamp(record.created, timezone.utc).isoformat().replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            out["error"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False)


def setup(level: int, fmt: str = "text") -> None:
    """(Re)configure the root logger: one stderr handler in the chosen format."""
    root = logging.getLogger()
    # Only our own earlier handler is replaced: others (a test's log capture, an embedding app's) stay.
    for old in [h for h in root.handlers if getattr(h, "_unanswered", False)]:
        root.removeHandler(old)
    handler = logging.StreamHandler(sys.stderr)
    handler._unanswered = True  # type: ignore[attr-defined]  # a marker attribute on a stdlib handler
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root.addHandler(handler)
    root.setLevel(level)
    for noisy in NOISY:
        logging.getLogger(noisy).setLevel(logging.WARNING if level > logging.DEBUG else logging.INFO)
