"""translate.py: Slack payloads -> core events (pure functions, no network)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from adapters.slack import translate
from adapters.slack.translate import Context, Malformed
from bot.events import Delete, Edit, Message, Reaction

from .payloads import (
    ALICE,
    APP_USER,
    ASKER,
    HELP,
    HELPER,
    app_user_message,
    at,
    bot_message,
    channel_join,
    message,
    message_changed,
    message_deleted,
    reaction_added,
    ts,
)

SECRET_TEXT = "my password is hunter2"


@pytest.fixture
def ctx() -> Context:
    return Context(
        workspace_url="https://acme.slack.com/", channel_names={HELP: "help"}, user_names={ASKER: "Asker"}, bot_users={"U0BOT0001"}, self_user="U0BOT0001"
    )


def test_top_level_message(ctx):
    [m] = translate.event(message("How do I deploy? cc <@U0HELPER1> <@U0ALICE01|alice>", when=ts(1)), ctx)
    assert isinstance(m, Message)
    assert (m.platform, m.channel, m.id, m.author, m.at) == ("slack", HELP, ts(1), ASKER, at(1))
    assert m.thread is None and m.is_top_level and not m.author_is_bot
    assert m.mentions == (HELPER, ALICE)
    assert m.channel_name == "help" and m.author_name == "Asker"
    assert m.link == f"https://acme.slack.com/archives/{HELP}/p{ts(1).replace('.', '')}"


def test_thread_replies_and_roots(ctx):
    root = ts(1)
    [reply] = translate.event(message("try this", user=HELPER, when=ts(2), thread_ts=root), ctx)
    assert reply.thread == root and not reply.is_top_level
    assert reply.link.endswith(f"?thread_ts={root}&cid={HELP}")
    [parent] = translate.event(message("q?", when=root, thread_ts=root, reply_count=1), ctx)
    assert parent.thread is None  # a root's thread_ts is its own ts
    broadcast = message("also sent to channel", user=HELPER, when=ts(3), thread_ts=root, subtype="thread_broadcast")
    [b] = translate.event(broadcast, ctx)
    assert b.thread == root  # a broadcast is still a thread reply


def test_bots_and_apps_are_never_members(ctx):
    assert translate.event(bot_message("deployed", when=ts(1)), ctx)[0].author_is_bot
    assert translate.event(app_user_message("a doc", when=ts(2)), ctx)[0].author_is_bot
    ctx.bot_users.add(APP_USER)
    assert translate.event(message("plain text from an app user", user=APP_USER, when=ts(3)), ctx)[0].author_is_bot
    assert translate.event(message("from ourselves", user="U0BOT0001", when=ts(4)), ctx)[0].author_is_bot
    assert translate.event(bot_message("no user field", when=ts(5)), ctx)[0].author == "B0OTHER01"


@pytest.mark.parametrize(
    "subtype",
    [
        "channel_join",
        "channel_leave",
        "channel_topic",
        "channel_purpose",
        "channel_name",
        "pinned_item",
        "bot_add",
        "group_join",
        "message_replied",
        "huddle_thread",
    ],
)
def test_housekeeping_is_skipped(ctx, subtype):
    evt = channel_join(ASKER, ts(1)) | {"subtype": subtype}
    assert translate.event(evt, ctx) == []
    assert translate.history([evt], HELP, ctx) == []


def test_edit_delete_and_tombstone(ctx):
    [e] = translate.event(message_changed(ts(1), "new text", ts(5)), ctx)
    assert e == Edit("slack", HELP, ts(1), at(5), "new text")
    [d] = translate.event(message_deleted(ts(1), ts(6)), ctx)
    assert d == Delete("slack", HELP, ts(1), at(6))
    tomb = message_changed(ts(1), "This message was deleted.", ts(7))
    tomb["message"]["subtype"] = "tombstone"
    assert translate.event(tomb, ctx) == [Delete("slack", HELP, ts(1), at(7))]


def test_reactions(ctx):
    [r] = translate.event(reaction_added(ts(1), "white_check_mark", user=ALICE, when=ts(9)), ctx)
    assert r == Reaction("slack", HELP, ts(1), ALICE, "white_check_mark", at(9))
    file_reaction = reaction_added(ts(1), "eyes", user=ALICE, when=ts(9)) | {"item": {"type": "file", "file": "F1"}}
    assert translate.event(file_reaction, ctx) == []
    stored = message("q?", channel=None, when=ts(1), reactions=[{"name": "white_check_mark", "users": [ALICE, "U0BOT0001"], "count": 2}])
    got = translate.stored_reactions(stored, HELP, ctx, at(30))
    assert [(x.author, x.author_is_bot, x.at) for x in got] == [(ALICE, False, at(30)), ("U0BOT0001", True, at(30))]


def test_live_history_and_export_shapes_translate_alike(ctx):
    live = message("How do I X?", when=ts(1), thread_ts=ts(0))
    stored = {k: v for k, v in live.items() if k not in ("channel", "event_ts", "channel_type")}
    assert translate.event(live, ctx) == translate.history([stored], HELP, ctx)


@pytest.mark.parametrize(
    "bad",
    [
        {"type": "message", "channel": HELP, "text": SECRET_TEXT},  # no ts, no user
        {"type": "message", "channel": HELP, "user": ASKER, "ts": "yesterday", "text": SECRET_TEXT},
        {"type": "message", "user": ASKER, "ts": "1767607200.000100", "text": SECRET_TEXT},  # no channel
        {"type": "message", "channel": HELP, "user": ASKER, "ts": "1767607200.000100", "text": ["not", "text"]},
        {"type": "message", "channel": HELP, "subtype": "message_changed", "ts": "1767607200.000100"},
        {"type": "reaction_added", "user": ASKER, "item": {"type": "message", "channel": HELP}, "event_ts": "1"},
        {"type": "app_home_opened", "user": ASKER},
        "not even an object",
    ],
)
def test_malformed_payloads_raise_without_quoting_text(ctx, bad):
    with pytest.raises(Malformed) as exc:
        translate.event(bad, ctx)
    assert SECRET_TEXT not in str(exc.value) and "hunter2" not in str(exc.value)


def test_ts_stays_a_string_and_orders_as_a_number():
    assert translate.ts_key("1767607200.000100") > translate.ts_key("1767607199.999999")
    assert translate.ts_key("1767607200.000100") > translate.ts_key("1767607200.000099")
    [m] = translate.history([message("x", channel=None, when="1767607200.000100")], HELP, Context())
    assert m.id == "1767607200.000100" and m.link is None  # no workspace url: no link


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12) | st.sampled_from(["message", "1767607200.000100", HELP, ASKER]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(
            st.sampled_from(
                [
                    "type",
                    "subtype",
                    "channel",
                    "user",
                    "ts",
                    "thread_ts",
                    "text",
                    "message",
                    "item",
                    "event_ts",
                    "deleted_ts",
                    "reaction",
                    "bot_id",
                    "edited",
                    "reactions",
                    "users",
                    "name",
                ]
            ),
            inner,
            max_size=8,
        )
    ),
    max_leaves=20,
)


@hsettings(max_examples=300, deadline=None)
@given(json_values)
def test_arbitrary_json_either_translates_or_raises_malformed(payload):
    try:
        translate.event(payload, Context())
    except Malformed:
        pass
    try:
        translate.history([payload], HELP, Context())
        translate.stored_reactions(payload, HELP, Context(), at(0))
    except Malformed:
        pass
