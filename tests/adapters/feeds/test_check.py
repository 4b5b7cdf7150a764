"""check_feeds: a feed URL that is not a feed is a clear error at check-config time."""

from __future__ import annotations

from adapters.feeds.check import check_feeds

from .conftest import PEOPLE, feed_toml


async def test_good_feeds_pass_with_notes(server, make_settings, clock):
    server.forum.topic(1, "Question", "carol", clock.now())
    server.blog.post(1, "Blog question", "carol", clock.now())
    settings = make_settings(PEOPLE + feed_toml("community", server.url("/latest.rss")) + feed_toml("blog", server.url("/blog/feed/"), kind="rss"))
    notes: list[str] = []
    assert await check_feeds(settings, notes=notes) == []
    assert any("'community'" in n and "topic's own feed" in n for n in notes)
    assert any("'community'" in n and "catch-up after downtime: pages back through" in n for n in notes)
    assert any("'blog'" in n and "answered = a reply" in n for n in notes)


async def test_what_is_not_a_feed_is_a_clear_problem(server, make_settings, clock):
    server.forum.topic(1, "Question", "carol", clock.now())
    server.forum.topic(2, "Another", "erin", clock.now())
    server.misbehave["/login-wall.rss"] = "login"
    server.misbehave["/gone.rss"] = "410"
    server.raw["posts.rss"] = (server.forum.posts_rss(), "application/rss+xml")
    server.raw["blog.rss"] = (server.blog.feed(), "application/rss+xml")
    toml = PEOPLE + "".join(
        feed_toml(name, server.url(path))
        for name, path in [("wall", "/login-wall.rss"), ("gone", "/gone.rss"), ("posts", "/raw/posts.rss"), ("blog", "/raw/blog.rss")]
    )
    toml += '[[feeds]]\nname = "typo"\nurl = "forum.example.org/latest.rss"\n'
    toml += '[[feeds]]\nname = "down"\nurl = "http://127.0.0.1:9/latest.rss"\ntimeout = "2s"\n'
    notes: list[str] = []
    problems = await check_feeds(make_settings(toml), notes=notes)
    text = "\n".join(problems)
    assert len(problems) == 6, text
    assert f"feeds[0] ('wall'): {server.url('/login-wall.rss')} is not a feed: it is an HTML page" in text
    assert "for Discourse use https://<forum>/latest.rss" in text
    assert f"feeds[1] ('gone'): {server.url('/gone.rss')}: HTTP 410" in text
    assert "feeds[2] ('posts')" in text and "lists posts, not topics" in text
    assert "feeds[3] ('blog')" in text and "does not look like a Discourse topic list" in text
    assert "feeds[4] ('typo'): url 'forum.example.org/latest.rss' is not an http(s) URL" in text
    assert "feeds[5] ('down')" in text and "cannot connect" in text
    assert any("'typo'" in n and "will not be polled" in n for n in notes)


async def test_a_private_category_checks_with_the_key_and_says_when_catch_up_is_unavailable(server, make_settings, clock):
    server.forum.private = {99}
    server.forum.topic(1, "Staff question", "carol", clock.now(), category="Staff", category_slug="staff", category_id=99)
    server.misbehave["/c/staff/99.json"] = "404"
    toml = PEOPLE + feed_toml("staff", server.url("/c/staff/99.rss"))
    assert "HTTP 403" in " ".join(await check_feeds(make_settings(toml)))
    notes: list[str] = []
    settings = make_settings(toml, UNANSWERED_DISCOURSE__API_KEY=server.forum.api_key, UNANSWERED_DISCOURSE__API_USERNAME=server.forum.api_user)
    assert await check_feeds(settings, notes=notes) == []
    assert any("catch-up after downtime unavailable" in n and "HTTP 404" in n for n in notes)
    assert all(server.forum.api_key not in n for n in notes)
