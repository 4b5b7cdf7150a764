"""Fuzzing the Discord translators (gateway payloads, DiscordChatExporter files) and the watchdog behind them.

Properties: nothing but ``translate.Malformed`` escapes (the adapter logs and
skips that); the output is a well-typed core event; a bot, webhook, system message
or the bot itself never becomes a human message; a message keeps its payload's
author and id; and the real watchdog makes questions only from human, top-level
messages with an author and a time.
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any, Mapping

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.discord import export, translate
from adapters.discord.translate import Malformed, Place
from bot.events import Delete, Edit, Message, Reaction

from .harness import CONFIG, check_event, make_harness
from .profile import FUZZ
from .strategies import payloads

T = datetime(2026, 1, 5, 10, 0, 0, 123000, tzinfo=timezone.utc)
GUILD, HELP, FORUM = "900000000000000001", "910000000000000001", "910000000000000002"
MID = str(discord.utils.time_snowflake(T))
THREAD = str(discord.utils.time_snowflake(T) - 5_000_000)
ME = "600000000000000042"
PLACES = {
    HELP: Place(channel=HELP, name="help", guild=GUILD),
    THREAD: Place(channel=HELP, name="help", guild=GUILD, thread=THREAD),
    MID: Place(channel=FORUM, name="questions", guild=GUILD, thread=MID),
}


def gateway(**over: Any) -> dict[str, Any]:
    base = {
        "id": MID,
        "channel_id": HELP,
        "guild_id": GUILD,
        "type": 0,
        "content": "How do I reset my password?",
        "author": {"id": "600000000000000001", "username": "newbie", "global_name": "New Bie", "bot": False},
        "member": {"nick": "bie"},
        "mentions": [],
        "tts": False,
        "edited_timestamp": None,
        "timestamp": "2026-01-05T10:00:00.123000+00:00",
    }
    base.update(over)
    return base


def later(n: int) -> str:
    return str(int(MID) + (n << 22))


MESSAGES = [
    gateway(),
    gateway(id=later(1), channel_id=THREAD, content="Try the reset link", author={"id": "600000000000000002", "username": "helper"}),
    gateway(id=later(2), type=19, content="Still stuck?", message_reference={"type": 0, "message_id": MID, "channel_id": HELP}),
    gateway(id=later(3), content="Does anyone know how to deploy?", author={"id": "700000000000000001", "username": "ci", "bot": True}),
    gateway(id=later(4), content="Is this a question?", webhook_id="800000000000000001"),
    gateway(id=later(5), type=7, content=""),
    gateway(id=later(6), channel_id=MID, content="Forum post: how do I export data?"),
    gateway(id=later(7), content="Can anyone help with SSO?", author={"id": ME, "username": "unanswered"}),
    gateway(id=later(8), content="Does anyone know?", author={"id": "600000000000000003", "username": "sys", "system": True}),
    gateway(id=later(9), content="fwd", message_reference={"type": 1, "message_id": MID}, mentions=[{"id": "600000000000000002"}]),
]
OTHERS = [
    ("edit", {"id": MID, "channel_id": THREAD, "content": "new text?", "edited_timestamp": "2026-01-05T10:05:00+00:00"}),
    ("edit", {"id": MID, "channel_id": HELP, "embeds": []}),
    ("delete", {"id": MID, "channel_id": THREAD, "guild_id": GUILD}),
    (
        "reaction",
        {
            "user_id": "600000000000000002",
            "channel_id": HELP,
            "message_id": MID,
            "emoji": {"name": "✅", "id": None},
            "member": {"user": {"id": "600000000000000002", "bot": False}},
        },
    ),
    ("channel", {"id": THREAD, "type": 11, "parent_id": FORUM, "guild_id": GUILD, "name": "post"}),
]


def _bot_payload(p: Any) -> bool:
    if not isinstance(p, Mapping):
        return False
    author = p.get("author") if isinstance(p.get("author"), Mapping) else {}
    kind = p.get("type", 0)
    return bool(
        author.get("bot") or author.get("system") or p.get("webhook_id") or not (isinstance(kind, int) and kind in (0, 19)) or str(author.get("id")) == ME
    )


def translate_message(p: Any) -> list[Message]:
    try:
        m = translate.message(p, PLACES.get, me=ME)
    except Malformed as exc:
        assert "password" not in str(exc)
        return []
    check_event(m)
    assert m.platform == "discord"
    assert m.id == str(p["id"]) and m.author == str(p["author"]["id"])
    assert m.at.tzinfo is not None
    if _bot_payload(p):
        assert m.author_is_bot, "a bot, webhook or system payload became a human message"
    return [m]


@FUZZ
@given(payloads(*MESSAGES))
def test_gateway_messages_never_crash_or_invent(p):
    translate_message(p)


@FUZZ
@given(st.sampled_from(range(len(OTHERS))).flatmap(lambda i: st.tuples(st.just(OTHERS[i][0]), payloads(OTHERS[i][1]))))
def test_edits_deletes_reactions_and_channels_never_crash(case):
    kind, p = case
    try:
        if kind == "edit":
            out = translate.edit(p, PLACES.get)
            assert out is None or isinstance(out, Edit)
        elif kind == "delete":
            assert isinstance(translate.delete(p, PLACES.get, T), Delete)
        elif kind == "reaction":
            r = translate.reaction(p, PLACES.get, T, me=ME)
            assert isinstance(r, Reaction) and r.author == str(p["user_id"])
        else:
            assert isinstance(translate.place_from_channel(p, "questions"), Place)
    except Malformed:
        pass  # the adapter logs and skips it


@pytest.fixture
def harness(make_settings, tracker, clock):
    return make_harness(make_settings(CONFIG), tracker, clock, "discord", mode="detect")


@pytest.fixture
def every_post(make_settings, tracker, clock):
    return make_harness(make_settings(CONFIG), tracker, clock, "discord", mode="all")


@FUZZ
@given(st.lists(payloads(*MESSAGES, max_mutations=2), min_size=1, max_size=8))
def test_the_watchdog_makes_questions_only_from_human_top_level_messages(harness, batch):
    for p in batch:
        harness.feed(translate_message(p))
    harness.check()
    harness.fire()


@FUZZ
@given(st.lists(payloads(*MESSAGES, max_mutations=2), min_size=1, max_size=8))
def test_in_a_forum_where_every_post_is_a_question_bots_and_replies_still_never_are(every_post, batch):
    for p in batch:
        every_post.feed(translate_message(p))
    every_post.check()


# ------------------------------------------------------------------ DiscordChatExporter files

RECORDS = [
    {
        "id": MID,
        "type": "Default",
        "timestamp": "2026-01-05T10:00:00.123+00:00",
        "content": "How do I reset my password?",
        "author": {"id": "600000000000000001", "name": "newbie", "nickname": "bie", "isBot": False},
        "reactions": [{"emoji": {"name": "✅"}, "users": [{"id": "600000000000000002", "isBot": False}]}],
        "mentions": [{"id": "600000000000000002"}],
    },
    {
        "id": later(1),
        "type": "Reply",
        "content": "Use the link",
        "author": {"id": "600000000000000002", "name": "helper", "isBot": False},
        "reference": {"messageId": MID, "channelId": HELP, "guildId": GUILD},
        "reactions": [],
        "mentions": [],
    },
    {"id": later(2), "type": "Default", "content": "Does anyone know how to deploy?", "author": {"id": "7", "name": "ci", "isBot": True}},
    {"id": later(3), "type": "GuildMemberJoin", "content": "", "author": {"id": "600000000000000004", "name": "new", "isBot": False}},
]
EXPORT = {"guild": {"id": GUILD, "name": "Acme"}, "channel": {"id": HELP, "type": "GuildTextChat", "name": "help"}, "messages": RECORDS}
THREAD_EXPORT = {**EXPORT, "channel": {"id": THREAD, "type": "GuildPublicThread", "categoryId": HELP, "category": "help", "name": "t"}}


@FUZZ
@given(payloads(EXPORT, THREAD_EXPORT, max_mutations=5))
def test_exporter_files_never_crash_or_invent(tmp_path_factory, doc):
    path = tmp_path_factory.mktemp("dce") / "export.json"
    path.write_text(json.dumps(doc, allow_nan=True), encoding="utf-8", errors="surrogatepass")
    errors: list[Any] = []
    events = list(export.read([path], errors))
    records = doc.get("messages") if isinstance(doc, dict) and isinstance(doc.get("messages"), list) else []
    for ev in events:
        check_event(ev)
        if isinstance(ev, Message):
            mine = [r for r in records if isinstance(r, dict) and str(r.get("id")) == ev.id]
            if not mine and ev.starts_topic:  # a starter-less thread's question is keyed by the thread id
                channel = doc["channel"]
                mine = [r for r in records if isinstance(r, dict) and str(channel.get("id")) == ev.id and ev.link and str(r.get("id")) in ev.link]
            assert mine, "a message that no export record names"
            if all(isinstance(r.get("author"), dict) and r["author"].get("isBot") for r in mine):
                assert ev.author_is_bot, "an exported bot became a human"
    assert all(str(e) for e in errors)


@pytest.mark.parametrize("raw", [b"", b"\xff\xfe", b"[" * 100_000, b'{"channel": {"id": "1"}, "messages": 5}', b"null"])
def test_broken_export_files_are_reported_not_raised(tmp_path, raw):
    path = tmp_path / "x.json"
    path.write_bytes(raw)
    errors: list[Any] = []
    assert list(export.read([path], errors)) == [] and errors
