"""Forums end to end: catch-up past the listing window, one question per topic across feeds, mode `all` by default,
and private categories. Real aiohttp to the loopback forum (RSS and JSON), real feedparser, real tracker and door."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import timedelta

from bot.config import ConfigError, load_settings

from .conftest import feed_toml
from .forum import PER_PAGE

KEY_ENV = {"UNANSWERED_DISCOURSE__API_KEY": "test-key-0123456789abcdef", "UNANSWERED_DISCOURSE__API_USERNAME": "unanswered-bot"}


def tracked(fa) -> Counter:
    return Counter(q.msg_id for q in fa.questions())


async def test_100_topics_created_while_the_bot_was_down_are_all_tracked_once(make_app, server, clock):
    forum = server.forum
    t0 = clock.now()
    for n in range(3):
        forum.topic(1 + n, f"Old question {n}", "carol", t0 - timedelta(minutes=10 - n))
    fa = await make_app()
    assert set(tracked(fa)) == {"1", "2", "3"}
    assert server.calls_to("/latest.json") == []  # a first read pages back through nothing
    # Down for six hours; 100 topics arrive meanwhile, a few answered, one by its own author only.
    for n in range(100):
        forum.topic(100 + n, f"New question number {n}", f"member{n}", t0 + timedelta(minutes=3 * n + 1))
    forum.reply(100, "dave", t0 + timedelta(minutes=30))  # an old one, far past the listing window
    forum.reply(101, "member1", t0 + timedelta(minutes=31))  # the asker's own bump: not an answer
    clock.advance(timedelta(hours=6))
    assert len(forum.latest_rss().split(b"<item>")) - 1 == PER_PAGE  # the listing holds only the newest 30

    fa = await make_app()  # the restart: same database
    counts = tracked(fa)
    assert len(counts) == 103 and set(counts.values()) == {1}  # every topic, each once
    assert {f"{100 + n}" for n in range(100)} <= set(counts)
    by_id = {q.msg_id: q for q in fa.questions()}
    assert by_id["100"].answered_by == "dave" and by_id["101"].status == "open"
    assert by_id["150"].link == forum.topic_url(forum.topics[150]) and by_id["150"].author == "member50"
    pages = [c.status for c in server.calls_to("/latest.json")]
    assert pages == [200, 200, 200, 200]  # 103 topics: 4 pages of 30, and it stopped at the topics seen before
    assert fa.dms.of_kind("health") == []  # caught up in full: nothing to warn the staff about
    # Polling on, nothing new: no more JSON, no duplicates.
    clock.advance(timedelta(minutes=5))
    await fa.poll()
    assert len(server.calls_to("/latest.json")) == 4 and len(fa.questions()) == 103


async def test_a_busy_hour_is_caught_up_without_downtime_too(make_app, server, clock):
    forum = server.forum
    forum.topic(1, "First", "carol", clock.now())
    fa = await make_app()
    for n in range(45):  # 45 topics between two polls: 15 past the listing
        forum.topic(10 + n, f"Burst {n}", f"m{n}", clock.now() + timedelta(seconds=5 * n + 1))
    clock.advance(timedelta(minutes=5))
    assert await fa.poll() == "ok"
    assert len(tracked(fa)) == 46


async def test_catch_up_skips_pinned_about_closed_and_is_bounded_by_topic_age(make_app, server, clock):
    forum = server.forum
    t0 = clock.now()
    forum.topic(1, "Seen before", "carol", t0)
    fa = await make_app()
    # Pinned topics head every list whatever their age: an old one must not end the paging early.
    forum.topic(2, "About the Support category", "admin", t0 - timedelta(days=30), pinned=True)
    forum.topic(3, "Welcome, read this first", "admin", t0 - timedelta(days=20), pinned=True)
    forum.topic(4, "Closed while we were away", "erin", t0 + timedelta(minutes=3), closed=True)
    for n in range(40):
        forum.topic(10 + n, f"Question {n}", f"m{n}", t0 + timedelta(minutes=10 + n))
    clock.advance(timedelta(hours=2))
    fa = await make_app()
    assert set(tracked(fa)) == {"1", *(str(10 + n) for n in range(40))}


async def test_a_category_feed_catches_up_from_its_own_json(make_app, server, clock):
    forum = server.forum
    t0 = clock.now()
    forum.topic(1, "Seen before", "carol", t0)
    fa = await make_app(feed_toml("support", server.url("/c/support/5.rss")))
    for n in range(40):
        forum.topic(10 + n, f"Support question {n}", f"m{n}", t0 + timedelta(minutes=10 + n))
        forum.topic(100 + n, f"Lounge chat {n}", f"m{n}", t0 + timedelta(minutes=10 + n), category="Lounge", category_slug="lounge", category_id=9)
    clock.advance(timedelta(hours=2))
    fa = await make_app(feed_toml("support", server.url("/c/support/5.rss")))
    assert set(tracked(fa)) == {"1", *(str(10 + n) for n in range(40))}  # its category only
    assert [c.status for c in server.calls_to("/c/support/5.json")] == [200, 200]


async def test_a_failing_catch_up_never_loses_the_listing(make_app, server, clock, caplog):
    forum = server.forum
    t0 = clock.now()
    forum.topic(1, "Seen before", "carol", t0)
    await make_app()
    for n in range(40):
        forum.topic(10 + n, f"Question {n}", f"m{n}", t0 + timedelta(minutes=10 + n))
    server.misbehave["/latest.json"] = "500"
    clock.advance(timedelta(hours=2))
    fa = await make_app()
    assert len(tracked(fa)) == 1 + PER_PAGE  # what the listing holds is tracked; the rest is logged as missed
    assert "page 0 of" in caplog.text and "HTTP 500" in caplog.text
    assert fa.app.hub.health["feed:community"].ok is True
    (alert,) = fa.dms.of_kind("health")  # the staff are told once what could not be caught up
    assert "may be missed" in alert.title and "HTTP 500" in alert.body and f"{t0:%Y-%m-%d %H:%M}" in alert.body
    assert "may have been missed" in fa.app.hub.health["feed:community"].detail


async def test_a_topic_in_latest_and_in_a_category_feed_is_one_question(make_app, server, clock):
    forum = server.forum
    t0 = clock.now()
    forum.topic(201, "Printer offline after update", "carol", t0)
    forum.topic(202, "Where is the export button?", "erin", t0)
    toml = feed_toml("community", server.url("/latest.rss")) + feed_toml("support", server.url("/c/support/5.rss"))
    fa = await make_app(toml)
    assert await fa.poll("support") == "not-modified"
    qs = fa.questions()
    assert sorted(q.msg_id for q in qs) == ["201", "202"]  # not four
    assert {q.channel for q in qs} == {"community"}  # the forum's first feed names its channel
    forum.reply(201, "dave", t0 + timedelta(minutes=10))
    clock.advance(timedelta(minutes=15))
    topic_feed = f"/t/{forum.topics[201].slug}/201.rss"
    before = len(server.calls_to(topic_feed))
    await fa.poll("support")
    await fa.poll("community")
    assert len(server.calls_to(topic_feed)) == before + 1  # the forum reads a changed topic once, not once per feed
    clock.advance(timedelta(hours=1))
    await fa.poll("support")
    await fa.poll("community")
    assert await fa.tick() == 1
    (nudge,) = fa.dms.of_kind("nudge")
    assert "export button" in (nudge.quote or "")
    assert {q.msg_id: q.status for q in fa.questions()} == {"201": "answered", "202": "given_up"}  # nudged; its one-step chain is used up


async def test_a_new_topic_with_no_reply_is_nudged_with_no_config_beyond_the_feed(make_app, server, clock):
    server.forum.topic(301, "Would love a dark theme.", "carol", clock.now(), "<p>It would help on night shifts.</p>")  # not phrased as a question
    toml = (
        '[[routes]]\nplatform = "forum"\nchannel = "community"\nchain = ["alice"]\n'
        f'[[feeds]]\nname = "community"\nurl = "{server.url("/latest.rss")}"\n'
    )  # no mode, no kind
    fa = await make_app(toml)
    assert fa.source.feeds["community"].spec.kind == "discourse"  # found to be Discourse from the feed itself
    (q,) = fa.questions()
    assert q.msg_id == "301" and "route mode 'all'" in " ".join(q.reasons)
    clock.advance(timedelta(minutes=59))
    assert await fa.tick() == 0
    clock.advance(timedelta(minutes=2))
    assert await fa.tick() == 1
    assert "dark theme" in (fa.dms.of_kind("nudge")[0].quote or "")


async def test_detect_mode_stays_an_option(make_app, server, clock):
    server.forum.topic(302, "Thanks everyone, the release went out today.", "carol", clock.now(), "<p>Great work.</p>")
    server.forum.topic(303, "How do I enable the dark theme?", "erin", clock.now())
    toml = feed_toml("community", server.url("/latest.rss")).replace('mode = "all"', 'mode = "detect"')
    fa = await make_app(toml)
    assert [q.msg_id for q in fa.questions()] == ["303"]  # detect mode judges each topic: the thanks is left alone


async def test_a_generic_feed_that_lost_items_while_down_says_so_once(make_app, server, clock, tmp_path):
    from .forum import atom_feed

    t0 = clock.now()
    old = [(str(n), f"Old {n}", "carol", t0 - timedelta(minutes=n)) for n in range(3)]
    server.raw["d.atom"] = (atom_feed(server.base, old), "application/atom+xml")
    toml = feed_toml("community", server.url("/raw/d.atom"), kind="rss")
    await make_app(toml)
    clock.advance(timedelta(hours=5))
    new = [(str(100 + n), f"New {n}", "erin", t0 + timedelta(hours=4, minutes=n)) for n in range(10)]
    server.raw["d.atom"] = (atom_feed(server.base, new), "application/atom+xml")
    fa = await make_app(toml)
    (alert,) = fa.dms.of_kind("health")
    assert "may be missed" in alert.title and "cannot be recovered" in alert.body
    assert f"{t0:%Y-%m-%d %H:%M}" in alert.body and f"{t0 + timedelta(hours=4):%Y-%m-%d %H:%M}" in alert.body
    detail = fa.app.tracker.get("health:feed:community")["detail"]
    assert "may have been missed" in detail and "cannot be recovered" in detail
    for _ in range(3):  # later polls and another restart: still one alert
        clock.advance(timedelta(minutes=5))
        await fa.poll()
    fa = await make_app(toml)
    assert len(fa.dms.of_kind("health")) == 0 and len(tracked(fa)) == 13

    # What `unanswered status` prints, read from the same database.
    from click.testing import CliRunner

    from bot.cli import main

    config = tmp_path / "status.toml"
    config.write_text(f'[storage]\npath = "{tmp_path / "unanswered.db"}"\n', encoding="utf-8")
    out = CliRunner().invoke(main, ["status", "--config", str(config)], catch_exceptions=False).output
    line = next(x for x in out.splitlines() if x.startswith("source feed:community"))
    assert "may have been missed" in line and "cannot be recovered" in line and f"{t0:%Y-%m-%d %H:%M}" in line


async def test_a_private_category_needs_the_api_key_from_the_environment(make_app, server, clock, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    forum = server.forum
    forum.private = {99}
    forum.topic(401, "Staff-only: rotate the keys?", "carol", clock.now(), category="Staff", category_slug="staff", category_id=99)
    forum.reply(401, "carol", clock.now() + timedelta(minutes=1))
    toml = feed_toml("staff", server.url("/c/staff/99.rss"))
    fa = await make_app(toml)
    assert fa.questions() == [] and "HTTP 403" in fa.app.hub.health["feed:staff"].detail
    assert server.auth_seen == []  # no key configured: none sent

    clock.advance(timedelta(minutes=6))  # past the backoff of that failure
    fa = await make_app(toml, env=KEY_ENV)
    assert [q.msg_id for q in fa.questions()] == ["401"]
    topic_feed = f"/t/{forum.topics[401].slug}/401.rss"
    assert server.calls_to(topic_feed)[-1].status == 200  # its replies are read with the key too
    key = KEY_ENV["UNANSWERED_DISCOURSE__API_KEY"]
    assert {(k, u) for _, k, u in server.auth_seen} == {(key, "unanswered-bot")}
    assert key not in caplog.text
    for path in tmp_path.glob("unanswered.db*"):  # never stored
        assert key.encode() not in path.read_bytes()


async def test_the_api_key_is_refused_in_the_config_file(tmp_path):
    path = tmp_path / "unanswered.toml"
    path.write_text('[discourse]\napi_key = "abc123"\n', encoding="utf-8")
    try:
        load_settings(path)
    except ConfigError as exc:
        text = " ".join(exc.problems)
        assert "UNANSWERED_DISCOURSE__API_KEY" in text and "abc123" not in text
    else:
        raise AssertionError("an API key in the file must be refused")


async def test_the_key_goes_only_to_its_forum(make_app, server, clock):
    server.raw["other.rss"] = (server.forum.latest_rss(), "application/rss+xml")
    toml = feed_toml("community", server.url("/latest.rss")) + feed_toml("other", server.url("/raw/other.rss").replace("127.0.0.1", "localhost"))
    fa = await make_app(toml, env=KEY_ENV)
    assert fa.source.feeds["community"].auth == {} and fa.source.feeds["other"].auth == {}  # two forums, no host set
    fa = await make_app(toml, env={**KEY_ENV, "UNANSWERED_DISCOURSE__HOST": "127.0.0.1"})
    assert fa.source.feeds["community"].auth["Api-Username"] == "unanswered-bot"
    assert fa.source.feeds["other"].auth == {}


async def test_generic_feeds_of_one_host_keep_their_own_routes(make_app, server, clock):
    from .forum import atom_feed

    # Two projects' discussions on one host (github.com-like): not one forum. No kind given: found generic.
    server.raw["a.atom"] = (atom_feed(server.base, [("1", "How to build A?", "carol", clock.now())]), "application/atom+xml")
    server.raw["b.atom"] = (atom_feed(server.base, [("2", "How to build B?", "erin", clock.now())]), "application/atom+xml")
    toml = (
        '[people.bob]\nslack = "U0BOB0001"\n'
        '[[routes]]\nplatform = "forum"\nchannel = "a"\nchain = ["alice"]\n'
        '[[routes]]\nplatform = "forum"\nchannel = "b"\nchain = ["bob"]\n'
        f'[[feeds]]\nname = "a"\nurl = "{server.url("/raw/a.atom")}"\n'
        f'[[feeds]]\nname = "b"\nurl = "{server.url("/raw/b.atom")}"\n'
    )
    fa = await make_app(toml)
    assert {q.author: q.channel for q in fa.questions()} == {"carol": "a", "erin": "b"}
    clock.advance(timedelta(hours=1, minutes=1))
    assert await fa.tick() == 2
    assert sorted(to.address for to, _, _, note in fa.dms.sent if note.kind == "nudge") == ["U0ALICE01", "U0BOB0001"]
    fa = await make_app(toml)  # after a restart (kind remembered, the listing a 304), still apart
    assert {rt.spec.name for rt in fa.source.feeds.values()} == {"a", "b"}


async def test_a_topic_feed_alone_gives_its_question_live(make_app, server, clock):
    forum = server.forum
    t0 = clock.now()
    topic = forum.topic(801, "Would love a dark theme.", "carol", t0, "<p>It would help on night shifts.</p>")
    path = f"/t/{topic.slug}/801.rss"
    fa = await make_app(feed_toml("wish", server.url(path)))
    (q,) = fa.questions()
    assert (q.msg_id, q.author, q.link) == ("801", "carol", forum.topic_url(topic))
    forum.reply(801, "carol", t0 + timedelta(minutes=5))  # her own bump
    clock.advance(timedelta(minutes=10))
    await fa.poll("wish")
    assert fa.questions()[0].status == "open"
    forum.reply(801, "dave", t0 + timedelta(minutes=12))
    clock.advance(timedelta(minutes=5))
    await fa.poll("wish")
    assert fa.questions()[0].answered_by == "dave"
    assert len(server.calls_to(path)) == 3  # one GET per poll: the feed is its own thread
