"""`unanswered digest` through click's CliRunner, on a tracker file made by the real replay."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.store import Tracker

from .test_digest import HISTORY_TOML, build_history

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "demo"


@pytest.fixture
async def replayed(make_settings, tmp_path) -> tuple[Path, Path]:
    """(config file, tracker file) holding the hand-computed history of test_digest."""
    settings = make_settings(HISTORY_TOML)
    db = tmp_path / "history.db"
    tracker = Tracker(db)
    await build_history(settings, tracker)
    tracker.close()
    return tmp_path / "unanswered.toml", db


def digest(*args: str):
    return CliRunner().invoke(main, ["digest", *args], catch_exceptions=False)


def test_json_gives_every_figure_in_the_documented_shape(replayed):
    config, db = replayed
    result = digest("-c", str(config), "--db", str(db), "--period", "2026-W02", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert list(data) == [
        "schema",
        "period",
        "previous_period",
        "totals",
        "previous",
        "trend",
        "by_platform",
        "by_channel",
        "unanswered",
        "fairness",
        "thanks",
        "first_responses",
        "bot_activity",
        "weekly",
    ]
    assert data["schema"] == 1 and data["period"]["id"] == "2026-W02" and data["period"]["hours"] == 168
    assert data["totals"] == {
        "questions": 6,
        "not_a_question": 1,
        "answered": 4,
        "answered_share": 0.6667,
        "answered_within_window": 2,
        "within_window_share": 0.3333,
        "unanswered": 2,
        "closed_without_reply": 0,
        "median_first_response_s": 2400.0,
        "p90_first_response_s": 86400.0,
    }
    assert data["trend"]["answered_share"] == "↓"
    assert [c["name"] for c in data["by_channel"]] == ["#help", "#support"]
    assert data["unanswered"]["total"] == 2 and data["unanswered"]["shown"][0]["link"] == "https://example.test/slack/q3"
    assert data["fairness"]["newcomers_answered_less"] is True
    assert [(h["name"], h["first_responses"]) for h in data["thanks"]] == [("u2", 2), ("u7", 1)]
    assert data["first_responses"] == {"by_members": 3, "by_staff": 1}
    assert data["bot_activity"]["nudges"] == 4 and len(data["weekly"]) == 12
    # --format json is the same thing.
    same = digest("-c", str(config), "--db", str(db), "--period", "2026-W02", "--format", "json")
    assert json.loads(same.output) == data


def test_text_html_and_png_outputs(replayed, tmp_path, monkeypatch):
    config, db = replayed
    text = digest("-c", str(config), "--db", str(db), "--period", "2026-01-05..2026-01-11")
    assert text.exit_code == 0 and "Weekly digest · 2026-W02" in text.output
    page = tmp_path / "d.html"
    assert digest("-c", str(config), "--db", str(db), "--period", "2026-W02", "--format", "html", "--out", str(page)).exit_code == 0
    assert page.read_text().startswith("<!doctype html>") and "data:image/png;base64," in page.read_text()
    monkeypatch.chdir(tmp_path)  # PNG without --out lands in the current directory
    result = digest("-c", str(config), "--db", str(db), "--period", "2026-W02", "--format", "png")
    assert result.exit_code == 0 and "digest-2026-W02.png" in result.output
    assert (tmp_path / "digest-2026-W02.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_week_without_questions_is_friendly(replayed):
    config, db = replayed
    result = digest("-c", str(config), "--db", str(db), "--period", "2025-W30")
    assert result.exit_code == 0 and "No questions this week" in result.output


@pytest.mark.parametrize("bad", ["2026-W60", "last-month", "2026-13-01..2026-13-02"])
def test_malformed_period_is_a_clear_error_and_exit_2(replayed, bad):
    config, db = replayed
    result = CliRunner().invoke(main, ["digest", "-c", str(config), "--db", str(db), "--period", bad])
    assert result.exit_code == 2
    assert "--period" in result.output and bad in result.output and "2026-01-05..2026-01-11" in result.output


def test_missing_database_says_how_to_make_one(replayed, tmp_path):
    config, _ = replayed
    result = CliRunner().invoke(main, ["digest", "-c", str(config), "--db", str(tmp_path / "nope.db")])
    assert result.exit_code == 1 and "replay --db" in result.output


def test_send_without_platform_tokens_says_so(replayed):
    config, db = replayed
    result = CliRunner().invoke(main, ["digest", "-c", str(config), "--db", str(db), "--send"])
    assert result.exit_code == 2 and "UNANSWERED_SLACK__BOT_TOKEN" in result.output


def test_replay_then_digest_gives_a_baseline_of_the_demo_community(tmp_path):
    db = tmp_path / "baseline.db"
    config = str(EXAMPLES / "unanswered.toml")
    replayed = CliRunner().invoke(main, ["replay", str(EXAMPLES / "community.jsonl"), "-c", config, "--db", str(db)])
    assert replayed.exit_code == 0, replayed.output
    result = digest("-c", config, "--db", str(db), "--period", "2026-W02")
    assert result.exit_code == 0
    assert "4 questions asked" in result.output and "Answered: 2 of 4 (50%)" in result.output
    assert "eli (slack): 1 first response" in result.output
