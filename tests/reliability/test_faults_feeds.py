"""Fault injection, forum feeds: the real poller (aiohttp + feedparser) against a forum that misbehaves.

Under each fault the poll fails cleanly (or succeeds late), the source stays up and
backs off, the next poll after recovery picks up the topic posted meanwhile, and
each due nudge goes out exactly once.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.adapters.feeds.conftest import feed_toml, make_app, server  # noqa: F401  (fixtures)

# What each poll reports, exactly. The first poll, under the fault: an error status or a hang fails it;
# a dropped connection does not, because aiohttp retries an idempotent GET on a fresh one; a slow
# answer is only late; a feed cut off mid-element still parses (feedparser is lenient), so it is "ok".
FIRST_POLL = {"429": "failed", "500": "failed", "502": "failed", "503": "failed", "hang": "failed", "drop": "ok", "slow": "ok", "malformed": "ok"}
# The poll after recovery: new content ("ok") after a failure or a half feed (no validators were
# kept from it); "not-modified" when the faulty poll already read the whole feed and kept its ETag.
SECOND_POLL = {"429": "ok", "500": "ok", "502": "ok", "503": "ok", "hang": "ok", "drop": "not-modified", "slow": "not-modified", "malformed": "ok"}


@pytest.mark.parametrize("fault", ["429", "500", "502", "503", "hang", "drop", "slow", "malformed"])
async def test_a_fault_on_the_listing_loses_no_topic_and_sends_each_nudge_once(fault, make_app, server, clock):  # noqa: F811
    t0 = clock.now()
    server.forum.topic(201, "How do I reset my password?", "carol", t0)
    fa = await make_app()
    assert [q.msg_id for q in fa.questions()] == ["201"]

    clock.advance(timedelta(minutes=5))
    server.forum.topic(202, "Sync fails with error 42", "erin", clock.now())  # posted while the forum misbehaves
    server.faults["/latest.rss"] = [fault]
    outcome = await fa.poll()
    assert server.injected == [("/latest.rss", fault)]
    assert outcome == FIRST_POLL[fault]
    state = fa.source.feeds["community"].state
    if state.next_attempt is not None:
        clock.set(state.next_attempt)  # the backoff (or the server's Retry-After) has passed
    assert await fa.poll() == SECOND_POLL[fault]  # aiohttp itself retries a GET whose connection dropped
    assert sorted(q.msg_id for q in fa.questions()) == ["201", "202"]
    assert fa.app.hub.health["feed:community"].ok

    clock.set(max(clock.now(), t0 + timedelta(minutes=5) + timedelta(hours=1, minutes=1)))
    await fa.tick()
    await fa.tick()
    keys = [key for _, _, key, note in fa.dms.sent if note.kind == "nudge"]
    assert len(keys) == 2 and len(set(keys)) == 2  # one per question, none twice
