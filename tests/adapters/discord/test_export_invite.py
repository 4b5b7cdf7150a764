"""DiscordChatExporter replay (`unanswered replay --json`) and the least-privilege invite link."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import discord
from click.testing import CliRunner

from adapters.discord import export, invite
from bot.cli import main

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
GUILD, HELP, FORUM = "900000000000000001", "910000000000000001", "910000000000000002"


def sid(minutes: float) -> str:
    return str(discord.utils.time_snowflake(T0 + timedelta(minutes=minutes)))


def record(mid: str, author: str, content: str, *, kind: str = "Default", bot: bool = False, reply_to: str | None = None, **extra) -> dict:
    rec = {
        "id": mid,
        "type": kind,
        "timestamp": (discord.utils.snowflake_time(int(mid))).isoformat(),
        "timestampEdited": None,
        "isPinned": False,
        "content": content,
        "author": {"id": author, "name": f"user{author[-1]}", "discriminator": "0000", "nickname": f"Nick{author[-1]}", "isBot": bot},
        "attachments": [],
        "embeds": [],
        "stickers": [],
        "reactions": [],
        "mentions": [],
    }
    if reply_to:
        rec["reference"] = {"messageId": reply_to, "channelId": HELP, "guildId": GUILD}
    rec.update(extra)
    return rec


def write(path: Path, channel: dict, messages: list[dict]) -> Path:
    doc = {
        "guild": {"id": GUILD, "name": "Fake Community", "iconUrl": ""},
        "channel": channel,
        "dateRange": {"after": None, "before": None},
        "exportedAt": T0.isoformat(),
        "messages": messages,
        "messageCount": len(messages),
    }
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def exports(tmp_path: Path) -> list[Path]:
    q1, q2, post = sid(1), sid(2), sid(3)
    help_file = write(
        tmp_path / "help.json",
        {"id": HELP, "type": "GuildTextChat", "categoryId": "1", "category": "Support", "name": "help", "topic": None},
        [
            record(q1, "1", "How do I reset my password? The email never arrives"),
            record(q2, "2", "Is there a way to export the board as CSV?"),
            record(sid(4), "9", "I'm a bot reply", bot=True, kind="Reply", reply_to=q2),
            record(sid(5), "3", "check the spam folder", kind="Reply", reply_to=q1),
            record(sid(6), "3", "joined", kind="GuildMemberJoin"),
        ],
    )
    # A forum post, exported as its own thread file: its parent is the forum.
    post_file = write(
        tmp_path / "post.json",
        {"id": post, "type": "GuildPublicThread", "categoryId": FORUM, "category": "questions", "name": "SSO loop"},
        [
            record(post, "4", "SSO login loops back to the start page"),
            record(sid(7), "4", "still happening"),
        ],
    )
    return [help_file, post_file]


def test_export_records_go_through_the_live_translate_rules(tmp_path):
    errors: list = []
    events = list(export.read(exports(tmp_path), errors))
    assert errors == []
    assert [e.at for e in events] == sorted(e.at for e in events)  # merged across files by time
    by_id = {e.id: e for e in events}
    post = by_id[sid(3)]
    assert (post.channel, post.thread, post.starts_topic, post.channel_name) == (FORUM, None, True, "questions")
    assert (by_id[sid(7)].channel, by_id[sid(7)].thread) == (FORUM, sid(3))
    assert by_id[sid(5)].reply_to == sid(1) and by_id[sid(5)].author_name == "Nick3"
    assert by_id[sid(4)].author_is_bot and by_id[sid(6)].author_is_bot
    assert by_id[sid(1)].link == f"https://discord.com/channels/{GUILD}/{HELP}/{sid(1)}"


def test_bad_files_and_records_are_reported_and_skipped(tmp_path):
    good = write(
        tmp_path / "ok.json",
        {"id": HELP, "type": "GuildTextChat", "name": "help"},
        [record(sid(1), "1", "How do I do X?"), {"id": "nope", "author": {}}, "junk"],
    )
    (tmp_path / "broken.json").write_text("{not json", encoding="utf-8")
    (tmp_path / "other.json").write_text('{"hello": 1}', encoding="utf-8")
    errors: list = []
    events = list(export.read([good, tmp_path / "broken.json", tmp_path / "other.json"], errors))
    assert [e.id for e in events] == [sid(1)]
    text = "\n".join(map(str, errors))
    assert "ok.json: messages[1]: skipped" in text and "ok.json: messages[2]" in text
    assert "broken.json: file: skipped" in text and "other.json: file: skipped: not a DiscordChatExporter" in text


def test_replay_json_of_an_export(tmp_path, monkeypatch):
    for key in [k for k in __import__("os").environ if k.startswith("UNANSWERED_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    paths = [str(p) for p in exports(tmp_path)]
    result = CliRunner().invoke(main, ["replay", *paths, "--json"])  # --format auto recognises the export
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    by_id = {r["id"]: r for r in rows}
    assert by_id[sid(1)]["channel"] == "help" and by_id[sid(1)]["author"] == "1"
    assert by_id[sid(1)]["is_question"] and by_id[sid(1)]["status"] == "answered"
    assert by_id[sid(2)]["is_question"] and by_id[sid(2)]["status"] == "given_up" and by_id[sid(2)]["nudges"]
    assert by_id[sid(3)]["channel"] == "questions"
    assert sid(4) not in by_id and sid(7) not in by_id  # bot output and thread replies are not judged as questions


def test_invite_asks_for_view_and_history_only(monkeypatch):
    monkeypatch.setenv("UNANSWERED_DISCORD__TOKEN", "OTAwMDAwMDAwMDAwMDAwMDAy.Gx.fake")
    result = CliRunner().invoke(main, ["discord-invite"])
    assert result.exit_code == 0, result.output
    url = result.output.splitlines()[0]
    assert url == "https://discord.com/oauth2/authorize?client_id=900000000000000002&scope=bot&permissions=66560"
    perms = discord.Permissions(invite.PERMISSIONS)
    assert perms == discord.Permissions(view_channel=True, read_message_history=True)
    assert not (perms.send_messages or perms.add_reactions or perms.manage_messages or perms.send_messages_in_threads)
    assert "cannot" not in url and "stops the bot from posting" in result.output


def test_invite_without_token_or_client_id_explains(monkeypatch):
    monkeypatch.delenv("UNANSWERED_DISCORD__TOKEN", raising=False)
    result = CliRunner().invoke(main, ["discord-invite"])
    assert result.exit_code == 2 and "--client-id" in result.output
    ok = CliRunner().invoke(main, ["discord-invite", "--client-id", "123"])
    assert ok.exit_code == 0 and "client_id=123" in ok.output


def test_a_plus_thread_export_replays_its_first_message_as_the_question(tmp_path, monkeypatch, caplog):
    """A thread made with "+" has no starter message: its first message is the question, and the
    thread's replies answer it (issue 13). An empty export is named in a warning."""
    for key in [k for k in __import__("os").environ if k.startswith("UNANSWERED_")]:
        monkeypatch.delenv(key)
    monkeypatch.chdir(tmp_path)
    thread = sid(10)
    plus = write(
        tmp_path / "plus.json",
        {"id": thread, "type": "GuildPublicThread", "categoryId": HELP, "category": "help", "name": "webhooks"},
        [
            record(sid(11), "5", "Why do my webhooks time out after 10s?"),
            record(sid(12), "5", "I'm on the hosted plan"),
            record(sid(40), "6", "the limit is 10s; queue the work and answer at once"),
        ],
    )
    lonely = write(
        tmp_path / "lonely.json",
        {"id": sid(50), "type": "GuildPublicThread", "categoryId": HELP, "category": "help", "name": "x"},
        [
            record(sid(51), "7", "Does the API support pagination?"),
        ],
    )
    empty = write(tmp_path / "empty.json", {"id": HELP, "type": "GuildTextChat", "name": "help"}, [])
    result = CliRunner().invoke(main, ["replay", str(plus), str(lonely), str(empty), "--json"])
    assert result.exit_code == 0, result.output
    rows = {r["id"]: r for r in (json.loads(line) for line in result.stdout.splitlines())}
    assert rows[thread]["is_question"] and rows[thread]["status"] == "answered"  # keyed by the thread
    assert rows[sid(50)]["is_question"] and rows[sid(50)]["nudges"]  # unanswered: nudged
    assert f"{empty}: no events to replay: it has no messages" in caplog.text
