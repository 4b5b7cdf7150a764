"""Slack export replay through the real CLI, the manifest command, and the DM rendering."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from click.testing import CliRunner

from adapters.slack.export import read
from adapters.slack.manifest import BOT_SCOPES, FORBIDDEN_SCOPES, manifest
from adapters.slack.outbound import blocks_for, mrkdwn_escape
from bot.cli import main
from bot.outbound import NUDGE_BUTTONS, Note, button_id
from bot.render import neutralise

from .payloads import ALICE, ASKER, HELP, HELPER, RANDOM, bot_message, channel_join, message, ts

CONFIG = f"""
[people.alice]
slack = "{ALICE}"

[[routes]]
platform = "slack"
channel = "#help"
mode = "all"
window = "1h"
chain = ["alice"]

[handled]
reactions = ["white_check_mark"]
"""


def make_export(root: Path) -> Path:
    root.mkdir()
    (root / "channels.json").write_text(
        json.dumps(
            [
                {
                    "id": HELP,
                    "name": "help",
                    "created": 1700000000,
                    "creator": ASKER,
                    "is_archived": False,
                    "is_general": False,
                    "members": [ASKER, HELPER],
                    "topic": {"value": ""},
                    "purpose": {"value": ""},
                },
                {
                    "id": RANDOM,
                    "name": "random",
                    "created": 1700000000,
                    "creator": ASKER,
                    "is_archived": False,
                    "is_general": True,
                    "members": [ASKER],
                    "topic": {"value": ""},
                    "purpose": {"value": ""},
                },
            ]
        )
    )
    (root / "users.json").write_text(
        json.dumps(
            [
                {"id": ASKER, "name": "asker", "real_name": "Asker", "is_bot": False, "profile": {"display_name": "Asker", "real_name": "Asker"}},
                {"id": HELPER, "name": "helper", "real_name": "Helper", "is_bot": False, "profile": {"display_name": "", "real_name": "Helper"}},
                {"id": "U0DEPLOY1", "name": "deploybot", "is_bot": True, "profile": {"real_name": "deploybot"}},
            ]
        )
    )
    (root / "help").mkdir()
    q1, q2, q3 = ts(1), ts(30), ts(40)
    (root / "help" / "2026-01-05.json").write_text(
        json.dumps(
            [
                message(
                    "How do I rotate keys?",
                    channel=None,
                    when=q1,
                    thread_ts=q1,
                    reply_count=1,
                    reply_users=[HELPER],
                    latest_reply=ts(20),
                    replies=[{"user": HELPER, "ts": ts(20)}],
                ),
                channel_join(HELPER, ts(2)) | {"channel": None},
                message("Use the vault CLI", user=HELPER, channel=None, when=ts(20), thread_ts=q1, parent_user_id=ASKER),
                message("Why is staging slow?", channel=None, when=q2),
                message("Where is the runbook?", channel=None, when=q3, reactions=[{"name": "white_check_mark", "users": [ALICE], "count": 1}]),
                message("done", user="U0DEPLOY1", channel=None, when=ts(41)),
                bot_message("Build passed", when=ts(42), channel=None),
                {"type": "message", "text": "no ts and no user"},
            ]
        )
    )
    (root / "help" / "2026-01-06.json").write_text("{not json")
    (root / "random").mkdir()
    (root / "random" / "2026-01-05.json").write_text(json.dumps([message("anyone know where lunch is?", channel=None, when=ts(5))]))
    return root


def replay(args: list[str], tmp_path: Path) -> tuple[list[dict], str]:
    config = tmp_path / "unanswered.toml"
    config.write_text(CONFIG)
    result = CliRunner().invoke(main, ["replay", *args, "--json", "-c", str(config)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()], result.stderr


def test_export_folder_replays_with_json(tmp_path):
    export = make_export(tmp_path / "acme-export")
    records, stderr = replay([str(export), "--format", "slack-export"], tmp_path)
    assert [(r["channel"], r["id"], r["author"]) for r in records] == [
        ("help", ts(1), ASKER),
        ("help", ts(30), ASKER),
        ("help", ts(40), ASKER),
    ]
    by_id = {r["id"]: r for r in records}
    assert by_id[ts(1)]["status"] == "answered" and by_id[ts(1)]["answered_by"] == HELPER
    assert by_id[ts(30)]["status"] == "given_up" and [n["to"] for n in by_id[ts(30)]["nudges"]] == ["alice"]
    assert by_id[ts(30)]["nudges"][0]["at"] == "2026-01-05T11:30:00Z"
    assert by_id[ts(40)]["status"] == "resolved" and by_id[ts(40)]["nudges"] == []  # the staff ✅
    assert "2026-01-06.json: skipped: not readable JSON" in stderr
    assert "help/2026-01-05.json[7]: skipped: ts is missing" in stderr
    assert "no ts and no user" not in stderr


def test_export_zip_is_detected_and_replays_the_same(tmp_path):
    export = make_export(tmp_path / "acme-export")
    folder_records, _ = replay([str(export)], tmp_path)  # --format auto: a folder with channels.json
    archive = tmp_path / "Acme Slack export Jan 5 2026.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for path in sorted(export.rglob("*")):
            if path.is_file():
                z.write(path, f"acme-export/{path.relative_to(export).as_posix()}")  # zipped with its folder
    zip_records, _ = replay([str(archive)], tmp_path)
    assert zip_records == folder_records and len(zip_records) == 3


def test_export_events_are_in_time_order_across_channels(tmp_path):
    errors: list = []
    events = list(read([make_export(tmp_path / "e")], errors))
    assert [e.at for e in events] == sorted(e.at for e in events)
    assert {e.channel for e in events} == {HELP, RANDOM}
    assert all(getattr(e, "channel_name", "help") in ("help", "random") for e in events)
    assert len(errors) == 2


def test_not_an_export(tmp_path):
    errors: list = []
    bogus = tmp_path / "bogus.zip"
    bogus.write_bytes(b"PK not really")
    assert list(read([bogus], errors)) == []
    assert "not a Slack export" in str(errors[0])


def test_manifest_has_least_scopes(tmp_path):
    result = CliRunner().invoke(main, ["slack-manifest"])
    assert result.exit_code == 0
    out = result.output
    for scope in BOT_SCOPES:
        assert f"      - {scope}\n" in out
    for scope in FORBIDDEN_SCOPES:
        assert scope not in out
    assert "socket_mode_enabled: true" in out and "is_enabled: true" in out
    for event in ("message.channels", "message.groups", "reaction_added"):
        assert f"      - {event}\n" in out
    http = manifest(http_url="https://bot.example.org/slack/events")
    assert http["settings"]["socket_mode_enabled"] is False
    assert http["settings"]["event_subscriptions"]["request_url"] == "https://bot.example.org/slack/events"


def test_dm_blocks_escape_member_text_and_carry_buttons():
    hostile = "<!channel> ping <@U0HELPER1> & <https://evil.example|docs.acme.com> @here"
    note = Note(
        kind="nudge",
        title="Unanswered question in #help",
        fields=(("Asked by", "<@U0X> & co"),),
        quote=neutralise(hostile),
        link="https://acme.slack.com/archives/C1/p1",
        source="slack",
        reason="no reply in 1h",
        question=7,
        buttons=NUDGE_BUTTONS,
        footer="unanswered · question #7",
    )
    blocks = blocks_for(note)
    mrkdwn = [
        t["text"]
        for b in blocks
        for t in ([b["text"]] if "text" in b and b["type"] == "section" else b.get("fields", []) + b.get("elements", []))
        if isinstance(t, dict) and t.get("type") == "mrkdwn"
    ]
    for text in mrkdwn:
        stripped = text.replace("<https://acme.slack.com/archives/C1/p1|Open in Slack>", "")
        assert "<" not in stripped and ">" not in stripped.replace("&gt;", "").lstrip("> ").replace("\n> ", "")
    quote = next(t for t in mrkdwn if t.startswith("> "))
    assert "&lt;" not in neutralise(hostile) and "evil.example" in quote  # the real target is visible
    buttons = next(b for b in blocks if b["type"] == "actions")["elements"]
    assert [b["action_id"] for b in buttons] == [button_id(a, 7) for a in NUDGE_BUTTONS]
    assert mrkdwn_escape("a<b>&c") == "a&lt;b&gt;&amp;c"
    assert blocks[0] == {"type": "header", "text": {"type": "plain_text", "text": "Unanswered question in #help", "emoji": False}}
