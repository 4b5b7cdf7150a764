"""The JSON topic list the catch-up pages through: the real shape, and anything else never crashes."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.feeds.discourse_json import iso_time, topic_list
from adapters.feeds.translate import FeedSpec
from bot.events import Message, TopicClosed

from .forum import Forum

SPEC = FeedSpec(name="community", kind="discourse")
NOW = datetime(2026, 1, 6, 12, 0, tzinfo=timezone.utc)
T0 = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)


def test_a_page_as_discourse_serves_it():
    forum = Forum()
    forum.topic(7, "About the Support category", "admin", T0, pinned=True)
    forum.topic(11, "Printer offline", "carol", T0 + timedelta(minutes=1))
    forum.reply(11, "dave", T0 + timedelta(minutes=5))
    forum.topic(12, "Closed one", "erin", T0 + timedelta(minutes=2), closed=True)
    page = topic_list(json.loads(forum.latest_json()), SPEC, "https://forum.example.org", observed_at=NOW)
    out = page.listing
    (message,) = [e for e in out.events if isinstance(e, Message)]
    assert (message.id, message.author, message.at, message.starts_topic) == ("11", "carol", T0 + timedelta(minutes=1), True)
    assert message.link == "https://forum.example.org/t/printer-offline/11"
    assert out.threads["11"] == "https://forum.example.org/t/printer-offline/11.rss" and out.counts["11"] == 2
    assert [e.id for e in out.events if isinstance(e, TopicClosed)] == ["12"]
    assert sorted(out.excluded) == ["12", "7"] and out.ids == ["7", "11", "12"]
    assert page.bumped == [T0 + timedelta(minutes=5), T0 + timedelta(minutes=2)]  # the pinned topic says nothing
    assert page.more is False


def test_more_pages_and_dates():
    forum = Forum()
    for n in range(31):
        forum.topic(100 + n, f"Question {n}", "carol", T0 + timedelta(minutes=n))
    assert topic_list(json.loads(forum.latest_json()), SPEC, "https://f", observed_at=NOW).more is True
    assert topic_list(json.loads(forum.latest_json(page=1)), SPEC, "https://f", observed_at=NOW).more is False
    assert iso_time("2026-01-05T10:00:00.000Z") == T0 and iso_time("yesterday") is None and iso_time(5) is None


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(
            st.sampled_from(
                [
                    "id",
                    "users",
                    "username",
                    "topic_list",
                    "topics",
                    "posters",
                    "user_id",
                    "description",
                    "created_at",
                    "title",
                    "slug",
                    "posts_count",
                    "pinned",
                    "closed",
                    "archived",
                    "bumped_at",
                    "more_topics_url",
                ]
            ),
            inner,
            max_size=6,
        )
    ),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_any_json_never_crashes_or_invents(data):
    page = topic_list(data, SPEC, "https://forum.example.org", observed_at=NOW)
    for event in page.listing.events:
        assert event.channel == "community"
        if isinstance(event, Message):
            assert event.starts_topic and event.author.strip() and event.at.tzinfo is not None
