"""`unanswered replay --format rss --json` on saved feed files, through the real CLI."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from adapters.feeds.replay import read
from bot.cli import main
from bot.events import Message

PAYLOADS = Path(__file__).parent / "payloads"


@pytest.fixture
def saved(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no ./unanswered.toml: the replay's catch-all route
    for key in [k for k in __import__("os").environ if k.startswith("UNANSWERED_")]:
        monkeypatch.delenv(key)
    shutil.copytree(PAYLOADS, tmp_path / "feeds")
    return tmp_path / "feeds"


def replay(*args: str) -> tuple[list[dict], str]:
    result = CliRunner().invoke(main, ["replay", *args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    return lines, result.stderr


@pytest.mark.parametrize("fmt", ["rss", "auto"])
def test_a_saved_discourse_latest_with_topic_feeds(saved, fmt):
    d = saved / "discourse"
    records, _ = replay(str(d / "latest.rss"), *map(str, sorted(d.glob("t/*/*.rss"))), "--format", fmt, "--json")
    by_id = {r["id"]: r for r in records}
    assert list(by_id) == ["1201", "1202", "1203"]
    assert all(r["platform"] == "forum" for r in records)
    assert {r["id"]: (r["channel"], r["author"]) for r in records} == {
        "1201": ("Support", "carol"), "1202": ("Support", "erin"), "1203": ("Hilfe", "frank")}
    assert by_id["1201"]["answered_by"] == "dave" and by_id["1201"]["nudges"] == []  # carol's own bump did not count
    assert by_id["1202"]["status"] == "given_up" and len(by_id["1202"]["nudges"]) == 1  # erin's own and `system` don't count
    assert by_id["1202"]["nudges"][0]["at"] == "2026-01-05T13:00:00Z"


def test_a_directory_of_generic_feeds(saved):
    records, errors = replay(str(saved / "generic"), "--format", "rss", "--json")
    by_id = {r["id"]: r for r in records}
    pi = by_id["https://help.example.net/?p=42"]
    assert (pi["channel"], pi["author"], pi["answered_by"]) == ("help.example.net", "henry", "ivy")
    assert by_id["https://stackoverflow.com/q/79000001"]["channel"] == "stackoverflow.com"
    assert errors == ""


def test_bad_files_are_reported_and_skipped(saved):
    (saved / "login.rss").write_bytes(b"<!DOCTYPE html><html><body>Sign in</body></html>")
    (saved / "broken.xml").write_bytes(b"\x00\x01garbage")
    records, errors = replay(str(saved / "login.rss"), str(saved / "broken.xml"), str(saved / "discourse" / "latest.rss"),
                             "--format", "rss", "--json")
    assert len(records) == 3
    assert "login.rss: skipped: it is an HTML page" in errors
    assert "broken.xml: skipped: it is not an RSS or Atom feed" in errors


def test_events_come_in_time_order(saved):
    errors: list = []
    events = list(read([saved / "discourse"], errors))
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert [e.id for e in events if isinstance(e, Message) and e.thread is None] == ["1201", "1202", "1203"]
    assert errors == []
