"""The live feeds source against a loopback forum: real aiohttp, real feedparser, real tracker and door."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from adapters.feeds.fetch import USER_AGENT

from .conftest import feed_toml


async def test_new_unanswered_topic_yields_one_dm_after_the_window(make_app, server, clock):
    server.forum.topic(101, "How do I reset my password?", "carol", clock.now())
    fa = await make_app()
    assert [q.msg_id for q in fa.questions()] == ["101"]
    clock.advance(timedelta(minutes=59))
    await fa.poll()
    assert await fa.tick() == 0
    clock.advance(timedelta(minutes=2))
    await fa.poll()
    assert await fa.tick() == 1
    nudges = fa.dms.of_kind("nudge")
    assert len(nudges) == 1
    note = nudges[0]
    assert note.link == server.forum.topic_url(server.forum.topics[101])
    assert "reset my password" in (note.quote or "")
    assert fa.dms.sent[0][0].address == "U0ALICE01"
    for _ in range(4):  # later polls and ticks never repeat it (a one-person chain)
        clock.advance(timedelta(minutes=30))
        await fa.poll()
        await fa.tick()
    assert len(fa.dms.of_kind("nudge")) == 1


async def test_a_reply_by_another_user_stops_it(make_app, server, clock):
    t0 = clock.now()
    server.forum.topic(102, "Sync fails with error 42", "carol", t0)
    fa = await make_app()
    server.forum.reply(102, "dave", t0 + timedelta(minutes=20))
    clock.advance(timedelta(minutes=25))
    await fa.poll()
    (q,) = fa.questions()
    assert q.status == "answered" and q.answered_by == "dave"
    assert q.answered_at == t0 + timedelta(minutes=20)
    clock.advance(timedelta(hours=2))
    await fa.poll()
    assert await fa.tick() == 0
    assert fa.dms.sent == []
    # Answered: its topic feed is no longer polled.
    before = len(server.calls_to("/t/sync-fails-with-error-42/102.rss"))
    clock.advance(timedelta(minutes=5))
    await fa.poll()
    assert len(server.calls_to("/t/sync-fails-with-error-42/102.rss")) == before


async def test_the_authors_own_follow_up_does_not(make_app, server, clock):
    t0 = clock.now()
    server.forum.topic(103, "Cannot log in", "carol", t0)
    fa = await make_app()
    server.forum.reply(103, "carol", t0 + timedelta(minutes=10), "<p>Bump, still stuck</p>")
    server.forum.reply(103, "system", t0 + timedelta(minutes=11), "<p>This topic was automatically opened</p>")
    clock.advance(timedelta(minutes=15))
    await fa.poll()
    assert fa.questions()[0].status == "open"
    clock.advance(timedelta(hours=1))
    await fa.poll()
    assert await fa.tick() == 1


async def test_configured_bots_never_answer(make_app, server, clock):
    t0 = clock.now()
    server.forum.topic(104, "Is the API down?", "carol", t0)
    fa = await make_app(feed_toml("community", server.url("/latest.rss"), bots='["helper-bot"]'))
    server.forum.reply(104, "helper-bot", t0 + timedelta(minutes=1), "<p>Have you searched?</p>")
    clock.advance(timedelta(minutes=5))
    await fa.poll()
    assert fa.questions()[0].status == "open"


async def test_a_304_costs_no_parse_and_an_unchanged_topic_is_not_refetched(make_app, server, clock):
    t0 = clock.now()
    server.forum.topic(105, "Where are the logs?", "carol", t0)
    server.forum.reply(105, "carol", t0 + timedelta(minutes=1))  # 2 posts: its topic feed must be read once
    fa = await make_app()
    stats = fa.source.stats
    parses, topic_calls = stats.parses, len(server.calls_to("/t/where-are-the-logs/105.rss"))
    assert (parses, topic_calls) == (2, 1)
    for _ in range(3):
        clock.advance(timedelta(minutes=5))
        assert await fa.poll() == "not-modified"
    assert stats.parses == parses  # three polls, no parse
    assert stats.not_modified == 3
    assert len(server.calls_to("/t/where-are-the-logs/105.rss")) == topic_calls  # post count unchanged: not fetched
    assert [c.status for c in server.calls_to("/latest.rss")] == [200, 304, 304, 304]
    assert all(c.user_agent == USER_AGENT for c in server.calls)
    # A change is seen at once.
    server.forum.reply(105, "dave", t0 + timedelta(minutes=16))
    clock.advance(timedelta(minutes=5))
    assert await fa.poll() == "ok"
    assert fa.questions()[0].answered_by == "dave"


async def test_validators_survive_a_restart(make_app, server, clock):
    server.forum.topic(106, "Question", "carol", clock.now())
    await make_app()
    again = await make_app()  # a new process on the same database
    assert [c.status for c in server.calls_to("/latest.rss")] == [200, 304]
    assert again.source.stats.parses == 0


async def test_a_failing_feed_backs_off_and_recovers(make_app, server, clock):
    server.forum.topic(107, "Question", "carol", clock.now())
    server.misbehave["/latest.rss"] = "500"
    fa = await make_app()
    state = fa.source.feeds["community"].state
    assert state.failures == 1
    first_wait = state.next_attempt - clock.now()
    assert timedelta(minutes=2, seconds=30) <= first_wait <= timedelta(minutes=5)
    assert await fa.poll() == "backoff"  # too early: no request at all
    assert len(server.calls_to("/latest.rss")) == 1
    waits = [first_wait]
    for n in range(2, 5):
        clock.set(state.next_attempt)
        assert await fa.poll() == "failed"
        waits.append(state.next_attempt - clock.now())
        assert state.failures == n
    # Exponential with jitter: each wait lies in [base/2, base] for base = 5m·2^(n-1).
    for n, wait in enumerate(waits, start=1):
        base = timedelta(minutes=5) * 2 ** (n - 1)
        assert base / 2 <= wait <= base, (n, wait)
    assert fa.app.hub.health["feed:community"].ok is False
    assert fa.questions() == []
    del server.misbehave["/latest.rss"]
    clock.set(state.next_attempt)
    assert await fa.poll() == "ok"
    assert state.failures == 0 and state.next_attempt is None
    assert fa.app.hub.health["feed:community"].ok is True
    assert [q.msg_id for q in fa.questions()] == ["107"]


async def test_staff_are_told_once_when_a_feed_fails_for_too_long_and_once_on_recovery(make_app, server, clock):
    server.misbehave["/latest.rss"] = "503"
    fa = await make_app(feed_toml("community", server.url("/latest.rss"), failing_alert_after='"30m"'))
    state = fa.source.feeds["community"].state
    polls = 0
    for _ in range(60):  # five hours of polling every 5 minutes
        clock.advance(timedelta(minutes=5))
        if await fa.poll() == "failed":
            polls += 1
    assert polls >= 6
    health = fa.dms.of_kind("health")
    assert len(health) == 1
    assert "has been failing" in health[0].title and "community" in health[0].title
    assert "HTTP 503" in health[0].body and server.url("/latest.rss") in health[0].body
    del server.misbehave["/latest.rss"]
    clock.set(state.next_attempt)
    assert await fa.poll() == "ok"
    for _ in range(3):
        clock.advance(timedelta(minutes=5))
        await fa.poll()
    health = fa.dms.of_kind("health")
    assert [n.title for n in health][1:] == ["Forum feed 'community' works again"]
    assert fa.app.tracker.get("health:feed:community")["ok"] is True


async def test_a_failure_episode_is_remembered_across_a_restart(make_app, server, clock):
    server.misbehave["/latest.rss"] = "500"
    await make_app(feed_toml("community", server.url("/latest.rss"), failing_alert_after='"30m"'))
    clock.advance(timedelta(minutes=40))
    fa = await make_app(feed_toml("community", server.url("/latest.rss"), failing_alert_after='"30m"'))
    # The new process counts from the first failure, not from its own start.
    assert len(fa.dms.of_kind("health")) == 1


async def test_one_slow_feed_never_delays_another(make_app, server, clock):
    server.forum.topic(108, "Fast question", "carol", clock.now())
    server.misbehave["/slow.rss"] = "hang"
    toml = feed_toml("community", server.url("/latest.rss")) + feed_toml("slow", server.url("/slow.rss")).replace('timeout = "2s"', 'timeout = "30s"')
    fa = await make_app(toml, start=False)
    slow = asyncio.create_task(fa.source.poll_feed("slow"))
    while server.hanging == 0:  # the slow request is in flight
        await asyncio.sleep(0.005)
    assert await asyncio.wait_for(fa.poll("community"), timeout=5) == "ok"
    assert not slow.done()
    assert [q.msg_id for q in fa.questions()] == ["108"]
    assert await fa.source.poll_feed("slow") == "busy"  # never two polls of one feed at once
    server.release.set()
    assert await slow == "failed"


async def test_closed_and_archived_topics_stop_being_tracked(make_app, server, clock):
    server.forum.topic(109, "Question one", "carol", clock.now())
    server.forum.topic(110, "Question two", "erin", clock.now())
    fa = await make_app()
    server.forum.topics[109].closed = True
    server.forum.topics[110].archived = True
    clock.advance(timedelta(minutes=5))
    await fa.poll()
    assert {q.status for q in fa.questions()} == {"closed"}
    clock.advance(timedelta(hours=2))
    assert await fa.tick() == 0


async def test_pinned_about_topics_are_never_questions(make_app, server, clock):
    server.forum.topic(7, "About the Support category", "admin", clock.now(), pinned=True)
    server.forum.topic(111, "Real question", "carol", clock.now())
    fa = await make_app()
    assert [q.msg_id for q in fa.questions()] == ["111"]


async def test_old_topics_are_not_questions_and_old_questions_stop_being_polled(make_app, server, clock):
    t0 = clock.now()
    server.forum.topic(112, "Ancient question", "carol", t0 - timedelta(days=30))
    server.forum.topic(113, "Recent question", "erin", t0)
    server.forum.reply(113, "erin", t0 + timedelta(minutes=1))
    fa = await make_app(feed_toml("community", server.url("/latest.rss"), max_topic_age='"2d"'))
    assert [q.msg_id for q in fa.questions()] == ["113"]
    calls = len(server.calls_to("/t/recent-question/113.rss"))
    server.forum.reply(113, "erin", t0 + timedelta(minutes=2))
    clock.advance(timedelta(days=3))
    await fa.poll()
    assert len(server.calls_to("/t/recent-question/113.rss")) == calls


async def test_a_category_feed_and_the_health_detail(make_app, server, clock):
    server.forum.topic(114, "In support", "carol", clock.now())
    server.forum.topic(115, "In lounge", "erin", clock.now(), category="Lounge", category_slug="lounge", category_id=9)
    fa = await make_app(feed_toml("community", server.url("/c/support/5.rss")))
    (q,) = fa.questions()
    assert (q.msg_id, q.channel, q.channel_name) == ("114", "community", "Support")
    assert "answered = a reply by someone other than the author" in fa.app.tracker.get("health:feed:community")["detail"]


async def test_generic_rss_with_comment_feeds(make_app, server, clock):
    t0 = clock.now()
    server.blog.post(1, "How do I export my data?", "carol", t0)
    server.blog.post(2, "Is there a dark mode?", "erin", t0)
    fa = await make_app(feed_toml("community", server.url("/blog/feed/"), kind="rss"))
    assert sorted(q.msg_id for q in fa.questions()) == [server.url("/?p=1"), server.url("/?p=2")]
    server.blog.comment(1, "dave", t0 + timedelta(minutes=5))
    server.blog.comment(2, "erin", t0 + timedelta(minutes=5))  # the asker's own follow-up
    clock.advance(timedelta(minutes=10))
    await fa.poll()
    by_id = {q.msg_id: q for q in fa.questions()}
    assert by_id[server.url("/?p=1")].answered_by == "dave"
    assert by_id[server.url("/?p=2")].status == "open"
    clock.advance(timedelta(hours=1))
    assert await fa.tick() == 1


async def test_generic_rss_with_only_a_comment_count(make_app, server, clock):
    server.blog.comment_feeds = False
    t0 = clock.now()
    server.blog.post(3, "Where is the changelog?", "carol", t0)
    fa = await make_app(feed_toml("community", server.url("/blog/feed/"), kind="rss"))
    assert fa.questions()[0].status == "open"
    server.blog.comment(3, "dave", t0 + timedelta(minutes=5))
    clock.advance(timedelta(minutes=10))
    await fa.poll()
    q = fa.questions()[0]
    assert q.status == "answered" and q.answered_by == "(commenter)" and q.answered_at == clock.now()
    assert "comment count" in fa.app.hub.health["feed:community"].detail


async def test_an_atom_feed_that_cannot_tell_when_answered(make_app, server, clock):
    from .forum import atom_feed

    server.raw["discussions.atom"] = (atom_feed(server.base, [("1", "How to build?", "carol", clock.now())]), "application/atom+xml; charset=utf-8")
    fa = await make_app(feed_toml("community", server.url("/raw/discussions.atom"), kind="rss"))
    assert [q.author for q in fa.questions()] == ["carol"]
    detail = fa.app.tracker.get("health:feed:community")["detail"]
    assert detail.startswith("cannot tell when answered")
    clock.advance(timedelta(hours=1, minutes=1))
    assert await fa.tick() == 1


async def test_feeds_without_a_route_are_not_polled(make_app, server, clock, caplog):
    toml = feed_toml("community", server.url("/latest.rss")) + ('[[feeds]]\nname = "other"\nurl = "' + server.url("/other.rss") + '"\n')
    await make_app(toml)
    assert server.calls_to("/other.rss") == []
    assert "feed other has no [[routes]] entry" in caplog.text


async def test_the_source_factory_is_what_wiring_loads(make_settings, server):
    from bot.wiring import configured_sources

    settings = make_settings(feed_toml("community", server.url("/latest.rss")).replace('chain = ["alice"]', ""))
    (source,) = configured_sources(settings)
    assert source.name == "feeds" and source.transport() is None


async def test_start_schedules_one_poll_job_per_feed_on_its_interval(make_app, server):
    toml = feed_toml("community", server.url("/latest.rss")) + feed_toml("other", server.url("/c/support/5.rss")).replace('interval = "5m"', 'interval = "15m"')
    fa = await make_app(toml)
    jobs = {job.id: job.trigger.interval for job in fa.app.scheduler.aps.get_jobs()}
    assert jobs == {"feed:community": timedelta(minutes=5), "feed:other": timedelta(minutes=15)}
