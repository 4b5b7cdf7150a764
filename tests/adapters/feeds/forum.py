"""A tiny model of a Discourse forum and a blog that render their feeds like the real ones.

Markup follows Discourse's own templates (``list.rss.erb`` for latest/category
feeds, ``topics/show.rss.erb`` for a topic's feed) and WordPress's RSS 2.0 with
``wfw:commentRss`` / ``slash:comments``; tests change the model between polls.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from email.utils import format_datetime
from html import escape

GUID_HOST = "forum.example.org"
PER_PAGE = 30  # Discourse's listings (RSS and each JSON page) carry the newest 30 topics


def iso(at: datetime) -> str:
    return at.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def rfc2822(at: datetime) -> str:
    return format_datetime(at, usegmt=False).replace("-0000", "+0000")


@dataclass
class Post:
    number: int
    username: str
    at: datetime
    html: str


@dataclass
class Topic:
    id: int
    slug: str
    title: str
    category: str
    category_slug: str
    category_id: int
    posts: list[Post] = field(default_factory=list)
    pinned: bool = False
    closed: bool = False
    archived: bool = False

    @property
    def author(self) -> str:
        return self.posts[0].username

    @property
    def at(self) -> datetime:
        return self.posts[0].at

    @property
    def bumped(self) -> datetime:
        return self.posts[-1].at


class Forum:
    """A Discourse model. ``private`` category ids are visible only with ``api_key``/``api_user`` headers."""

    def __init__(self, base: str = "https://forum.example.org") -> None:
        self.base = base
        self.topics: dict[int, Topic] = {}
        self.title = "Example Community"
        self.private: set[int] = set()
        self.api_key = "test-key-0123456789abcdef"
        self.api_user = "unanswered-bot"

    def visible(self, *, authed: bool, category_id: int | None = None) -> list[Topic]:
        """Topics a listing shows, in Discourse's order: pinned first, then by latest activity."""
        topics = [t for t in self.topics.values() if authed or t.category_id not in self.private]
        if category_id is not None:
            topics = [t for t in topics if t.category_id == category_id]
        return sorted(topics, key=lambda t: (not t.pinned, -t.bumped.timestamp(), -t.id))

    def topic(
        self,
        id: int,
        title: str,
        author: str,
        at: datetime,
        html: str = "<p>Any ideas?</p>",
        *,
        category: str = "Support",
        category_slug: str = "support",
        category_id: int = 5,
        **flags: bool,
    ) -> Topic:
        slug = "-".join(title.lower().replace("?", "").split())[:40]
        t = Topic(id, slug, title, category, category_slug, category_id, [Post(1, author, at, html)], **flags)
        self.topics[id] = t
        return t

    def reply(self, topic_id: int, username: str, at: datetime, html: str = "<p>Try turning it off and on.</p>") -> Post:
        t = self.topics[topic_id]
        post = Post(len(t.posts) + 1, username, at, html)
        t.posts.append(post)
        return post

    def topic_url(self, t: Topic) -> str:
        return f"{self.base}/t/{t.slug}/{t.id}"

    # -------------------------------------------------------------- list.rss.erb

    def latest_rss(self, *, category_id: int | None = None, authed: bool = False) -> bytes:
        topics = self.visible(authed=authed, category_id=category_id)[:PER_PAGE]
        if category_id is not None:
            one = next((t for t in self.topics.values() if t.category_id == category_id), None)
            name, slug = (one.category, one.category_slug) if one else ("Support", "support")
            path = f"{self.base}/c/{slug}/{category_id}"
            title, link, self_url = f"{self.title} - {name}", path, f"{path}.rss"
        else:
            title, link, self_url = f"{self.title} - Latest topics", f"{self.base}/latest", f"{self.base}/latest.rss"
        items = []
        for t in topics:
            url = self.topic_url(t)
            n = len(t.posts)
            people = len({p.username for p in t.posts})
            items.append(f"""      <item>
        <title>{escape(t.title)}</title>
        <dc:creator><![CDATA[{t.author}]]></dc:creator>
        <category>{escape(t.category)}</category>
        <description><![CDATA[
          {t.posts[0].html}
          <p><small>{n} post{"s" if n != 1 else ""} - {people} participant{"s" if people != 1 else ""}</small></p>
          <p><a href="{url}">Read full topic</a></p>
        ]]></description>
        <link>{url}</link>
        <pubDate>{rfc2822(t.at)}</pubDate>
        <discourse:topicPinned>{"Yes" if t.pinned else "No"}</discourse:topicPinned>
        <discourse:topicClosed>{"Yes" if t.closed else "No"}</discourse:topicClosed>
        <discourse:topicArchived>{"Yes" if t.archived else "No"}</discourse:topicArchived>
        <guid isPermaLink="false">{GUID_HOST}-topic-{t.id}</guid>
        <source url="{url}.rss">{escape(t.title)}</source>
      </item>""")
        build = rfc2822(topics[0].at) if topics else ""
        return f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:discourse="http://www.discourse.org/" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>{escape(title)}</title>
    <link>{link}</link>
    <description>Latest topics</description>
    <language>en</language>
    <lastBuildDate>{build}</lastBuildDate>
    <atom:link href="{self_url}" rel="self" type="application/rss+xml" />
{chr(10).join(items)}
  </channel>
</rss>
""".encode()

    # -------------------------------------------------------------- /latest.json, /c/<slug>/<id>.json

    def latest_json(self, *, page: int = 0, category_id: int | None = None, authed: bool = False) -> bytes:
        """A topic list page as Discourse serves it: ``users[]`` and ``topic_list.topics[]``."""
        every = self.visible(authed=authed, category_id=category_id)
        topics = every[page * PER_PAGE : (page + 1) * PER_PAGE]
        names = sorted({p.username for t in topics for p in t.posts})
        ids = {name: n + 1 for n, name in enumerate(names)}
        listed = []
        for t in topics:
            posters = [{"extras": None, "description": "Original Poster", "user_id": ids[t.author], "primary_group_id": None}]
            posters += [
                {"extras": None, "description": "Frequent Poster", "user_id": ids[u], "primary_group_id": None}
                for u in sorted({p.username for p in t.posts[1:]} - {t.author})
            ]
            listed.append(
                {
                    "id": t.id,
                    "title": t.title,
                    "fancy_title": escape(t.title),
                    "slug": t.slug,
                    "posts_count": len(t.posts),
                    "reply_count": len(t.posts) - 1,
                    "highest_post_number": len(t.posts),
                    "image_url": None,
                    "created_at": iso(t.at),
                    "last_posted_at": iso(t.bumped),
                    "bumped": True,
                    "bumped_at": iso(t.bumped),
                    "archetype": "regular",
                    "unseen": False,
                    "pinned": t.pinned,
                    "unpinned": None,
                    "visible": True,
                    "closed": t.closed,
                    "archived": t.archived,
                    "bookmarked": None,
                    "liked": None,
                    "views": 3,
                    "like_count": 0,
                    "has_summary": False,
                    "last_poster_username": t.posts[-1].username,
                    "category_id": t.category_id,
                    "pinned_globally": False,
                    "featured_link": None,
                    "posters": posters,
                }
            )
        path = "/latest" if category_id is None else f"/c/{topics[0].category_slug if topics else 'c'}/{category_id}"
        topic_list: dict = {"can_create_topic": False, "per_page": PER_PAGE, "topics": listed}
        if len(every) > (page + 1) * PER_PAGE:
            topic_list["more_topics_url"] = f"{path}?page={page + 1}"
        users = [{"id": ids[n], "username": n, "name": n.title(), "avatar_template": f"/letter_avatar/{n}/{{size}}/1.png"} for n in names]
        return json.dumps({"users": users, "primary_groups": [], "topic_list": topic_list}).encode()

    def posts_rss(self) -> bytes:
        """``/posts.rss``: the latest posts of every topic (not a topic list)."""
        body = b"".join(self.topic_rss(t).split(b"<item>", 1)[1].rsplit(b"</channel>", 1)[0].join([b"<item>", b""]) for t in sorted(self.topics))
        head = self.topic_rss(min(self.topics)).split(b"<item>", 1)[0]
        return head + body + b"</channel>\n</rss>\n"

    # -------------------------------------------------------------- topics/show.rss.erb

    def topic_rss(self, topic_id: int) -> bytes:
        t = self.topics[topic_id]
        url = self.topic_url(t)
        items = []
        for p in reversed(t.posts):  # newest first, as Discourse lists them
            items.append(f"""      <item>
        <title>{escape(t.title)}</title>
        <dc:creator><![CDATA[{p.username}]]></dc:creator>
        <description><![CDATA[
          {p.html}
        ]]></description>
        <link>{url}/{p.number}</link>
        <pubDate>{rfc2822(p.at)}</pubDate>
        <guid isPermaLink="false">{GUID_HOST}-post-{t.id}-{p.number}</guid>
        <source url="{url}.rss">{escape(t.title)}</source>
      </item>""")
        return f"""<?xml version="1.0" encoding="UTF-8" ?>
<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom">
  <channel>
    <title>{escape(t.title)}</title>
    <link>{url}</link>
    <description>{escape(t.posts[0].html)}</description>
    <atom:link href="{url}.rss" rel="self" type="application/rss+xml" />
{chr(10).join(items)}
  </channel>
</rss>
""".encode()


@dataclass
class Comment:
    id: int
    author: str
    at: datetime


@dataclass
class Article:
    id: int
    title: str
    author: str
    at: datetime
    comments: list[Comment] = field(default_factory=list)


class Blog:
    """WordPress-shaped RSS 2.0: items carry wfw:commentRss (optional) and slash:comments."""

    def __init__(self, base: str, *, comment_feeds: bool = True, counts: bool = True) -> None:
        self.base = base
        self.comment_feeds = comment_feeds
        self.counts = counts
        self.articles: dict[int, Article] = {}

    def post(self, id: int, title: str, author: str, at: datetime) -> Article:
        a = self.articles[id] = Article(id, title, author, at)
        return a

    def comment(self, article: int, author: str, at: datetime) -> None:
        a = self.articles[article]
        a.comments.append(Comment(len(a.comments) + 1, author, at))

    def feed(self) -> bytes:
        items = []
        for a in sorted(self.articles.values(), key=lambda a: a.at, reverse=True):
            link = f"{self.base}/blog/{a.id}/"
            extra = ""
            if self.comment_feeds:
                extra += f"\n\t\t<wfw:commentRss>{self.base}/blog/{a.id}/feed/</wfw:commentRss>"
            if self.counts:
                extra += f"\n\t\t<slash:comments>{len(a.comments)}</slash:comments>"
            items.append(f"""\t<item>
\t\t<title>{escape(a.title)}</title>
\t\t<link>{link}</link>
\t\t<comments>{link}#comments</comments>
\t\t<dc:creator><![CDATA[{a.author}]]></dc:creator>
\t\t<pubDate>{rfc2822(a.at)}</pubDate>
\t\t<category><![CDATA[Help]]></category>
\t\t<guid isPermaLink="false">{self.base}/?p={a.id}</guid>
\t\t<description><![CDATA[<p>{escape(a.title)} &#8230;</p>]]></description>{extra}
\t</item>""")
        return f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:wfw="http://wellformedweb.org/CommentAPI/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:atom="http://www.w3.org/2005/Atom"
\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"
\txmlns:slash="http://purl.org/rss/1.0/modules/slash/"
\t>
<channel>
\t<title>Example Help Blog</title>
\t<atom:link href="{self.base}/blog/feed/" rel="self" type="application/rss+xml" />
\t<link>{self.base}/blog</link>
\t<description>Questions and answers</description>
\t<language>en-US</language>
{chr(10).join(items)}
</channel>
</rss>
""".encode()

    def comments_feed(self, article: int) -> bytes:
        a = self.articles[article]
        items = "\n".join(
            f"""\t<item>
\t\t<title>By: {escape(c.author)}</title>
\t\t<link>{self.base}/blog/{a.id}/#comment-{c.id}</link>
\t\t<dc:creator><![CDATA[{c.author}]]></dc:creator>
\t\t<pubDate>{rfc2822(c.at)}</pubDate>
\t\t<guid isPermaLink="false">{self.base}/blog/{a.id}/#comment-{c.id}</guid>
\t\t<description><![CDATA[A comment.]]></description>
\t</item>"""
            for c in a.comments
        )
        return f"""<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"
\txmlns:content="http://purl.org/rss/1.0/modules/content/"
\txmlns:dc="http://purl.org/dc/elements/1.1/"
\txmlns:atom="http://www.w3.org/2005/Atom"
\t>
<channel>
\t<title>Comments on: {escape(a.title)}</title>
\t<atom:link href="{self.base}/blog/{a.id}/feed/" rel="self" type="application/rss+xml" />
\t<link>{self.base}/blog/{a.id}/</link>
\t<description>Questions and answers</description>
{items}
</channel>
</rss>
""".encode()


def atom_feed(base: str, entries: list[tuple[str, str, str, datetime]]) -> bytes:
    """A GitHub-Discussions-like Atom 1.0 feed (no comment information): (id, title, author, at)."""
    body = "\n".join(
        f"""  <entry>
    <id>tag:github.com,2008:Discussion/{ident}</id>
    <published>{at.isoformat().replace("+00:00", "Z")}</published>
    <updated>{at.isoformat().replace("+00:00", "Z")}</updated>
    <link type="text/html" rel="alternate" href="{base}/discussions/{ident}"/>
    <title>{escape(title)}</title>
    <content type="html">&lt;p&gt;{escape(title)}&lt;/p&gt;</content>
    <author>
      <name>{escape(author)}</name>
      <uri>https://github.com/{escape(author)}</uri>
    </author>
  </entry>"""
        for ident, title, author, at in entries
    )
    newest = max((e[3] for e in entries), default=None)
    updated = newest.isoformat().replace("+00:00", "Z") if newest else "2026-01-01T00:00:00Z"
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-US">
  <id>tag:github.com,2008:/example/project/discussions</id>
  <link type="text/html" rel="alternate" href="{base}/discussions"/>
  <link type="application/atom+xml" rel="self" href="{base}/discussions.atom"/>
  <title>Discussions in example/project</title>
  <updated>{updated}</updated>
{body}
</feed>
""".encode()
