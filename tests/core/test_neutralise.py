"""The door's one neutralising step: hostile names, channel names, excerpts and links, wherever they are shown.

A member (or a platform) controls the excerpt, the asker's display name, the
channel's name and the link. None of them may ping, disguise a link, or reach a
terminal as an escape sequence: not in the DM (the real Slack and Discord
renderers), not on the console (dry run), not in the audit, not in ``status``.
"""

from __future__ import annotations

import io
import re

import pytest
from click.testing import CliRunner

from adapters.discord.outbound import DiscordTransport
from adapters.slack.outbound import SlackTransport
from bot.cli import main
from bot.events import Message
from bot.neutralise import checked_link, link_label, neutral_note
from bot.outbound import ConsoleTransport, Door, Note
from bot.render import neutralise
from bot.watchdog import Watchdog

from .helpers import BASE_TOML, RecordingTransport, advance, at

HOSTILE = (
    "@everyone <!here> <@U0BOSS> <@123456789012345678> <@&123456789012345678> [bank.example](http://evil.example) \x1b[31mred\x1b]0;title\x07 \x00nul\x9b2J"
)
FORBIDDEN = [
    re.compile(r"@(everyone|here|channel)\b", re.I),  # a broadcast (ours carries a zero-width space after the @)
    re.compile("<[@#!](?!\u200b)"),  # a Slack or Discord mention token
    re.compile(r"\[[^\]]*\]\([^)]*\)"),  # a markdown link
    re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]"),  # control characters, ESC, NUL, the C1 CSI
]


def assert_inert(text: str) -> None:
    for pattern in FORBIDDEN:
        assert not pattern.search(text), f"{pattern.pattern!r} survived in {text!r}"


def hostile_question(platform: str = "slack", link: str | None = "https://evil.example/phish") -> Message:
    return Message(
        platform=platform,
        channel="C1",
        id="1.0",
        author="UMEMBER",
        at=at(0),
        text="How do I reset it? " + HOSTILE,
        author_name=HOSTILE,
        channel_name=HOSTILE,
        link=link,
    )


@pytest.fixture
def settings(make_settings, tmp_path):
    return make_settings(BASE_TOML + f'\n[storage]\npath = "{tmp_path / "unanswered.db"}"\n')


async def test_a_hostile_question_is_inert_in_the_dm_the_console_the_audit_and_status(settings, tracker, clock, tmp_path):
    transport = RecordingTransport()
    console = io.StringIO()
    door = Door(settings, tracker, clock, {"slack": transport})
    dog = Watchdog(settings, tracker, clock, door)
    dog.ingest(hostile_question())
    assert await advance(dog, clock, 61) == 1
    ((_, rendered, _),) = transport.delivered
    assert_inert(rendered.text)
    assert "evil.example" in rendered.text  # the hostile link is shown for what it is, plain
    (row,) = tracker.audit_rows(kind="nudge")
    assert_inert(row["text"]) and assert_inert(row["reason"])

    # The same question through the real renderers and the console.
    note = door.neutral(dog.nudge_note(tracker.questions()[0], settings.routes[0], __import__("bot.policy").policy.Decision(step=0), clock.now()))
    slack = SlackTransport(client=None).render(note, "k")  # type: ignore[arg-type]  # rendering needs no client
    assert_inert(slack.payload["blocks"][0]["text"]["text"])  # the header carries the channel's name
    discord = DiscordTransport(lambda: None).render(note, "k")  # type: ignore[arg-type]  # rendering needs no client
    assert_inert(discord.payload["embed"]["title"])
    dry = Door(settings, tracker, clock, dry_run=True, console=ConsoleTransport(console))
    await dry.send(dry.person("bob"), note, key="dry")
    assert_inert(console.getvalue().replace("\n── would DM", ""))

    result = CliRunner().invoke(main, ["status", "-c", str(tmp_path / "unanswered.toml")], catch_exceptions=False)
    assert "reset it" in result.output
    assert_inert(result.output)


async def test_a_note_built_carelessly_is_neutralised_by_the_door_anyway(settings, tracker, clock):
    transport = RecordingTransport()
    door = Door(settings, tracker, clock, {"slack": transport})
    careless = Note(
        kind="health",
        title="Feed " + HOSTILE,
        fields=((HOSTILE, HOSTILE),),
        quote=HOSTILE,
        reason=HOSTILE,
        body=HOSTILE,
        footer=HOSTILE,
        link="javascript:alert(1)",
    )
    await door.send(door.person("alice"), careless, key="careless")
    ((_, rendered, _),) = transport.delivered
    assert_inert(rendered.text)
    assert "javascript" in rendered.text and "link: javascript" not in rendered.text  # plain, never a link


@pytest.mark.parametrize(
    "source,url,label",
    [
        ("slack", "https://acme.slack.com/archives/C1/p1", "Open in Slack"),
        ("discord", "https://discord.com/channels/1/2/3", "Open in Discord"),
        ("discord", "https://ptb.discord.com/channels/1/2/3", "Open in Discord"),
        ("forum", "https://forum.example.org/t/how/12", "Open the topic on the forum"),
    ],
)
def test_a_checked_link_is_labelled_with_its_real_platform(source, url, label):
    note = neutral_note(Note(kind="nudge", title="q", link=url, source=source), forum_hosts=("forum.example.org",))
    assert note.link == url
    blocks = SlackTransport(client=None).render(note, "k").payload["blocks"]  # type: ignore[arg-type]  # rendering needs no client
    assert {"type": "section", "text": {"type": "mrkdwn", "text": f"<{url}|{label}>"}} in blocks
    fields = DiscordTransport(lambda: None).render(note, "k").payload["embed"]["fields"]  # type: ignore[arg-type]  # rendering needs no client
    assert {"name": "Link", "value": f"[{label}]({url})", "inline": False} in fields
    assert link_label(source) == label


@pytest.mark.parametrize(
    "source,url",
    [
        ("slack", "https://discord.com/channels/1/2/3"),  # another platform's host
        ("discord", "https://acme.slack.com/archives/C1/p1"),
        ("slack", "https://slack.com.evil.example/archives"),  # a look-alike
        ("slack", "https://evilslack.com/archives"),
        ("slack", "https://acme.slack.com@evil.example/"),  # credentials that hide the host
        ("discord", "javascript://discord.com/%0aalert(1)"),
        ("discord", "ftp://discord.com/x"),
        ("discord", "https://discord.com/a b"),
        ("discord", "https://discord.com/a|<!here>"),
        ("discord", "https://discord.com/x)[y](http://evil"),
        ("forum", "https://elsewhere.example/t/1"),  # not a configured feed's host
        ("forum", "https://forum.example.org\x00.evil/"),
        (None, "https://acme.slack.com/archives/C1/p1"),  # unknown platform: nothing is trusted
    ],
)
def test_a_link_to_an_unexpected_host_is_never_a_labelled_link(source, url):
    assert checked_link(url, source, ("forum.example.org",)) is None
    note = neutral_note(Note(kind="nudge", title="q", link=url, source=source), forum_hosts=("forum.example.org",))
    assert note.link is None
    shown = dict(note.fields)["Link (not verified)"]
    assert_inert(shown) and "\n" not in shown
    blocks = SlackTransport(client=None).render(note, "k").payload["blocks"]  # type: ignore[arg-type]  # rendering needs no client
    assert not any("|Open" in str(b) for b in blocks)
    embed = DiscordTransport(lambda: None).render(note, "k").payload["embed"]  # type: ignore[arg-type]  # rendering needs no client
    assert "url" not in embed and not any(f["name"] == "Link" for f in embed["fields"])


def test_neutralising_twice_changes_nothing():
    note = neutral_note(Note(kind="nudge", title=HOSTILE, fields=(("Asked by", HOSTILE),), quote=HOSTILE, body=HOSTILE))
    assert neutral_note(note) == note


def test_a_token_opening_left_in_one_string_cannot_close_on_another():
    # Hypothesis found it: a Slack channel named "<!" met the ">" of the quoted excerpt in the
    # assembled DM text, "#<! (slack) … > @everyone", which reads as a Slack control sequence.
    for opening in ("<!", "<@", "<#", "x<!y"):
        shown = neutralise(opening)
        assert not re.search("<[@#!](?!\u200b)", shown + " > tail>"), shown
        assert neutralise(shown) == shown
