"""The CLI as a user runs it: replay, status, audit, on real files."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo"


def invoke(*args: str):
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def test_replay_json_one_object_per_judged_message_in_input_order():
    result = invoke("replay", str(DEMO / "community.jsonl"), "-c", str(DEMO / "unanswered.toml"), "--json")
    assert result.exit_code == 0
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    required = {"platform", "channel", "id", "author", "at", "is_question", "reasons", "answered_at", "answered_by", "nudges"}
    assert all(required <= set(r) for r in rows)
    assert {r["channel"] for r in rows} == {"help", "support"}  # names, as a moderator knows them
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)
    by_text = {r["id"]: r for r in rows}
    usb = by_text["1767621660.000000"]
    assert usb["is_question"] and usb["answered_by"] == "U0ELI0001" and usb["nudges"] == []
    hello = by_text["1767621600.000000"]
    assert hello["is_question"] is False and hello["reasons"]
    sync = next(r for r in rows if r["platform"] == "discord" and r["is_question"] and r["answered_at"] is None)
    assert [(n["to"], n["step"]) for n in sync["nudges"]] == [("alice", 0), ("bob", 1)]
    assert sync["nudges"][0]["at"] == "2026-01-05T14:22:00Z"
    farid = next(r for r in rows if r["author"] == "300000000000000007")
    assert farid["answered_by"] == "300000000000000009"  # jo's Discord reply, before the window closed


def test_replay_summary_is_readable():
    result = invoke("replay", str(DEMO / "community.jsonl"), "-c", str(DEMO / "unanswered.toml"))
    assert "Questions: 4" in result.stdout and "answered: 2 (50%)" in result.stdout
    assert "Nudges that would have been sent: 4" in result.stdout


def test_replay_without_config_uses_a_catch_all_route(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    line = {
        "type": "message",
        "platform": "discord",
        "channel": "help",
        "id": "m1",
        "author": "u1",
        "author_is_bot": False,
        "at": "2026-01-05T10:00:00Z",
        "text": "How do I reset my password?",
        "thread": None,
        "reply_to": None,
        "mentions": [],
    }
    path = tmp_path / "h.jsonl"
    path.write_text(json.dumps(line) + "\n")
    result = invoke("replay", str(path), "--json")
    (row,) = [json.loads(x) for x in result.stdout.splitlines()]
    assert row["is_question"] and row["nudges"] == [{"to": "moderator", "at": "2026-01-05T11:00:00Z", "step": 0}]


def test_bad_lines_are_reported_with_numbers_and_skipped(tmp_path):
    good = {
        "type": "message",
        "platform": "slack",
        "channel": "help",
        "id": "1",
        "author": "u1",
        "at": "2026-01-05T10:00:00Z",
        "text": "Does anyone know how to export my data?",
    }
    lines = [
        json.dumps(good),
        "{not json",
        json.dumps({**good, "id": "2", "at": "yesterday"}),
        json.dumps({**good, "type": "poke"}),
        json.dumps({**good, "id": "3", "author": None}),
        "[1, 2]",
        json.dumps({**good, "id": "4", "text": "and how do I import it again?", "author": "u2"}),
    ]
    path = tmp_path / "h.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = CliRunner().invoke(main, ["replay", str(path), "--json"])
    assert result.exit_code == 0
    ids = [json.loads(x)["id"] for x in result.stdout.splitlines()]
    assert ids == ["1", "4"]
    for number in (2, 3, 4, 5, 6):
        assert f"h.jsonl:{number}: skipped" in result.stderr


def test_replay_into_a_db_then_status_and_audit(tmp_path):
    db = tmp_path / "replayed.db"
    invoke("replay", str(DEMO / "community.jsonl"), "-c", str(DEMO / "unanswered.toml"), "--db", str(db))
    cfg = tmp_path / "u.toml"
    cfg.write_text((DEMO / "unanswered.toml").read_text() + f'\n[storage]\npath = "{db}"\n')
    status = invoke("status", "-c", str(cfg))
    assert "MIDI clock to work" in status.stdout and "alice" in status.stdout
    assert "@everyone" not in status.stdout  # member text is inert everywhere it is shown
    as_json = json.loads(invoke("status", "-c", str(cfg), "--json").stdout)
    assert len(as_json["questions"]) == 2 and as_json["questions"][0]["nudges"][0]["to"] == "alice"
    audit = invoke("audit", "-c", str(cfg), "--recipient", "bob")
    assert audit.stdout.count("nudge → bob") == 2 and "[dry-run]" in audit.stdout
    lines = invoke("audit", "-c", str(cfg), "--json").stdout.splitlines()
    assert len(lines) == 4 and all(json.loads(x)["text"] for x in lines)


def test_status_without_a_database_says_what_to_do(tmp_path):
    cfg = tmp_path / "u.toml"
    cfg.write_text(f'[storage]\npath = "{tmp_path / "none.db"}"\n')
    result = CliRunner().invoke(main, ["status", "-c", str(cfg)])
    assert result.exit_code == 1 and "unanswered run" in result.stderr


def test_python_dash_m_bot_is_the_same_cli():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "bot", "--help"], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "replay" in out.stdout and "check-config" in out.stdout


def test_the_bundled_exports_replay_through_auto_detection():
    result = invoke("replay", str(ROOT / "examples/slack-export"), str(ROOT / "examples/discord-export/support.json"), "--json")
    rows = [json.loads(x) for x in result.stdout.splitlines()]
    assert {r["platform"] for r in rows} == {"slack", "discord"}
    assert [r["at"] for r in rows] == sorted(r["at"] for r in rows)  # merged by time across formats
    questions = [r for r in rows if r["is_question"]]
    assert len(questions) == 4 and sum(r["answered_by"] is not None for r in questions) == 2
    greeting = next(r for r in rows if r["author"] == "U0HANA001")
    assert greeting["reasons"] == ["greeting only"]
