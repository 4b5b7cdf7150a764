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
    assert {r["id"]: (r["channel"], r["author"]) for r in records} == {"1201": ("Support", "carol"), "1202": ("Support", "erin"), "1203": ("Hilfe", "frank")}
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
    records, errors = replay(str(saved / "login.rss"), str(saved / "broken.xml"), str(saved / "discourse" / "latest.rss"), "--format", "rss", "--json")
    assert len(records) == 3
    assert "login.rss: skipped: it is an HTML page" in errors
    assert "broken.xml: skipped: it is not an RSS or Atom feed" in errors


def test_events_come_in_time_order(saved):
    errors: list = []
    events = list(read([saved / "discourse"], errors))
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert [e.id for e in events if isinstance(e, Message) and e.thread is None] == ["1201", "1202", "1203"]
    assert errors == []


# ---------------------------------------------------------------- a forum's saved feeds, like live


def _forum_folder(root: Path):
    """latest.rss, a category feed and topic feeds of one forum, written by the Discourse model."""
    from datetime import datetime, timedelta, timezone

    from .forum import Forum

    forum = Forum()
    t0 = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
    forum.topic(7, "About the Support category", "admin", t0, pinned=True)
    forum.topic(501, "Would love a dark theme.", "carol", t0, "<p>It would help on night shifts.</p>")
    forum.topic(502, "Sync fails with error 42", "erin", t0 + timedelta(minutes=5))
    forum.reply(502, "dave", t0 + timedelta(minutes=20))
    forum.topic(503, "Lonely question nobody answered", "frank", t0 + timedelta(minutes=7))  # only its topic feed
    (root / "c").mkdir(parents=True)
    (root / "t").mkdir()
    (root / "latest.rss").write_bytes(forum.latest_rss())
    (root / "c" / "support.rss").write_bytes(forum.latest_rss(category_id=5))
    for t in forum.topics.values():
        (root / "t" / f"{t.id}.rss").write_bytes(forum.topic_rss(t.id))
    # latest.rss and the category feed saved before topic 503 existed: only its own feed carries it.
    del forum.topics[503]
    (root / "latest.rss").write_bytes(forum.latest_rss())
    (root / "c" / "support.rss").write_bytes(forum.latest_rss(category_id=5))
    (root / "t" / "7.rss").unlink()
    return forum


def test_a_topic_feed_alone_gives_its_question(saved):
    from datetime import datetime, timezone

    from .forum import Forum

    forum = Forum()
    forum.topic(601, "Lonely question nobody answered", "frank", datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc))
    path = saved / "601.rss"
    path.write_bytes(forum.topic_rss(601))  # a single post: the member's question
    records, errors = replay(str(path), "--format", "rss", "--json")
    (record,) = records
    assert (record["id"], record["author"], record["status"]) == ("601", "frank", "given_up")  # nudged, and the one-step chain is used up
    assert len(record["nudges"]) == 1 and errors == ""


def test_saved_feeds_of_one_forum_give_each_topic_once_under_the_configured_routes(saved, tmp_path):
    _forum_folder(saved / "forum")
    config = tmp_path / "forum.toml"
    config.write_text(
        '[people.alice]\nslack = "U0ALICE01"\n'
        '[[routes]]\nplatform = "forum"\nchannel = "community"\nchain = ["alice"]\nwindow = "2h"\n'
        '[[feeds]]\nname = "community"\nurl = "https://forum.example.org/latest.rss"\n'
        '[[feeds]]\nname = "support"\nurl = "https://forum.example.org/c/support/5.rss"\n',
        encoding="utf-8",
    )
    records, errors = replay(str(saved / "forum"), "--format", "rss", "--json", "--config", str(config))
    by_id = {r["id"]: r for r in records}
    assert sorted(by_id) == ["501", "502", "503"]  # no About topic; each topic once though up to 3 files carry it
    assert len(records) == 3
    assert by_id["502"]["answered_by"] == "dave"
    # The configured route applies (mode all by default, its window, its chain): the wish is nudged, to alice, at 2h.
    assert by_id["501"]["is_question"] and by_id["501"]["nudges"] == [{"to": "alice", "at": "2026-01-05T12:00:00Z", "step": 0}]
    assert by_id["503"]["nudges"][0]["to"] == "alice"
    assert errors == ""


def test_a_saved_file_that_yields_nothing_is_named_with_why(saved):
    from .forum import Forum

    forum = Forum()
    from datetime import datetime, timezone

    forum.topic(7, "About the Support category", "admin", datetime(2026, 1, 5, tzinfo=timezone.utc), pinned=True)
    (saved / "pinned.rss").write_bytes(forum.latest_rss())
    forum.topics.clear()
    (saved / "empty.rss").write_bytes(forum.latest_rss())
    result = CliRunner().invoke(main, ["replay", str(saved / "pinned.rss"), str(saved / "empty.rss"), "--format", "rss"], catch_exceptions=False)
    assert result.exit_code == 0
    assert "pinned.rss: warning: nothing to replay: its 1 topic(s) are pinned" in result.stderr
    assert "empty.rss: warning: nothing to replay: the feed has no items" in result.stderr


def test_without_a_config_forum_topics_are_watched_in_mode_all(saved):
    from datetime import datetime, timezone

    from .forum import Forum

    forum = Forum()
    forum.topic(701, "Would love a dark theme.", "carol", datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc), "<p>It would help on night shifts.</p>")
    (saved / "latest.rss").write_bytes(forum.latest_rss())
    records, _ = replay(str(saved / "latest.rss"), "--format", "rss", "--json")
    (record,) = records
    assert record["is_question"] and "route mode 'all'" in record["reasons"][0]
