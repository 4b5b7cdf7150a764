"""Bad feeds: logged with the feed URL, never a crash, never a bogus question."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from .conftest import feed_toml
from .fakeserver import HUGE

RSS_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" ?>\n<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" '
    b'xmlns:discourse="http://www.discourse.org/"><channel><title>T</title><link>https://f.example/latest</link>'
    b"<description>d</description>"
)


def item(guid: str, title: str, *, creator: str | None = "carol", date: str | None = "Mon, 05 Jan 2026 09:30:00 +0000") -> bytes:
    parts = [f"<item><title>{title}</title>", f"<link>https://f.example/t/x/{guid}</link>", f'<guid isPermaLink="false">f.example-topic-{guid}</guid>']
    if creator is not None:
        parts.append(f"<dc:creator><![CDATA[{creator}]]></dc:creator>")
    if date is not None:
        parts.append(f"<pubDate>{date}</pubDate>")
    parts.append("<discourse:topicPinned>No</discourse:topicPinned></item>")
    return "".join(parts).encode()


@pytest.fixture
def logs(caplog):
    caplog.set_level(logging.INFO, logger="unanswered")
    return caplog


@pytest.mark.parametrize(
    "trouble, reason",
    [
        ("500", "HTTP 500"),
        ("404", "HTTP 404"),
        ("410", "HTTP 410"),
        ("403", "HTTP 403"),
        ("429", "HTTP 429"),
        ("html", "HTML page"),
        ("login", "HTML page"),  # a login wall: 302 to an HTML form
        ("loop", "redirect loop"),
    ],
)
async def test_http_trouble_is_a_logged_failure(make_app, server, logs, trouble, reason):
    server.forum.topic(201, "Question", "carol", server_now())
    server.misbehave["/latest.rss"] = trouble
    fa = await make_app()
    assert await fa.poll() in ("backoff",)  # the start-up poll failed; it now waits
    assert fa.source.feeds["community"].state.failures == 1
    assert fa.questions() == []
    assert server.url("/latest.rss") in logs.text and reason in logs.text
    assert reason in fa.app.hub.health["feed:community"].detail


def server_now():
    from tests.conftest import T0

    return T0


async def test_429_retry_after_is_honoured(make_app, server, clock):
    server.misbehave["/latest.rss"] = "429"
    fa = await make_app()
    assert fa.source.feeds["community"].state.next_attempt - clock.now() >= timedelta(hours=1)


async def test_a_timeout_is_a_logged_failure(make_app, server, logs):
    server.misbehave["/latest.rss"] = "hang"
    fa = await make_app(feed_toml("community", server.url("/latest.rss")).replace('timeout = "2s"', 'timeout = "0.3s"'))
    assert fa.source.feeds["community"].state.failures == 1
    assert "no complete answer within 0.3s" in logs.text and server.url("/latest.rss") in logs.text


@pytest.mark.parametrize("trouble", ["huge", "huge-declared"])
async def test_a_50mb_response_is_cut_off_without_reading_it_all(make_app, server, logs, trouble):
    server.misbehave["/latest.rss"] = trouble
    fa = await make_app(feed_toml("community", server.url("/latest.rss"), max_bytes="1_000_000"))
    assert fa.source.feeds["community"].state.failures == 1
    assert "cap" in logs.text and server.url("/latest.rss") in logs.text
    assert fa.source.stats.bytes == 0 and fa.source.stats.parses == 0
    server.release.set()
    assert server.huge_bytes_sent < HUGE / 5  # the client hung up long before 50 MB


@pytest.mark.parametrize(
    "body, ctype, reason",
    [
        (b"", "application/rss+xml", "empty"),
        (bytes(range(256)) * 40, "application/octet-stream", "not an RSS or Atom feed"),
        (b'{"topic_list": {"topics": []}}', "application/json", "not an RSS or Atom feed"),
        (b"<?xml version='1.0'?><root><a>not a feed</a></root>", "text/xml", "not an RSS or Atom feed"),
        (b"<html><body>Please log in</body></html>", "text/html", "HTML page"),
    ],
)
async def test_bodies_that_are_not_feeds(make_app, server, logs, body, ctype, reason):
    server.raw["feed"] = (body, ctype)
    fa = await make_app(feed_toml("community", server.url("/raw/feed")))
    assert fa.source.feeds["community"].state.failures == 1
    assert fa.questions() == []
    assert reason in logs.text and server.url("/raw/feed") in logs.text


async def test_ill_formed_xml_is_read_leniently_and_makes_no_bogus_question(make_app, server, logs):
    body = RSS_HEAD + item("301", "Whole question") + b"<item><title>Cut off mid-ite"
    server.raw["feed"] = (body, "application/rss+xml")
    fa = await make_app(feed_toml("community", server.url("/raw/feed")))
    assert [q.msg_id for q in fa.questions()] == ["301"]
    assert "read leniently" in fa.app.hub.health["feed:community"].detail
    assert "Cut off" not in logs.text  # never member text in logs


async def test_a_wrongly_declared_encoding_is_no_crash(make_app, server):
    # Declared UTF-8, actually Latin-1: "é" arrives as the single byte 0xE9.
    body = RSS_HEAD + item("302", "Caf\xe9 question").replace("Caf\xe9".encode(), b"Caf\xe9") + b"</channel></rss>"
    assert b"Caf\xe9 question" in body
    server.raw["feed"] = (body, "application/rss+xml; charset=utf-8")
    fa = await make_app(feed_toml("community", server.url("/raw/feed")))
    (q,) = fa.questions()
    assert q.msg_id == "302" and "Caf" in q.excerpt


async def test_items_without_dates_or_authors_are_skipped_and_logged(make_app, server, logs):
    body = (
        RSS_HEAD
        + item("401", "Secret title one", date=None)
        + item("402", "Secret title two", creator=None)
        + item("403", "Has everything")
        + item("404", "Bad date", date="the day after tomorrow")
        + b"<item><title>No id at all</title></item></channel></rss>"
    )
    server.raw["feed"] = (body, "application/rss+xml")
    fa = await make_app(feed_toml("community", server.url("/raw/feed")))
    assert [q.msg_id for q in fa.questions()] == ["403"]
    assert server.url("/raw/feed") in logs.text
    assert "401: no date" in logs.text and "402: no author" in logs.text and "404: no date" in logs.text
    assert "Secret title" not in logs.text


async def test_a_failing_topic_feed_backs_off_without_hurting_the_listing(make_app, server, logs, clock):
    t0 = clock.now()
    server.forum.topic(501, "Question", "carol", t0)
    server.forum.reply(501, "carol", t0 + timedelta(minutes=1))
    server.misbehave["/t/question/501.rss"] = "500"
    fa = await make_app()
    assert fa.app.hub.health["feed:community"].ok
    assert "topic feed " + server.url("/t/question/501.rss") in logs.text
    calls = len(server.calls_to("/t/question/501.rss"))
    assert await fa.poll() in ("ok", "not-modified")
    assert len(server.calls_to("/t/question/501.rss")) == calls  # backing off
    del server.misbehave["/t/question/501.rss"]
    server.forum.reply(501, "dave", t0 + timedelta(minutes=2))
    clock.advance(timedelta(minutes=10))
    await fa.poll()
    assert fa.questions()[0].answered_by == "dave"


async def test_secrets_in_a_feed_url_are_never_logged_or_told(make_app, server, logs, clock):
    server.misbehave["/latest.rss"] = "500"
    url = server.url("/latest.rss") + "?api_key=SECRET123&api_username=system"
    fa = await make_app(feed_toml("community", url, failing_alert_after='"10m"'))
    for _ in range(4):
        clock.advance(timedelta(minutes=5))
        await fa.poll()
    assert fa.dms.of_kind("health")
    stored = [tuple(r) for r in fa.app.tracker.conn.execute("SELECT key, value FROM kv")]
    everything = logs.text + repr(fa.dms.sent) + repr(stored)
    assert "SECRET123" not in everything
    assert server.url("/latest.rss") + "?…" in everything
