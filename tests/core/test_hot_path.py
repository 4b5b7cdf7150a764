"""The replay hot path's shortcuts give exactly what the long way gives.

bench/replay_throughput.py measures the hot path; each shortcut it relies on skips work
that cannot change the result. These tests hold each one to the plain computation it
replaces, on hostile and ordinary input alike.
"""

from __future__ import annotations

import re
import unicodedata

from hypothesis import given
from hypothesis import strategies as st

from bot import render
from bot.render import neutralise, one_line

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
