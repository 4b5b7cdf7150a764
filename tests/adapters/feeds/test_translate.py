"""translate.py: parsed feeds -> core events (pure), on hand-written fixtures shaped like the real feeds."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from adapters.feeds import text, translate
from adapters.feeds.parse import NotAFeed, parse
from adapters.feeds.translate import COMMENTER, FeedSpec
from bot.events import Message, TopicClosed

PAYLOADS = Path(__file__).parent / "payloads"
DISCOURSE = FeedSpec(name="community", kind="discourse", bots=frozenset({"helper-bot"}))
GENERIC = FeedSpec(name="blog", kind="rss")
NOW = datetime(2026, 1, 5, 16, 0, tzinfo=timezone.utc)


def load(path: str):
    return parse((PAYLOADS / path).read_bytes(), url="https://example/" + path)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=timezone.utc)


def test_discourse_latest_topics():
    out = translate.listing(load("discourse/latest.rss"), DISCOURSE, observed_at=NOW)
    topics = [e for e in out.events if isinstance(e, Message)]
    assert [t.id for t in topics] == ["1202", "1201", "1203"]  # the pinned About topic is not one
    reset = topics[1]
    assert reset == Message(
        platform="forum",
        channel="community",
        id="1201",
        author="carol",
        at=utc(2026, 1, 5, 10, 0),
        text="How do I reset my password?\nI forgot my password and the reset mail never arrives. What can I do?",
        author_name="carol",
        link="https://forum.example.org/t/how-do-i-reset-my-password/1201",
        channel_name="Support",
        starts_topic=True,
    )
    assert reset.is_top_level
    # Discourse's footer ("3 posts - 2 participants", "Read full topic") is not member text; localised too.
    assert all("participant" not in t.text and "Read full topic" not in t.text for t in topics)
    assert topics[2].text == "Wie exportiere ich meine Daten?\nGibt es einen Export?"
    assert "GET /session/sso_login 302" in topics[0].text and "@staffbob" in topics[0].text
    assert out.counts == {"1202": 2, "1201": 3, "1203": 1}
    assert out.threads["1201"] == "https://forum.example.org/t/how-do-i-reset-my-password/1201.rss"
    assert out.answers == translate.BY_THREAD_FEED
    closed = [e for e in out.events if isinstance(e, TopicClosed)]
    assert closed == [TopicClosed(platform="forum", channel="community", id="1100", at=NOW)]


def test_discourse_topic_feed_gives_its_opener_and_its_replies():
    out = translate.thread(load("discourse/t/how-do-i-reset-my-password/1201.rss"), DISCOURSE, "1201")
    assert [(m.id, m.author, m.at, m.thread) for m in out.events] == [
        ("1201", "carol", utc(2026, 1, 5, 10, 0), None),  # post 1 is the topic: its opener, same id as a listing's
        ("forum.example.org-post-1201-2", "carol", utc(2026, 1, 5, 10, 20), "1201"),
        ("forum.example.org-post-1201-3", "dave", utc(2026, 1, 5, 10, 40), "1201"),
    ]
    opener, *replies = out.events
    assert opener.starts_topic and opener.text.startswith("How do I reset my password")
    assert all(not m.is_top_level and m.text == "" for m in replies)  # reply text is never carried


def test_discourse_system_and_configured_bots_are_bots():
    out = translate.thread(load("discourse/t/sso-login-loop-after-upgrade/1202.rss"), DISCOURSE, "1202")
    replies = [m for m in out.events if m.thread is not None]
    assert [(m.author, m.author_is_bot) for m in replies] == [("erin", False), ("system", True)]
    assert DISCOURSE.is_bot("Helper-Bot") and not GENERIC.is_bot("system")


def test_a_topic_feed_of_another_topic_gives_nothing():
    out = translate.thread(load("discourse/t/sso-login-loop-after-upgrade/1202.rss"), DISCOURSE, "999")
    assert out.events == [] and len(out.skipped) == 3


def test_topics_older_than_the_horizon_are_not_questions():
    out = translate.listing(load("discourse/latest.rss"), DISCOURSE, not_before=utc(2026, 1, 5, 11, 0))
    assert [e.id for e in out.events if isinstance(e, Message)] == ["1202", "1203"]


def test_wordpress_items_with_comment_feeds_and_counts():
    out = translate.listing(load("generic/wordpress.rss"), GENERIC, observed_at=NOW)
    pi, notes, notes_count = out.events
    assert (pi.id, pi.author, pi.channel_name, pi.at) == ("https://help.example.net/?p=42", "henry", "help.example.net", utc(2026, 1, 5, 11))
    assert pi.text == "Can I run the app on a Raspberry Pi?\nI have a Pi 4 with 2 GB. Is that enough?"  # no script
    assert out.threads == {"https://help.example.net/?p=42": "https://help.example.net/2026/01/05/raspberry-pi/feed/"}
    # An item with only a count: one synthetic reply, dated when we saw the count.
    assert notes_count == Message(
        platform="forum",
        channel="blog",
        id="https://help.example.net/?p=41#comments",
        author=COMMENTER,
        at=NOW,
        thread="https://help.example.net/?p=41",
        author_name=COMMENTER,
    )
    assert out.counts == {"https://help.example.net/?p=42": 2, "https://help.example.net/?p=41": 5}
    assert out.answers == translate.BY_COMMENT_COUNT  # the weakest item decides


def test_wordpress_comment_feed_gives_comments_under_their_item():
    out = translate.thread(load("generic/wordpress-comments-42.rss"), GENERIC, "https://help.example.net/?p=42")
    assert [(m.author, m.thread) for m in out.events] == [("henry", "https://help.example.net/?p=42"), ("ivy", "https://help.example.net/?p=42")]


def test_stack_exchange_atom_cannot_tell_when_answered():
    out = translate.listing(load("generic/stackexchange.atom"), GENERIC)
    (q,) = out.events
    assert (q.id, q.author, q.at) == ("https://stackoverflow.com/q/79000001", "jules", utc(2026, 1, 5, 14))
    assert q.text == 'Why does example-app crash with "SIGILL" on ARM?\nIt crashes right after start on my aarch64 box.'
    assert q.link == "https://stackoverflow.com/questions/79000001/why-does-example-app-crash"
    assert out.answers == translate.CANNOT_TELL and out.threads == {} and out.counts == {}


def test_atom_replies_link_is_a_comment_feed():
    body = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
<title>t</title><id>urn:t</id><updated>2026-01-05T10:00:00Z</updated>
<entry><id>urn:e1</id><title>Q</title><published>2026-01-05T10:00:00Z</published><updated>2026-01-05T10:00:00Z</updated>
<author><name>kim</name></author><link rel="alternate" href="https://x.example/1"/>
<link rel="replies" type="application/atom+xml" href="https://x.example/1/replies.atom" thr:count="0"/></entry></feed>"""
    out = translate.listing(parse(body), GENERIC)
    assert out.threads == {"urn:e1": "https://x.example/1/replies.atom"} and out.counts == {"urn:e1": 0}
    assert out.answers == translate.BY_THREAD_FEED


def test_rss_author_email_is_reduced_to_the_name_and_feed_author_is_the_fallback():
    body = b"""<rss version="2.0"><channel><title>t</title><link>https://x.example/</link><description>d</description>
<managingEditor>ed@x.example (Editor)</managingEditor>
<item><guid>a</guid><title>A</title><author>lee@x.example (Lee)</author><pubDate>Mon, 05 Jan 2026 10:00:00 GMT</pubDate></item>
<item><guid>b</guid><title>B</title><pubDate>Mon, 05 Jan 2026 10:00:00 GMT</pubDate></item>
</channel></rss>"""
    out = translate.listing(parse(body), GENERIC)
    assert [m.author for m in out.events] == ["Lee", "Editor"]


def test_titles_and_html_are_plain_text():
    assert text.html_to_text("<p>a &amp; b</p><script>x()</script><ul><li>one</li><li>two</li></ul>") == "a & b\none\ntwo"
    assert text.html_to_text("<p>" + "x" * 1000 + "</p>", limit=10) == "x" * 9 + "…"
    assert text.html_to_text("<p unclosed <b>") == ""


@pytest.mark.parametrize(
    "guid, link, expected",
    [
        ("forum.example.org-topic-77", "", "77"),
        ("", "https://forum.example.org/t/some-slug/78", "78"),
        ("", "https://forum.example.org/t/79", "79"),
        ("", "https://forum.example.org/t/some-slug/80/4", None),  # a post link, not a topic
        ("weird", "https://forum.example.org/latest", None),
    ],
)
def test_discourse_topic_ids(guid, link, expected):
    assert translate.discourse_topic_id({"id": guid, "link": link}) == expected


def test_detection_of_discourse_feeds():
    assert translate.is_discourse(load("discourse/latest.rss"))
    assert translate.is_discourse_topic_feed(load("discourse/t/how-do-i-reset-my-password/1201.rss")) == "1201"
    assert translate.is_discourse_topic_feed(load("discourse/latest.rss")) is None
    assert not translate.is_discourse(load("generic/wordpress.rss"))


def test_malformed_entries_never_raise():
    weird = {"entries": [{}, None, {"id": 5}, {"title": ["x"]}, {"id": "x-topic-1", "published_parsed": "nope"}], "feed": None}
    for spec in (DISCOURSE, GENERIC):
        out = translate.listing(weird, spec, observed_at=NOW)
        assert [e for e in out.events if isinstance(e, Message)] == []
        translate.thread(weird, spec, "1", observed_at=NOW)


def test_parse_refuses_what_is_not_a_feed():
    with pytest.raises(NotAFeed, match="HTML page"):
        parse(b"\xef\xbb\xbf  <!DOCTYPE html><html><body>x</body></html>")
    with pytest.raises(NotAFeed, match="empty"):
        parse(b"   ")


@pytest.mark.parametrize("creator, expected", [("carol", "carol"), ("@carol Carol Smith", "carol"), ("lee@example.com (Lee Smith)", "Lee Smith"), ("  ", None)])
def test_author_forms(creator, expected):
    assert translate.entry_author({"author": creator}) == expected
