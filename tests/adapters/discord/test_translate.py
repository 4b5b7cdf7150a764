"""translate.py: gateway payloads -> core events, pure (no client, no I/O)."""

from __future__ import annotations

from datetime import datetime, timezone

import discord
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.discord import translate
from adapters.discord.outbound import escape_markdown, escape_mentions, render_note
from adapters.discord.translate import Malformed, Place
from bot.outbound import Note

T = datetime(2026, 1, 5, 10, 0, 0, 123000, tzinfo=timezone.utc)
GUILD, HELP, FORUM = "900000000000000001", "910000000000000001", "910000000000000002"
MID = str(discord.utils.time_snowflake(T))
THREAD = str(discord.utils.time_snowflake(T) - 5_000_000)


def payload(**over):
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
    }
    base.update(over)
    return base


PLACES = {
    HELP: Place(channel=HELP, name="help", guild=GUILD),
    THREAD: Place(channel=HELP, name="help", guild=GUILD, thread=THREAD),
    MID: Place(channel=FORUM, name="questions", guild=GUILD, thread=MID),  # a forum post whose id is MID
}


def test_a_top_level_message():
    m = translate.message(payload(), PLACES.get)
    assert (m.platform, m.channel, m.id, m.thread, m.reply_to) == ("discord", HELP, MID, None, None)
    assert m.at == discord.utils.snowflake_time(int(MID)) and m.at.tzinfo is not None
    assert m.author == "600000000000000001" and m.author_name == "bie" and not m.author_is_bot
    assert m.channel_name == "help" and m.link == f"https://discord.com/channels/{GUILD}/{HELP}/{MID}"
    assert not m.starts_topic


def test_a_message_in_a_thread_belongs_to_the_parent_channel():
    reply_id = str(int(MID) + 1)
    m = translate.message(payload(id=reply_id, channel_id=THREAD), PLACES.get)
    assert (m.channel, m.thread, m.channel_name) == (HELP, THREAD, "help")
    assert m.link.endswith(f"/{THREAD}/{reply_id}") and not m.is_top_level


def test_a_forum_posts_starter_message_opens_a_topic():
    m = translate.message(payload(channel_id=MID), PLACES.get)
    assert (m.channel, m.thread, m.starts_topic, m.channel_name) == (FORUM, None, True, "questions")
    assert m.is_top_level


def test_a_discord_reply_and_mentions():
    m = translate.message(
        payload(type=19, message_reference={"type": 0, "message_id": THREAD, "channel_id": HELP}, mentions=[{"id": "600000000000000002", "username": "x"}]),
        PLACES.get,
    )
    assert m.reply_to == THREAD and m.mentions == ("600000000000000002",) and not m.author_is_bot


@pytest.mark.parametrize(
    "over",
    [
        {"author": {"id": "1", "username": "bot", "bot": True}},
        {"webhook_id": "123"},
        {"type": 7},  # member joined
        {"type": 18},  # thread created
        {"type": 21},  # thread starter message (a system copy)
        {"author": {"id": "42", "username": "us"}},  # the bot itself
    ],
)
def test_bots_webhooks_system_messages_and_ourselves_never_ask_or_answer(over):
    assert translate.message(payload(**over), PLACES.get, me="42").author_is_bot


def test_a_forward_is_not_a_reply():
    m = translate.message(payload(message_reference={"type": 1, "message_id": THREAD, "channel_id": HELP}), PLACES.get)
    assert m.reply_to is None


def test_unknown_channels_stand_for_themselves():
    m = translate.message(payload(channel_id="123456"))
    assert (m.channel, m.thread, m.channel_name) == ("123456", None, None)


def test_edits_deletes_and_reactions():
    e = translate.edit({"id": MID, "channel_id": THREAD, "content": "new text", "edited_timestamp": "2026-01-05T10:05:00+00:00"}, PLACES.get)
    assert (e.channel, e.id, e.text, e.at.minute) == (HELP, MID, "new text", 5)
    assert translate.edit({"id": MID, "channel_id": HELP, "embeds": []}, PLACES.get) is None  # an unfurl, not an edit
    d = translate.delete({"id": MID, "channel_id": THREAD}, PLACES.get, T)
    assert (d.channel, d.id, d.at) == (HELP, MID, T)
    r = translate.reaction({"user_id": "7", "channel_id": HELP, "message_id": MID, "emoji": {"name": "✅"}, "member": {"user": {"bot": False}}}, PLACES.get, T)
    assert (r.channel, r.message, r.author, r.emoji, r.author_is_bot) == (HELP, MID, "7", "✅", False)
    assert translate.reaction({"user_id": "42", "channel_id": HELP, "message_id": MID, "emoji": {"name": "✅"}}, PLACES.get, T, me="42").author_is_bot


def test_thread_create_gives_the_parent():
    place = translate.place_from_channel({"id": THREAD, "type": 11, "parent_id": FORUM, "guild_id": GUILD, "name": "post"}, "questions")
    assert place == Place(channel=FORUM, name="questions", guild=GUILD, thread=THREAD)


@pytest.mark.parametrize(
    "bad",
    [
        None,
        [],
        {"id": "x"},
        payload(id="abc"),
        payload(author=None),
        payload(author={"id": None}),
        payload(content=5),
        payload(mentions="all"),
        payload(channel_id=None),
    ],
)
def test_malformed_payloads_raise_malformed_without_member_text(bad):
    with pytest.raises(Malformed) as err:
        translate.message(bad, PLACES.get)
    assert "password" not in str(err.value)


@given(st.integers(min_value=1 << 22, max_value=(1 << 63) - 1))
def test_snowflake_time_matches_discord_py(snowflake):
    assert translate.snowflake_time(snowflake) == discord.utils.snowflake_time(snowflake)


@given(st.text(max_size=200))
def test_escaping_leaves_no_live_mentions_or_links(text):
    out = escape_mentions(escape_markdown(text))
    assert "@everyone" not in out.lower() and "@here" not in out.lower()
    assert "](" not in out.replace("\\]", "")


def test_a_hostile_question_renders_inert():
    note = Note(
        kind="nudge",
        title="Unanswered question in #help",
        fields=(("Asked by", "@everyone **boss**"),),
        quote="@here click [bank.example](http://evil.example) <@&123456789012345678>\n# HEADLINE",
        link="https://discord.com/channels/1/2/3",
        reason="r",
        question=7,
        buttons=("claim",),
        footer="unanswered · question #7",
    )
    r = render_note(note, "nudge:7:0")
    embed = r.payload["embed"]
    assert "@\u200beveryone" in embed["fields"][0]["value"] and "\\*\\*boss\\*\\*" in embed["fields"][0]["value"]
    assert "@\u200bhere" in embed["description"] and "\\[bank.example\\]" in embed["description"]
    assert "> \\# HEADLINE" in embed["description"]
    assert embed["footer"]["text"].endswith("ref nudge:7:0")
    assert r.payload["components"][0]["components"][0]["custom_id"] == "unanswered:claim:7"
    assert r.text.startswith("Unanswered question in #help") and "[I'm on it]" in r.text
