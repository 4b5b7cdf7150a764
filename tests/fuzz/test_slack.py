"""Fuzzing the Slack translators (Events API, history, workspace exports) and the watchdog behind them.

Properties: nothing but ``translate.Malformed`` ever escapes (callers log and skip
that); what comes out is a well-typed core event; a bot's payload never becomes a
human message; a message always has the author and ``ts`` of its payload; and the
real watchdog turns only human, top-level messages with an author and a time into
questions.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.slack import export, translate
from adapters.slack.translate import Context, Malformed
from bot.events import Message, Reaction
from tests.adapters.slack.payloads import (
    ASKER,
    HELP,
    HELPER,
    app_user_message,
    bot_message,
    channel_join,
    message,
    message_changed,
    message_deleted,
    reaction_added,
    ts,
)

from .harness import CONFIG, check_event, make_harness
from .profile import FUZZ
from .strategies import junk, mutated, payloads

CTX = Context(
    workspace_url="https://acme.slack.com/", channel_names={HELP: "help"}, user_names={ASKER: "Asker"}, bot_users={"U0BOT0001"}, self_user="U0BOT0001"
)

ASKED = ts(1)
EVENTS = [
    message("How do I rotate the API keys? <!channel> <@U0HELPER1>", when=ASKED),
    message("You need the admin console", user=HELPER, when=ts(5), thread_ts=ASKED),
    message("thanks!", when=ts(6), thread_ts=ASKED, subtype="thread_broadcast"),
    message("file here", when=ts(7), subtype="file_share", files=[{"id": "F1", "name": "x.png"}]),
    bot_message("Is this a question?", when=ts(2)),
    bot_message("Build passed", when=ts(3), thread_ts=ASKED),
    app_user_message("Here is a doc that might help?", when=ts(4), thread_ts=ASKED),
    app_user_message("Does anyone know how to deploy?", when=ts(8)),
    channel_join(HELPER, ts(9)),
    message_changed(ASKED, "How do I rotate the keys, please?", ts(10)),
    message_deleted(ASKED, ts(11)),
    reaction_added(ASKED, "white_check_mark", user=HELPER, when=ts(12)),
    {"type": "app_mention", "user": ASKER, "text": "<@U0BOT0001> help?", "ts": ts(13), "channel": HELP, "event_ts": ts(13)},
]
HISTORY = [{k: v for k, v in e.items() if k not in ("channel", "event_ts", "channel_type")} for e in EVENTS[:8]]
HISTORY[0]["reactions"] = [{"name": "eyes", "users": [HELPER, "U0BOT0001"], "count": 2}]


def _is_bot_payload(msg: Any) -> bool:
    """What Slack itself says marks a bot: a bot_id, the bot_message subtype or a bot_profile."""
    return isinstance(msg, dict) and bool(msg.get("bot_id") or msg.get("subtype") == "bot_message" or isinstance(msg.get("bot_profile"), dict))


def _check_message(m: Message, payload: dict[str, Any]) -> None:
    check_event(m)
    assert m.platform == "slack"
    assert m.author in (payload.get("user"), payload.get("bot_id")), "an author that the payload does not name"
    assert m.id == payload.get("ts") and isinstance(m.id, str)
    if _is_bot_payload(payload):
        assert m.author_is_bot, "a bot payload became a human message"
    if payload.get("text") in (None, ""):
        assert m.text == ""


def _translate_event(evt: Any) -> list[Any]:
    try:
        out = translate.event(evt, CTX)
    except Malformed as exc:
        assert "password" not in str(exc)
        return []
    assert isinstance(out, list) and len(out) <= 1
    for ev in out:
        check_event(ev)
        if isinstance(ev, Message):
            _check_message(ev, evt)
        if isinstance(ev, Reaction):
            assert ev.author == evt.get("user") and ev.platform == "slack"
    return out


@FUZZ
@given(payloads(*EVENTS))
def test_events_api_payloads_never_crash_or_invent(evt):
    _translate_event(evt)
    translate.event_channel(evt)  # used for route filtering before translating: must not raise either


@FUZZ
@given(st.lists(payloads(*HISTORY), max_size=6), st.sampled_from([HELP, "C0OTHER01"]))
def test_history_pages_never_crash_or_invent(page, channel):
    for msg in page:
        try:
            found = translate.message(msg, channel, CTX)
        except Malformed:
            continue
        if found is not None:
            _check_message(found, msg)
            assert found.channel == channel
            try:
                reactions = translate.stored_reactions(msg, channel, CTX, found.at)
            except Malformed:
                reactions = []
            assert all(isinstance(r, Reaction) and r.message == found.id for r in reactions)
    try:
        out = translate.history(page, channel, CTX)
    except Malformed:
        return
    assert all(isinstance(m, Message) and m.channel == channel for m in out)


@pytest.fixture
def detect(make_settings, tracker, clock):
    return make_harness(make_settings(CONFIG), tracker, clock, "slack", mode="detect")


@pytest.fixture
def every_post(make_settings, tracker, clock):
    return make_harness(make_settings(CONFIG), tracker, clock, "slack", mode="all")


# The harness (one real tracker) is shared by all examples of a test: invariants must hold
# however much history is already there.
@FUZZ
@given(events=st.lists(payloads(*EVENTS, max_mutations=2), min_size=1, max_size=8))
def test_the_watchdog_makes_questions_only_from_human_top_level_messages(detect, events):
    for evt in events:
        detect.feed(_translate_event(evt))
    detect.check()
    detect.fire()


@FUZZ
@given(events=st.lists(payloads(*EVENTS, max_mutations=2), min_size=1, max_size=8))
def test_in_a_channel_where_every_post_is_a_question_bots_and_replies_still_never_are(every_post, events):
    for evt in events:
        every_post.feed(_translate_event(evt))
    every_post.check()


# ------------------------------------------------------------------ exports


def _write_export(root: Path, day: Any, channels: Any, users: Any) -> None:
    root.mkdir(parents=True, exist_ok=True)
    (root / "help").mkdir(exist_ok=True)
    for name, doc in (("channels.json", channels), ("users.json", users), ("help/2026-01-05.json", day)):
        (root / name).write_text(json.dumps(doc) if not isinstance(doc, str) else doc, encoding="utf-8", errors="surrogatepass")


CHANNELS = [{"id": HELP, "name": "help"}]
USERS = [{"id": ASKER, "name": "asker", "profile": {"display_name": "Asker"}}, {"id": "U0APPUSR1", "name": "helperbot", "is_bot": True, "profile": {}}]


@FUZZ
@given(
    day=st.lists(payloads(*HISTORY), max_size=6) | junk | st.text(max_size=30),
    channels=mutated(CHANNELS) | junk,
    users=mutated(USERS) | junk,
)
def test_export_files_never_crash_or_invent(tmp_path_factory, day, channels, users):
    root = tmp_path_factory.mktemp("export")
    _write_export(root, day, channels, users)
    errors: list[Any] = []
    events = list(export.read([root], errors))
    bots = (
        {u["id"] for u in users if isinstance(u, dict) and isinstance(u.get("id"), str) and (u.get("is_bot") or u.get("is_app_user"))}
        if isinstance(users, list)
        else set()
    )
    for ev in events:
        check_event(ev)
        if isinstance(ev, Message):
            # Several mutants may share a ts: the message must match one of them.
            records = [r for r in day if isinstance(r, dict) and r.get("ts") == ev.id and ev.author in (r.get("user"), r.get("bot_id"))]
            assert records, "a message that no export record names"
            if all(_is_bot_payload(r) for r in records):
                assert ev.author_is_bot, "a bot record became a human message"
            if ev.author in bots:
                assert ev.author_is_bot, "a user the export lists as a bot became a human"
    assert all(str(e) for e in errors)


@pytest.mark.parametrize("bad", [b"", b"PK\x03\x04garbage", b"\xff\xfe\x00", b"[" * 100_000])
def test_export_zip_and_deeply_nested_json_are_reported_not_raised(tmp_path, bad):
    path = tmp_path / "export.zip"
    path.write_bytes(bad)
    errors: list[Any] = []
    assert list(export.read([path], errors)) == []
    assert errors
    folder = tmp_path / "folder"
    (folder / "help").mkdir(parents=True)
    (folder / "channels.json").write_bytes(bad)
    (folder / "help" / "2026-01-05.json").write_bytes(bad)
    assert list(export.read([folder], errors)) == []
