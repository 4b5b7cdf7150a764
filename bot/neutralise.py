"""The one neutralising step every outbound note goes through (the door runs it).

Member- and platform-supplied strings reach a note in many places: the excerpt, the
asker's and the channel's names, a topic title, a platform's error text in a health
note, the link. Callers neutralise what they quote (``bot.render``), but the door
does not trust that: ``neutral_note`` makes every string of the note inert (no
mention, broadcast, link label, markdown link, control character, terminal escape
or NUL survives) and keeps a link only when it is an http(s) URL to the host the
question's platform really uses. What is audited and printed is this note's text,
so the audit, the console and ``status`` see the same inert strings.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Iterable
from urllib.parse import urlsplit

from .render import neutralise, one_line
from .transport import Note  # the vocabulary, not the door: the door imports this module

TITLE_LIMIT = 300
LINE_LIMIT = 1000
BODY_LIMIT = 20_000

# Where a question's link may point, per platform (the feeds' own hosts are added for forums).
PLATFORM_HOSTS = {
    "slack": ("slack.com",),  # and any workspace under it: acme.slack.com, acme.enterprise.slack.com
    "discord": ("discord.com", "discordapp.com"),  # and ptb./canary. under them
}
LINK_LABELS = {
    "slack": "Open in Slack",
    "discord": "Open in Discord",
    "forum": "Open the topic on the forum",
}
DEFAULT_LABEL = "Open the link"


def link_label(source: str | None) -> str:
    """The label of a note's link: it names the platform the link really goes to."""
    return LINK_LABELS.get(source or "", DEFAULT_LABEL)


def _host_allowed(host: str, allowed: Iterable[str]) -> bool:
    return any(host == a or host.endswith("." + a) for a in allowed)


def checked_link(url: str | None, source: str | None, forum_hosts: Iterable[str] = ()) -> str | None:
    """``url`` if it is a plain http(s) URL to the expected host of ``source``, else None.

    Nothing that could break out of a platform's link syntax (spaces, ``<>|()[]``,
    quotes, control characters) and no credentials in the URL (``https://slack.com@evil``).
    """
    if not url or len(url) > 2000 or any(c in url for c in " <>|()[]\"'`\\") or not url.isprintable():
        return None
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.hostname or "@" in parts.netloc:
        return None
    allowed = tuple(forum_hosts) if source == "forum" else PLATFORM_HOSTS.get(source or "", ())
    if not _host_allowed(parts.hostname.lower(), allowed):
        return None
    return url


def feed_hosts(urls: Iterable[str]) -> tuple[str, ...]:
    """The hosts of the configured feeds: where a forum question's link may point."""
    hosts = []
    for url in urls:
        try:
            host = urlsplit(url).hostname
        except ValueError:
            continue
        if host:
            hosts.append(host.lower())
    return tuple(hosts)


def text(value: str, limit: int = LINE_LIMIT) -> str:
    """One string of a note, inert (multi-line allowed)."""
    return neutralise(value, limit=limit) if value else value


def neutral_note(note: "Note", forum_hosts: Iterable[str] = ()) -> "Note":
    """The note with every string inert and its link checked; the image is left as it is."""
    link = checked_link(note.link, note.source, forum_hosts)
    fields = tuple((one_line(label, 80), text(value)) for label, value in note.fields)
    if note.link and link is None:
        # Not where the platform's links go: shown as plain, inert text, never as a labelled link.
        fields += (("Link (not verified)", one_line(note.link, 200)),)
    return replace(
        note,
        title=one_line(note.title, TITLE_LIMIT),
        fields=fields,
        quote=text(note.quote) if note.quote else note.quote,
        link=link,
        reason=text(note.reason),
        footer=one_line(note.footer, TITLE_LIMIT) if note.footer else note.footer,
        body=text(note.body, BODY_LIMIT),
        image_name=one_line(note.image_name, 80) or "chart.png",
    )


def for_terminal(value: str | None, limit: int = 200) -> str:
    """A member- or platform-supplied string as ``status``/``replay`` print it: one inert line."""
    return one_line(value or "", limit)
