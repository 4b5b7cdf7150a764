"""Fuzzing what member text becomes in a staff DM.

Hostile strings are built from fragments (every mention syntax of Slack, Discord
and markdown, zero-width and bidi characters, nested brackets, backticks,
newlines) and go where member text really goes: a question's excerpt, the asker's
display name, the channel name and the detector's reasons, through the watchdog's
own ``nudge_note``, ``bot.render.neutralise``, and each transport's ``render``.
The checks run on the platform payload that would be sent: Slack blocks mrkdwn
(after escaping) and the Discord embed.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any, Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.discord.outbound import render_note
from adapters.slack.outbound import SlackTransport
from bot import policy
from bot.config import Route
from bot.outbound import ConsoleTransport, Door, Note
from bot.render import neutralise, one_line, plain_name
from bot.store import Question
from bot.watchdog import Watchdog
from tests.conftest import T0

from .harness import CONFIG
from .profile import FUZZ
from .strategies import hostile_text

BROADCAST = re.compile(r"@(everyone|here|channel)", re.IGNORECASE)  # Discord pings "@everyonefoo" too
DISCORD_BROADCAST = re.compile(r"@(everyone|here)", re.IGNORECASE)  # "@channel" means nothing on Discord
SLACK_CONTROL = re.compile("<[@#!](?!\u200b)[^<>]*>")  # <@U1>, <!here>, <#C1|x>; "<@\u200beveryone" is inert
DISCORD_MENTION = re.compile(r"<(@[!&]?|#|/[^<>:]+:)\d+>")
# Characters that hide or reorder text; our own ZWSP (which breaks "@everyone") is the one allowed.
HIDDEN = re.compile("[\u200c-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad\x00-\x08\x0b-\x1f\x7f-\x9f]")
SURROGATE = re.compile("[\ud800-\udfff]")


def live_markdown_links(text: str) -> list[str]:
    """Masked links Discord would render: ``[label](target)`` with neither bracket escaped."""
    unescaped = re.sub(r"\\.", "\x00\x00", text, flags=re.DOTALL)  # an escaped char is inert
    return [m.group(0) for m in re.finditer(r"\[[^\[\]]*\]\(\s*<?[^)\s]+", unescaped)]


def assert_inert(text: str) -> None:
    assert not BROADCAST.search(text), "a broadcast mention survived"
    assert not SLACK_CONTROL.search(text), "a Slack control sequence survived"
    assert not DISCORD_MENTION.search(text), "a Discord mention survived"
    assert not HIDDEN.search(text), "an invisible or direction-changing character survived"


# ------------------------------------------------------------------ neutralise itself


@FUZZ
@given(hostile_text, st.integers(1, 400))
def test_neutralised_text_is_inert_and_capped(text, limit):
    out = neutralise(text, limit=limit)
    assert len(out) <= limit
    assert_inert(out)
    # Every markdown link whose label is not its target shows the target next to it.
    for label, target in re.findall(r"\[([^\]]*)\]\(([^)]*)\)", out):
        assert label.strip() == target.strip(), "a disguised markdown link survived"
    for name in (one_line(text), plain_name(text, "fallback")):
        assert_inert(name) and "\n" not in name


# ------------------------------------------------------------------ the real note, the real payloads


@pytest.fixture(scope="module")
def watchdog(tmp_path_factory) -> Watchdog:
    from bot.config import load_settings
    from bot.store import Tracker

    path = tmp_path_factory.mktemp("render") / "unanswered.toml"
    path.write_text(CONFIG, encoding="utf-8")
    settings, _ = load_settings(path)
    tracker = Tracker(None)
    return Watchdog(settings, tracker, None, Door(settings, tracker, None, dry_run=True, console=ConsoleTransport(quiet=True)))


def nudge(watchdog: Watchdog, platform: str, excerpt: str, author_name: str, channel_name: str, reason: str, link: str | None) -> Note:
    q = Question(
        id=7,
        platform=platform,
        channel="C0HELP0001",
        msg_id="1",
        channel_name=channel_name or None,
        author="U0ASKER01",
        author_name=author_name or None,
        asked_at=T0,
        excerpt=excerpt,
        link=link,
        reasons=[reason] if reason else [],
        first_time=True,
        status="open",
        answered_at=None,
        answered_by=None,
        claimed_by=None,
        step=0,
        nudges_sent=0,
        failures=0,
        next_due=T0 + timedelta(hours=1),
    )
    route = Route(platform=platform, channel="#help", chain=["alice"])
    # As the door sends it: through its one neutralising step (bot.neutralise).
    return watchdog.door.neutral(watchdog.nudge_note(q, route, policy.Decision(send_to="alice", step=1), T0 + timedelta(hours=2)))


def slack_texts(payload: dict[str, Any], link_block: str | None) -> Iterator[str]:
    """Every mrkdwn string of a Slack payload (what Slack parses for mentions and links)."""
    yield payload["text"]
    for block in payload["blocks"]:
        texts = [block.get("text")] + list(block.get("fields") or []) + list(block.get("elements") or [])
        for t in texts:
            if isinstance(t, dict) and t.get("type") == "mrkdwn" and t["text"] != link_block:
                yield t["text"]


LINKS = (
    st.sampled_from(
        [
            None,
            "https://acme.slack.com/archives/C0HELP0001/p1",
            "https://discord.com/channels/1/2/3",
            "javascript:alert(1)",
            "https://evil.example/|<!channel>",
            "http://x.example/a b",
        ]
    )
    | hostile_text
)

# What the tracker hands back: SQLite cannot store a lone surrogate, so none reaches a note.
stored = hostile_text.map(lambda t: SURROGATE.sub("", t))
texts = dict(excerpt=stored, author_name=stored, channel_name=stored, reason=stored, link=LINKS.map(lambda t: t and SURROGATE.sub("", t)))


@FUZZ
@given(**texts)
def test_slack_dm_payload_cannot_ping_or_disguise(watchdog, excerpt, author_name, channel_name, reason, link):
    note = nudge(watchdog, "slack", excerpt, author_name, channel_name, reason, link)
    rendered = SlackTransport(client=None).render(note, "nudge:7:0")  # type: ignore[arg-type]  # rendering needs no client
    ours = f"<{link}|Open in Slack>" if isinstance(link, str) else None
    assert_inert(rendered.payload["blocks"][0]["text"]["text"])  # the header: the channel's name is in it
    assert_inert(rendered.text)  # what is audited and what the console prints
    for text in slack_texts(rendered.payload, ours):
        # With & < > escaped, Slack can form no mention, broadcast or link from member text.
        assert "<" not in text and ">" not in text.replace("\n> ", "\n").removeprefix("> "), text
        assert not re.search(r"&(?!amp;|lt;|gt;)", text), "an unescaped & lets an entity through"
        assert_inert_words(text)
    link_blocks = [b for b in rendered.payload["blocks"] if b["type"] == "section" and b.get("text", {}).get("text") == ours]
    if ours and link_blocks:
        assert link.startswith("https://") and not re.search(r"[<>|\s]", link)
        assert re.match(r"https://([\w-]+\.)*slack\.com/", link), "a labelled link to a host that is not Slack's"


def assert_inert_words(text: str) -> None:
    assert not BROADCAST.search(text), "a broadcast mention survived"
    assert not SURROGATE.search(text)


@FUZZ
@given(**texts)
def test_discord_dm_embed_cannot_ping_or_disguise(watchdog, excerpt, author_name, channel_name, reason, link):
    note = nudge(watchdog, "discord", excerpt, author_name, channel_name, reason, link)
    rendered = render_note(note, "nudge:7:0")
    embed = rendered.payload["embed"]
    parts = [embed["title"], embed.get("description", ""), embed["footer"]["text"]]
    for f in embed["fields"]:
        if f["name"] == "Link":
            assert re.fullmatch(r"\[Open in Discord\]\(https?://([\w-]+\.)*discord(app)?\.com/[^\s()<>\[\]]*\)", f["value"])
            continue
        parts += [f["name"], f["value"]]
    assert_inert(rendered.text)
    for text in parts:
        assert not DISCORD_BROADCAST.search(text), "a broadcast mention survived"
        assert not DISCORD_MENTION.search(text), "a Discord mention survived"
        assert not live_markdown_links(text), "a masked link survived"
    if "url" in embed:
        assert re.fullmatch(r"https?://[^\s()<>\[\]]+", embed["url"])


@FUZZ
@given(hostile_text, hostile_text)
def test_the_quoted_excerpt_is_neutralised_before_any_transport(watchdog, excerpt, author_name):
    """The quote and the asker's name in the note are neutralised already (defence in depth)."""
    note = nudge(watchdog, "slack", excerpt, author_name, "help", "", None)
    assert_inert(note.quote or "")
    asked_by = dict(note.fields)["Asked by"]
    assert_inert(asked_by) and "\n" not in asked_by
