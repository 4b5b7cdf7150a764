"""The CLI as people use it: --db everywhere, paths beside the config, logs in JSON, a short replay report."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.config import load_settings

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_storage_path_is_relative_to_the_config_file(tmp_path, monkeypatch):
    folder = tmp_path / "etc"
    folder.mkdir()
    (folder / "unanswered.toml").write_text('[storage]\npath = "db/t.db"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings, _ = load_settings(folder / "unanswered.toml", environ={})
    assert settings.storage.path == folder.resolve() / "db" / "t.db"
    # An environment override stays relative to where the command runs.
    settings, _ = load_settings(folder / "unanswered.toml", environ={"UNANSWERED_STORAGE__PATH": "here.db"})
    assert settings.storage.path == Path("here.db")


def test_status_and_audit_take_db(tmp_path):
    db = tmp_path / "replayed.db"
    invoke("replay", str(DEMO / "community.jsonl"), "-c", str(DEMO / "unanswered.toml"), "--db", str(db))
    status = invoke("status", "--db", str(db))
    assert status.exit_code == 0 and "MIDI clock to work" in status.stdout
    audit = invoke("audit", "--db", str(db), "--recipient", "alice")
    assert audit.exit_code == 0 and audit.stdout.count("nudge → alice") == 2
    missing = CliRunner().invoke(main, ["status", "--db", str(tmp_path / "nope.db")])
    assert missing.exit_code == 1 and "nope.db" in missing.stderr


def test_verbose_and_json_logs_are_group_options_for_every_command(tmp_path):
    cfg = tmp_path / "u.toml"
    cfg.write_text('[people.al]\nslack = "U1"\n', encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "bot", "-v", "--log-format", "json", "status", "--db", str(tmp_path / "t.db")],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
    )
    assert result.returncode == 1  # no such database: said on stderr, and the log lines that came before are JSON
    for line in result.stderr.splitlines():
        if line.startswith("{"):
            record = json.loads(line)
            assert {"at", "level", "logger", "message"} <= set(record)
    help_text = invoke("--help").stdout
    assert "--log-format" in help_text and "_UNANSWERED_COMPLETE=bash_source" in help_text


def test_json_log_lines_are_parseable(capsys):
    import logging

    from bot import logs

    logs.setup(logging.INFO, "json")
    try:
        logging.getLogger("unanswered.test").warning("hello %s", "there")
    finally:
        logs.setup(logging.WARNING, "text")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert json.loads(line)["message"] == "hello there" and json.loads(line)["level"] == "warning"


def _history(path: Path, questions: int) -> None:
    """A made-up busy export: many channels, unanswered questions, some answers."""
    t0 = datetime(2025, 12, 29, 9, tzinfo=timezone.utc)
    with path.open("w", encoding="utf-8") as out:
        for i in range(questions):
            at = t0 + timedelta(minutes=7 * i)
            channel = f"c{i % 23}"
            out.write(
                json.dumps(
                    {
                        "type": "message",
                        "platform": "slack",
                        "channel": channel,
                        "id": f"q{i}",
                        "author": f"U{i % 97}",
                        "at": at.isoformat(),
                        "text": f"How do I configure widget {i} on the new release?",
                    }
                )
                + "\n"
            )
            if i % 3 == 0:
                out.write(
                    json.dumps(
                        {
                            "type": "message",
                            "platform": "slack",
                            "channel": channel,
                            "id": f"a{i}",
                            "author": "UHELP",
                            "at": (at + timedelta(minutes=3)).isoformat(),
                            "text": "try the settings page",
                            "thread": f"q{i}",
                        }
                    )
                    + "\n"
                )


def test_replay_summary_fits_a_screen_with_dates_and_list_shows_everything(tmp_path):
    path = tmp_path / "busy.jsonl"
    _history(path, 600)
    result = invoke("replay", str(path))
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) < 40, result.stdout
    assert "Questions: 600" in result.stdout and "…and 13 more channels" in result.stdout
    assert "Never answered: 400" in result.stdout and "add --list" in result.stdout
    assert "nudge moderator at 2025-12-29 10:" in result.stdout  # nudge times carry their date
    full = invoke("replay", str(path), "--list").stdout.splitlines()
    assert len([x for x in full if x.startswith("  2025-") or x.startswith("  2026-")]) >= 600


def test_replay_shows_a_progress_bar_on_a_terminal(tmp_path):
    path = tmp_path / "busy.jsonl"
    _history(path, 3000)
    main_fd, child_fd = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "replay", str(path)],
        stdin=child_fd,
        stdout=subprocess.PIPE,
        stderr=child_fd,
        cwd=tmp_path,
        env={**os.environ, "COLUMNS": "100"},
    )
    os.close(child_fd)
    seen = b""
    while True:
        ready, _, _ = select.select([main_fd], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(main_fd, 4096)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    out = proc.stdout.read().decode()
    assert proc.wait(timeout=60) == 0
    os.close(main_fd)
    terminal = seen.decode(errors="replace")
    assert "replaying" in terminal and "events" in terminal and "4.00k events" in terminal, terminal[-500:]
    assert "Questions: 3000" in out and len(out.splitlines()) < 40
    # Not a terminal: no bar at all.
    piped = subprocess.run([sys.executable, "-m", "bot", "replay", str(path)], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert "replaying" not in piped.stderr and piped.returncode == 0


def test_a_long_catch_up_shows_a_bar_on_a_terminal_only(make_settings, tracker, clock, monkeypatch, capsys):
    from bot import progress, wiring
    from bot.events import Message

    app = wiring.build(make_settings('[[routes]]\nplatform = "slack"\nchannel = "C1"\n'), clock=clock, tracker=tracker, sources=[])
    t0 = clock.now() - timedelta(days=1)
    events = [Message(platform="slack", channel="C1", id=f"{i}.0", author=f"U{i % 7}", at=t0 + timedelta(seconds=i), text="ok") for i in range(1200)]
    app.hub.ingest_batch(events[:600])  # not a terminal (pytest captures stderr): no bar
    assert "catching up" not in capsys.readouterr().err
    monkeypatch.setattr(progress.sys.stderr, "isatty", lambda: True, raising=False)
    app.hub.ingest_batch(events[600:])  # 600 events: too short for a bar
    assert "catching up" not in capsys.readouterr().err
    app.hub.ingest_batch(
        [Message(platform="slack", channel="C1", id=f"b{i}", author="U1", at=t0 + timedelta(hours=2, seconds=i), text="ok") for i in range(1500)]
    )
    err = capsys.readouterr().err
    assert "catching up" in err and "1.50k/1.50k" in err
    assert tracker.message("slack", "C1", "b1499") is not None
