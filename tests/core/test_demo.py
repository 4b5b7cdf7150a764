"""`make run` with no credentials: the demo a newcomer sees first, through the live scheduler."""

from __future__ import annotations

import io

from bot.demo import run_demo


async def test_the_demo_tells_the_story_and_sends_nothing(tmp_path):
    out = io.StringIO()
    figures = await run_demo(speed=3000, out=out, db_dir=tmp_path)
    text = out.getvalue()
    assert "DEMO MODE" in text and "Nothing is sent anywhere" in text
    assert figures == {"questions": 4, "answered": 2, "nudges": 4}
    dms = text.split("── would DM ")[1:]
    assert [d.split(" ", 1)[0] for d in dms] == ["alice", "alice", "bob", "bob"]
    hostile = next(d for d in dms if "Elektron" in d)
    assert "@\u200beveryone" in hostile and "@everyone" not in hostile  # neutralised, still readable
    assert "docs (http://evil.example/login)" in hostile  # a disguised link shows its target
    assert "To watch your own community" in text
