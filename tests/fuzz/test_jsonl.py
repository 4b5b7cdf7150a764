"""Fuzzing the core's own jsonl format: arbitrary lines and arbitrary JSON objects.

``to_event`` may only raise ``BadRecord``; ``read`` never raises at all (a bad
line is reported with its number and skipped), whatever the bytes of the file.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot import jsonl
from bot.events import Message

from .harness import CONFIG, check_event, make_harness
from .profile import FUZZ
from .strategies import payloads

MESSAGE = {
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
    "author_name": "Newbie",
    "link": "https://example.org/m1",
    "channel_name": "help",
    "starts_topic": False,
}
REPLY = {**MESSAGE, "id": "m2", "author": "u2", "thread": "m1", "text": "Use the reset link", "at": 1767607500}
BOT = {**MESSAGE, "id": "m3", "author": "b1", "author_is_bot": True, "text": "Does anyone know how to deploy?"}
TOPIC = {**MESSAGE, "id": "t1", "platform": "forum", "channel": "community", "starts_topic": True}
RECORDS = [
    MESSAGE,
    REPLY,
    BOT,
    TOPIC,
    {"type": "edit", "platform": "discord", "channel": "help", "id": "m1", "at": "2026-01-05T10:05:00+00:00", "text": "edited?"},
    {"type": "delete", "platform": "discord", "channel": "help", "id": "m1", "at": "2026-01-05T10:06:00Z"},
    {"type": "reaction", "platform": "discord", "channel": "help", "message": "m1", "author": "u2", "emoji": "✅", "at": "2026-01-05T10:07:00Z"},
    {"type": "closed", "platform": "forum", "channel": "community", "id": "t1", "at": "2026-01-05T11:00:00Z"},
]


def _to_event(obj: Any) -> Any:
    try:
        event = jsonl.to_event(obj)
    except jsonl.BadRecord as exc:
        assert "password" not in str(exc)  # errors name fields, never quote the text
        return None
    check_event(event)
    if isinstance(event, Message):
        assert event.author == str(obj["author"]) and event.id == str(obj["id"])
        assert event.author_is_bot == bool(obj.get("author_is_bot", False))
    return event


@FUZZ
@given(payloads(*RECORDS))
def test_any_json_object_is_an_event_or_a_bad_record(obj):
    _to_event(obj)


@FUZZ
@given(
    st.lists(
        st.one_of(
            st.text(max_size=80),
            payloads(*RECORDS).map(lambda o: json.dumps(o, allow_nan=True)),
            st.sampled_from(
                [
                    "[" * 5000,
                    "{" * 5000,
                    '{"at": Infinity}',
                    '{"at": -Infinity, "platform": "x", "channel": "y"}',
                    '{"at": NaN}',
                    "\x00\x00",
                    "\ufeff{}",
                    '{"at": 1e300, "platform": "a", "channel": "b", "id": "1", "author": "u"}',
                ]
            ),
        ),
        max_size=12,
    ),
    st.sampled_from(["utf-8", "utf-16", "latin-1"]),
)
def test_a_file_of_any_lines_is_read_without_raising(tmp_path_factory, lines, encoding):
    path = tmp_path_factory.mktemp("jsonl") / "events.jsonl"
    path.write_bytes("\n".join(lines).encode(encoding, errors="surrogatepass" if encoding.startswith("utf") else "replace"))
    errors: list[Any] = []
    events = list(jsonl.read([path], errors))
    for event in events:
        check_event(event)
    assert all(err.line >= 1 and str(err).startswith(str(path)) for err in errors)


@pytest.fixture
def harness(make_settings, tracker, clock):
    return make_harness(make_settings(CONFIG), tracker, clock, "discord", mode="detect")


@FUZZ
@given(st.lists(payloads(*RECORDS, max_mutations=2), min_size=1, max_size=8))
def test_the_watchdog_makes_questions_only_from_human_top_level_messages(harness, records):
    harness.feed(e for e in map(_to_event, records) if e is not None)
    harness.check()
    harness.fire()


@pytest.mark.parametrize(
    "line",
    [
        '{"at": Infinity, "platform": "p", "channel": "c", "id": "1", "author": "u"}',
        '{"at": 1e300, "platform": "p", "channel": "c", "id": "1", "author": "u"}',
        '{"at": "0001-01-01T00:00:00+01:00", "platform": "p", "channel": "c", "id": "1", "author": "u"}',
        '{"at": NaN, "platform": "p", "channel": "c", "id": "1", "author": "u"}',
        "[" * 100_000,
    ],
)
def test_absurd_times_and_nesting_are_bad_lines_not_crashes(tmp_path, line):
    path = tmp_path / "bad.jsonl"
    path.write_text(line + "\n" + json.dumps(MESSAGE) + "\n", encoding="utf-8")
    errors: list[Any] = []
    events = list(jsonl.read([path], errors))
    assert [e.id for e in events] == ["m1"] and [e.line for e in errors] == [1]
