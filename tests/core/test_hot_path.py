"""The replay hot path's shortcuts give exactly what the long way gives.

bench/replay_throughput.py measures the hot path; each shortcut it relies on skips work
that cannot change the result. These tests hold each one to the plain computation it
replaces, on hostile and ordinary input alike.
"""

from __future__ import annotations

import re
import sqlite3
import unicodedata
from datetime import timedelta
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from bot import render, watchdog
from bot.events import Delete, Edit, Event, Message, Reaction
from bot.render import neutralise, one_line
from bot.store import Tracker
from tests.conftest import T0

from ..fuzz.profile import FUZZ
from ..fuzz.strategies import hostile_text


def neutralise_long_way(text: str, limit: int = 300) -> str:
    """bot.render.neutralise as it was before its fast paths: every step on every text."""
    text = unicodedata.normalize("NFC", text or "")
    text = render._INVISIBLE.sub("", text)
    text = render._CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\t", " "))
    for _ in range(render._MAX_PASSES):
        before, text = text, render._inert(text)
        if text == before:
            break
    text = render._TOKEN_OPENING.sub("<\\1" + render.ZWSP, text)
    text = text.replace("](", "] (")
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


PLAIN = st.lists(st.sampled_from([*"abc ?!:;,.()]-_\n\r\t\x00\x1b`*~>", "](", "\n\n\n"]), max_size=40).map("".join)


@FUZZ
@given(st.one_of(hostile_text, PLAIN, st.text(max_size=60)), st.integers(5, 400))
def test_neutralise_matches_the_long_way(text: str, limit: int) -> None:
    assert neutralise(text, limit) == neutralise_long_way(text, limit)
    flat = " ".join(neutralise_long_way(text, limit * 2).split())
    assert one_line(text, limit) == (flat if len(flat) <= limit else flat[: limit - 1] + "…")


def test_neutralise_examples_that_skip_steps() -> None:
    for text in ("plain ascii", "a](b", "x\n\n\n\ny", " \tpad\r\n", "café @everyone", "<!here>", "[a](http://e.x)", "", "\u200bhidden"):
        assert neutralise(text) == neutralise_long_way(text), text


def test_question_rows_read_in_a_batch_follow_its_own_writes_and_not_past_it(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    tracker = Tracker(path)
    m = Message("slack", "C1", "1.0", "U1", T0, "how do I export?")
    with tracker.transaction():
        tracker.add_message(m)
        assert tracker.question_at("slack", "C1", "1.0") is None  # remembered for the batch...
        qid = tracker.add_question(m, ["asks"], first_time=False, next_due=T0 + timedelta(hours=1))
        row = tracker.question_at("slack", "C1", "1.0")  # ...until the batch itself asks it
        assert row is not None and row["id"] == qid and row["status"] == "open"
        tracker.mark_answered(qid, T0 + timedelta(minutes=1), "U2", "2.0")
        row = tracker.question_at("slack", "C1", "1.0")
        assert row is not None and row["answered_at"] is not None and row["status"] == "answered"
        tracker.forget_question(qid, T0 + timedelta(minutes=2))
        row = tracker.question_at("slack", "C1", "1.0")
        assert row is not None and row["status"] == "deleted"
    # Between two batches another process changes the row: the next batch reads it afresh.
    other = sqlite3.connect(path)
    other.execute("UPDATE questions SET status = 'open', answered_at = NULL WHERE id = ?", (qid,))
    other.commit()
    other.close()
    with tracker.transaction():
        row = tracker.question_at("slack", "C1", "1.0")
        assert row is not None and row["status"] == "open" and row["answered_at"] is None
        tracker.close_question(qid, "resolved", T0 + timedelta(minutes=3), "alice")
        row = tracker.question_at("slack", "C1", "1.0")
        assert row is not None and row["status"] == "resolved"
    tracker.close()


def test_a_rolled_back_batch_leaves_no_remembered_rows(tmp_path: Path) -> None:
    tracker = Tracker(tmp_path / "t.db")
    m = Message("slack", "C1", "1.0", "U1", T0, "how do I export?")
    try:
        with tracker.transaction():
            tracker.add_message(m)
            tracker.add_question(m, [], first_time=False, next_due=None)
            assert tracker.question_at("slack", "C1", "1.0") is not None
            raise RuntimeError("the batch fails")
    except RuntimeError:
        pass
    assert tracker.question_at("slack", "C1", "1.0") is None
    tracker.close()


SURROGATES = st.text(alphabet=st.characters(min_codepoint=0xD7F0, max_codepoint=0xE010, codec=None), max_size=4)
SOME_TEXT = st.one_of(hostile_text, SURROGATES, st.text(max_size=12), st.lists(st.one_of(SURROGATES, hostile_text), max_size=3).map("".join))


@FUZZ
@given(SOME_TEXT, st.lists(SOME_TEXT, max_size=3), st.one_of(st.none(), SOME_TEXT), SOME_TEXT)
def test_storable_quick_look_matches_the_careful_pass(text: str, mentions: list[str], name: str | None, other: str) -> None:
    events: list[Event] = [
        Message("slack", "C1", "1.0", "U1", T0, text, mentions=tuple(mentions), author_name=name, thread=other or None),
        Edit("slack", "C1", other, T0, text),
        Delete("discord", other, "1", T0),
        Reaction("slack", "C1", "1.0", other, text, T0),
    ]
    for event in events:
        assert watchdog.storable(event) == watchdog._storable(event)
    assert watchdog.storable(None) is None  # type: ignore[arg-type]  # not an event: left for apply to reject
