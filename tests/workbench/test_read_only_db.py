"""Issue 13: a database file the bot may not write is one clear line naming the path and the fix,
and exit 2, for `run` and for `replay` (never a traceback). The CLI runs as its own process, as a
user runs it; under root (which may write any file) it runs without the capability to override file
permissions (setpriv), so the file is truly read-only."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from bot.store import Tracker

ROOT = Path(__file__).resolve().parents[2]

CONFIG = """
[people.alice]
slack = "U0ALICE01"

[[routes]]
platform = "slack"
channel = "C0HELP0001"
chain = ["alice"]

[storage]
path = "{db}"

[slack]
api_url = "http://127.0.0.1:9/"
"""

LINE = '{"type": "message", "platform": "slack", "channel": "C0HELP0001", "id": "1.0", "author": "U1", "at": "2026-01-05T10:00:00Z", "text": "How?"}\n'


@pytest.fixture
def read_only():
    """A folder and a real tracker file in it that the CLI's user can read but not write."""
    folder = Path(tempfile.mkdtemp(prefix="unanswered-ro-"))
    db = folder / "tracker.db"
    Tracker(db).close()
    (folder / "unanswered.toml").write_text(CONFIG.format(db=db))
    (folder / "history.jsonl").write_text(LINE)
    for p in folder.iterdir():
        p.chmod(0o444)
    folder.chmod(0o555)
    yield folder, db
    folder.chmod(0o755)
    for p in folder.iterdir():
        p.chmod(0o644)
        p.unlink()
    folder.rmdir()


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("UNANSWERED_")}
    env.update(UNANSWERED_SLACK__BOT_TOKEN="xoxb-test", UNANSWERED_SLACK__APP_TOKEN="xapp-test", PYTHONPATH=str(ROOT), HOME="/tmp")
    command = [sys.executable, "-m", "bot", *args]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: root may write a read-only file")
        drop = "-dac_override,-dac_read_search"
        command = [setpriv, f"--inh-caps={drop}", f"--bounding-set={drop}", *command]
    return subprocess.run(command, cwd="/tmp", env=env, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("command", ["run", "replay"])
def test_a_read_only_database_is_one_clear_line_and_exit_2(read_only, command):
    folder, db = read_only
    args = ["run", "-c", str(folder / "unanswered.toml")]
    if command == "replay":
        args = ["replay", str(folder / "history.jsonl"), "-c", str(folder / "unanswered.toml"), "--db", str(db)]
    result = cli(*args)
    out = result.stdout + result.stderr
    assert result.returncode == 2, out
    assert "Traceback" not in out, out
    problem = [line for line in out.splitlines() if str(db) in line]
    assert len(problem) == 1 and "cannot be written" in problem[0] and ("chmod" in problem[0] or "storage.path" in problem[0]), out
