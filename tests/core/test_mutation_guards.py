"""Exact tests of the guards, written to kill the mutants `make mutation` found alive.

The broader tests check properties ("nothing can ping"); these pin the exact output of
the neutralising, the policy's decisions, the door's audit records and the transports'
payloads, so that changing one operator or string of a guard fails a test.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from types import SimpleNamespace

import pytest

from adapters.discord import outbound as dout
from adapters.slack import outbound as sout
from bot import policy
from bot.config import Person, QuietHours, Route
from bot.neutralise import checked_link, feed_hosts, for_terminal, link_label, neutral_note
from bot.outbound import BLIND_RESEND_AFTER, BUTTON_LABELS, NUDGE_BUTTONS, ConsoleTransport, Delivery, Door, Note, NotStaff, Recipient, Rendered
from bot.render import age, neutralise, one_line, plain_name

from .helpers import BASE_TOML, RecordingTransport

Z = "\u200b"

# ------------------------------------------------------------------ neutralise, exactly


@pytest.mark.parametrize(
    "text,out",
    [
        ("<!here> look", f"@{Z}here look"),
        ("<!channel>", f"@{Z}channel"),
        ("<!everyone|@everyone>", f"@{Z}everyone"),
        ("<!subteam^S0123|@mods> ping", f"@{Z}mods ping"),
        ("<!subteam^S0123> ping", f"@{Z}subteam ping"),
        ("<!date^1392734382^{date}|Feb 18>", f"@{Z}Feb 18"),
        ("<@U0123ABC> hi", f"@{Z}U0123ABC hi"),
        ("<@U0123ABC|alice> hi", f"@{Z}alice hi"),
        ("<@U0123ABC|@alice> hi", f"@{Z}alice hi"),
        ("<#C0123|general>", f"#{Z}general"),
        ("<#C0123|#general>", f"#{Z}general"),
        ("<#C0123>", f"#{Z}C0123"),
        ("<https://evil.example|docs.acme.com>", "docs.acme.com (https://evil.example)"),
        ("<https://same.example|https://same.example>", "https://same.example"),
        ("<https://bare.example>", "https://bare.example"),
        ("<mailto:a@b.c|mail me>", "mail me (mailto:a@b.c)"),
        ("<@123456789012345678>", f"@{Z}123456789012345678"),
        ("<@!123456789012345678>", f"@{Z}!123456789012345678"),
        ("<#123456789012345678>", f"#{Z}123456789012345678"),
        ("</deploy prod:123456789012345678>", f"@{Z}123456789012345678"),
        ("[bank.example](http://evil.example)", "bank.example (http://evil.example)"),
        ("[http://x.example](http://x.example)", "http://x.example"),
        ("[ http://x.example ](http://x.example)", "http://x.example"),
        ('[label]( <http://x.example> "title")', "label (http://x.example)"),
        ("@everyone @here @channel @Everyone", f"@{Z}everyone @{Z}here @{Z}channel @{Z}Everyone"),
        ("a\u202eb\u200bc\u2060d\ufeffe\u00adf\u200cg", "abcdefg"),
        ("tab\there\r\nnew\x00nul\x1b[31m\x7f\x9b", "tab here\nnew nul [31m"),
        ("one\n\n\n\ntwo", "one\n\ntwo"),
        ("one\n\ntwo", "one\n\ntwo"),
        ("  padded  ", "padded"),
        ("<[!here](!here)>", f"@{Z}here"),
        ("[a](b)(c)", "a (b)(c)"),
        ("x](y", "x] (y"),
        (f"#{Z}kept @{Z}kept", f"#{Z}kept @{Z}kept"),
        ("e\u0301", "\u00e9"),  # NFC
        ("", ""),
    ],
)
def test_neutralise_exactly(text, out):
    assert neutralise(text) == out


def test_neutralise_caps_length_with_an_ellipsis():
    assert neutralise("x" * 300) == "x" * 300
    assert neutralise("x" * 301) == "x" * 299 + "…"
    assert neutralise("x" * 50, limit=10) == "x" * 9 + "…"
    assert neutralise("abc def      ", limit=5) == "abc…"
    assert neutralise(None) == ""  # type: ignore[arg-type]  # None on purpose: the guard under test


def test_one_line_and_plain_name_exactly():
    assert one_line("a\n b\n\n c " + "y" * 100, 20) == "a b c " + "y" * 13 + "…"
    assert one_line("short") == "short"
    assert one_line("z" * 80) == "z" * 80 and one_line("z" * 81) == "z" * 79 + "…"
    assert plain_name("@@bob\n", "fb") == "bob"
    assert plain_name("", "fb") == "fb" and plain_name(None, "fb") == "fb" and plain_name("@", "fb") == "fb"
    assert plain_name("n" * 70, "fb") == "n" * 59 + "…"


@pytest.mark.parametrize(
    "seconds,text",
    [
        (0, "0s"),
        (5, "5s"),
        (89, "89s"),
        (90, "1m"),
        (91, "1m"),
        (5399, "89m"),
        (5400, "1h30m"),
        (5460, "1h31m"),
        (7200, "2h"),
        (172799, "47h59m"),
        (172800, "2d0h"),
        (200000, "2d7h"),
        (-5, "0s"),
        (89.9, "89s"),
    ],
)
def test_age_exactly(seconds, text):
    assert age(seconds) == text


# ------------------------------------------------------------------ the door's neutralising step and links


def test_neutral_note_exactly():
    note = Note(
        kind="nudge",
        title="Unanswered in #@everyone\nx",
        fields=(("Asked\nby", "<@U1|bob>\n\n\n\nhi"),),
        quote="<!here>",
        link="https://discord.com/channels/1/2/3",
        source="discord",
        reason="why <!channel>",
        footer="f\x00oot",
        body="b\x1bc",
        image_name="c\nhart.png",
    )
    assert neutral_note(note) == Note(
        kind="nudge",
        title=f"Unanswered in #@{Z}everyone x",
        fields=(("Asked by", f"@{Z}bob\n\nhi"),),
        quote=f"@{Z}here",
        link="https://discord.com/channels/1/2/3",
        source="discord",
        reason=f"why @{Z}channel",
        footer="f oot",
        body="b c",
        image_name="c hart.png",
    )
    empty = Note(kind="notice", title="t")
    assert neutral_note(empty) == empty
    assert neutral_note(Note(kind="notice", title="t", image_name="\n")).image_name == "chart.png"
    long = neutral_note(Note(kind="notice", title="t" * 400, body="b" * 30000, reason="r" * 2000, fields=(("l" * 100, "v" * 2000),), footer="f" * 400))
    assert len(long.title) == 300 and len(long.body) == 20000 and len(long.reason) == 1000 and len(long.footer) == 300
    assert len(long.fields[0][0]) == 80 and len(long.fields[0][1]) == 1000
    assert len(neutral_note(Note(kind="digest", title="t", image=b"png", image_name="c" * 100)).image_name) == 80


def test_an_unverified_link_is_shown_plain_in_one_field():
    note = neutral_note(Note(kind="nudge", title="t", fields=(("a", "b"),), link="https://evil.example/" + "p" * 300, source="slack"))
    assert note.link is None
    assert note.fields == (("a", "b"), ("Link (not verified)", "https://evil.example/" + "p" * 178 + "…"))


@pytest.mark.parametrize(
    "url,source,ok",
    [
        ("https://acme.slack.com/x", "slack", True),
        ("http://acme.slack.com/x", "slack", True),
        ("https://slack.com/x", "slack", True),
        ("https://ACME.Slack.COM/x", "slack", True),
        ("HTTPS://acme.slack.com/x", "slack", True),
        ("https://canary.discord.com/channels/1", "discord", True),
        ("https://discordapp.com/channels/1", "discord", True),
        ("https://forum.example.org/t/1", "forum", True),
        ("https://forum.example.org:8443/t/1", "forum", True),
        ("https://sub.forum.example.org/t/1", "forum", True),
        ("https://forum.example.org/t/1", "slack", False),
        ("https://acme.slack.com/" + "x" * 2000, "slack", False),
        ("https://acme.slack.com/" + "x" * 1976, "slack", True),
        ("https://acme.slack.com/" + "x" * 1977, "slack", True),  # 2,000 characters: the longest kept
        ("https://acme.slack.com/" + "x" * 1978, "slack", False),
        ("https://acme.slack.com/archives/CX1/pXX", "slack", True),  # upper-case X is an ordinary character
        ("", "slack", False),
        (None, "slack", False),
        ("https://", "slack", False),
        ("https:///x", "slack", False),
        ("https://u:p@acme.slack.com/x", "slack", False),
        ("https://acme.slack.com/\u200b", "slack", False),
        ("https://[::1/x", "slack", False),
        ("ws://acme.slack.com/x", "slack", False),
        *[(f"https://acme.slack.com/a{c}b", "slack", False) for c in " <>|()[]\"'`\\"],
    ],
)
def test_checked_link_exactly(url, source, ok):
    assert checked_link(url, source, ("forum.example.org",)) == (url if ok else None)


def test_feed_hosts_and_labels():
    assert feed_hosts(["https://Forum.Example.org/latest.rss", "not a url", "https://[::1/x", "https://other.example:8080/x"]) == (
        "forum.example.org",
        "other.example",
    )
    assert [link_label(s) for s in ("slack", "discord", "forum", None, "")] == [
        "Open in Slack",
        "Open in Discord",
        "Open the topic on the forum",
        "Open the link",
        "Open the link",
    ]
    assert for_terminal(None) == "" and for_terminal("a\x1b[2Jb") == "a [2Jb" and for_terminal("x" * 300) == "x" * 199 + "…"
    assert for_terminal("x" * 300, 500) == "x" * 300


# ------------------------------------------------------------------ the policy, exactly


def person(quiet: str | None = None, zone: str = "UTC") -> Person:
    return Person(timezone=zone, quiet_hours=QuietHours.model_validate(quiet) if quiet else None)


UTC = timezone.utc


@pytest.mark.parametrize(
    "quiet,hour,minute,expected",
    [
        ("22:00-08:00", 21, 59, False),
        ("22:00-08:00", 22, 0, True),
        ("22:00-08:00", 7, 59, True),
        ("22:00-08:00", 8, 0, False),
        ("09:00-17:00", 8, 59, False),
        ("09:00-17:00", 9, 0, True),
        ("09:00-17:00", 16, 59, True),
        ("09:00-17:00", 17, 0, False),
        ("09:00-09:00", 9, 0, False),
        (None, 3, 0, False),
    ],
)
def test_is_quiet_boundaries(quiet, hour, minute, expected):
    assert policy.is_quiet(person(quiet), datetime(2026, 1, 5, hour, minute, tzinfo=UTC)) is expected


def test_wakes_at_and_next_morning_exactly():
    p = person("22:00-08:00", "Europe/Berlin")  # UTC+1 in January
    assert policy.wakes_at(p, datetime(2026, 1, 5, 12, 0, tzinfo=UTC)) == datetime(2026, 1, 5, 12, 0, tzinfo=UTC)  # awake
    assert policy.wakes_at(p, datetime(2026, 1, 5, 22, 30, tzinfo=UTC)) == datetime(2026, 1, 6, 7, 0, tzinfo=UTC)  # 23:30 local
    assert policy.wakes_at(p, datetime(2026, 1, 5, 5, 0, tzinfo=UTC)) == datetime(2026, 1, 5, 7, 0, tzinfo=UTC)  # 06:00 local
    assert policy.next_morning(person(), datetime(2026, 1, 5, 15, 0, tzinfo=UTC)) == datetime(2026, 1, 6, 8, 0, tzinfo=UTC)  # the next 08:00
    assert policy.next_morning(person(), datetime(2026, 1, 5, 15, 0, tzinfo=UTC), hour=time(7)) == datetime(2026, 1, 6, 7, 0, tzinfo=UTC)
    late = person("22:00-10:00")
    assert policy.next_morning(late, datetime(2026, 1, 5, 15, 0, tzinfo=UTC)) == datetime(2026, 1, 6, 10, 0, tzinfo=UTC)


CHAIN = (
    BASE_TOML
    + """
[people.carol]
slack = "UCAROL"
quiet_hours = "00:00-23:59"
"""
)


@pytest.fixture
def settings(make_settings):
    return make_settings(
        CHAIN.replace('[people.bob]\nslack = "UBOB"\ntimezone = "UTC"', '[people.bob]\nslack = "UBOB"\ntimezone = "UTC"\nquiet_hours = "10:00-12:00"')
    )


NOON = datetime(2026, 1, 5, 11, 0, tzinfo=UTC)  # bob is in quiet hours (10-12), alice is not


def route(**kw) -> Route:
    return Route(platform="slack", channel="C1", **{"chain": ["alice", "bob"], **kw})


def test_decide_exactly(settings):
    d = policy.decide
    assert d(settings, route(), 0, 0, NOON) == policy.Decision(send_to="alice", step=0)
    assert d(settings, route(chain=[]), 0, 0, NOON) == policy.Decision(stop=True, note="no one left on the chain")
    assert d(settings, route(max_nudges=2), 0, 2, NOON) == policy.Decision(stop=True, note="no one left on the chain")
    assert d(settings, route(max_nudges=2), 0, 1, NOON).send_to == "alice"
    assert d(settings, route(), 2, 2, NOON) == policy.Decision(stop=True, note="chain exhausted")
    assert d(settings, route(repeat=True), 2, 2, NOON) == policy.Decision(send_to="alice", step=2)
    assert d(settings, route(), 1, 1, NOON) == policy.Decision(wait_until=datetime(2026, 1, 5, 12, 0, tzinfo=UTC), step=1, note="bob is in quiet hours")
    assert d(settings, route(during_quiet_hours="next-awake"), 1, 1, NOON) == policy.Decision(send_to="alice", step=1, note="bob is in quiet hours")
    assert d(settings, route(chain=["bob", "carol"], during_quiet_hours="next-awake"), 0, 0, NOON) == policy.Decision(
        wait_until=datetime(2026, 1, 5, 12, 0, tzinfo=UTC), step=0, note="everyone on the chain is in quiet hours"
    )
    assert d(settings, route(chain=["bob", "carol", "alice"], during_quiet_hours="next-awake"), 0, 0, NOON).send_to == "alice"


def test_after_send_exactly(settings):
    a = policy.after_send
    assert a(settings, route(), 0, 1, NOON) == NOON + timedelta(minutes=30)
    assert a(settings, route(escalate_after="5m"), 0, 1, NOON) == NOON + timedelta(minutes=5)
    assert a(settings, route(), 1, 2, NOON) is None  # last of the chain
    assert a(settings, route(repeat=True), 1, 2, NOON) == NOON + timedelta(minutes=30)
    assert a(settings, route(repeat=True, max_nudges=2), 1, 2, NOON) is None
    assert a(settings, route(repeat=True, max_nudges=3), 1, 2, NOON) is not None


def test_route_for_exactly(make_settings):
    s = make_settings(
        BASE_TOML + '\n[[routes]]\nplatform = "slack"\nchannel = "#Help"\nchain = ["alice"]\n'
        '\n[[routes]]\nplatform = "discord"\nchannel = "C1"\nchain = ["alice"]\n'
    )
    assert policy.route_for(s, "slack", "C1") is s.routes[0]
    assert policy.route_for(s, "discord", "C1") is s.routes[2]
    assert policy.route_for(s, "slack", "C9", "help") is s.routes[1]
    assert policy.route_for(s, "slack", "C9", "#HELP") is s.routes[1]
    assert policy.route_for(s, "slack", "C9", None) is None and policy.route_for(s, "slack", "C9", "") is None
    assert policy.route_for(s, "forum", "C1") is None


# ------------------------------------------------------------------ the door, exactly


@pytest.fixture
def door(make_settings, tracker, clock):
    s = make_settings(
        BASE_TOML.replace('[people.bob]\nslack = "UBOB"', '[people.bob]\nslack = "UBOB"\ndiscord = "123"\nnotify_via = "discord"')
        + '\n[staff_channels.mods]\nplatform = "slack"\nchannel = "C0MODS"\n'
    )
    slack, discord = RecordingTransport(), RecordingTransport(platform="discord")
    return Door(s, tracker, clock, {"slack": slack}), slack, discord


NOTE = Note(kind="notice", title="hello", reason="because", question=7)


async def test_the_audit_row_exactly(door, tracker, clock):
    d, slack, _ = door
    delivery = await d.send(d.person("alice"), NOTE, key="k1")
    assert delivery == Delivery(ok=True, ref="DUALICE:1")
    row = dict(tracker.audit_by_key("k1"))
    assert {k: row[k] for k in ("kind", "person", "platform", "address", "text", "reason", "questions", "key", "result", "ref")} == {
        "kind": "notice",
        "person": "alice",
        "platform": "slack",
        "address": "UALICE",
        "text": "hello\n  why: because",
        "reason": "because",
        "questions": "[7]",
        "key": "k1",
        "result": "sent",
        "ref": "DUALICE:1",
    }
    assert row["at"] == clock.now().timestamp() and row["payload"] == '{"key": "k1"}'
    again = await d.send(d.person("alice"), NOTE, key="k1")
    assert again == Delivery(ok=True, ref="DUALICE:1", error="duplicate") and len(slack.delivered) == 1
    await d.send(d.person("alice"), Note(kind="notice", title="x"), key="k2", questions=[3, 4])
    assert tracker.audit_by_key("k2")["questions"] == "[3, 4]"
    await d.send(d.person("alice"), Note(kind="notice", title="x"), key="k3")
    assert tracker.audit_by_key("k3")["questions"] == "[]"


async def test_failure_results_exactly(door, tracker):
    d, slack, _ = door
    slack.fail_with = Delivery(ok=False, error="slack: boom\x1b[2J")
    assert (await d.send(d.person("alice"), NOTE, key="f1")).ok is False
    assert tracker.audit_by_key("f1")["result"] == "failed: slack: boom [2J"
    slack.fail_with = Delivery(ok=False, error="gone", permanent=True)
    await d.send(d.person("alice"), NOTE, key="f2")
    assert tracker.audit_by_key("f2")["result"] == "failed-permanent: gone"
    slack.fail_with = Delivery(ok=False)
    await d.send(d.person("alice"), NOTE, key="f3")
    assert tracker.audit_by_key("f3")["result"] == "failed: unknown error"
    slack.fail_with = None

    async def boom(*args):
        raise RuntimeError("kaput")

    slack.deliver = boom
    assert await d.send(d.person("alice"), NOTE, key="f4") == Delivery(ok=False, error="RuntimeError: kaput")
    assert tracker.audit_by_key("f4")["result"] == "failed: RuntimeError: kaput"
    # bob prefers discord, which this door has no transport for
    nobody = await d.send(Recipient("bob", "discord", "123"), NOTE, key="f5")
    assert nobody == Delivery(ok=False, error="no discord connection is configured", permanent=True)
    assert tracker.audit_by_key("f5")["result"] == "failed-permanent: no discord connection is configured"


async def test_recipients_exactly(door, make_settings, tracker, clock):
    d, slack, discord = door
    assert d.person("alice") == Recipient("alice", "slack", "UALICE")
    assert d.person("bob") == Recipient("bob", "slack", "UBOB")  # notify_via discord, but only slack is connected
    d.add_transport(discord)
    assert d.person("bob") == Recipient("bob", "discord", "123")
    assert d.person("bob", prefer="slack") == Recipient("bob", "discord", "123")  # notify_via wins
    assert d.staff_channel("mods") == Recipient("mods", "slack", "C0MODS", is_channel=True)
    with pytest.raises(NotStaff, match="'nobody' is not a configured person"):
        d.person("nobody")
    with pytest.raises(NotStaff, match="'general' is not an allow-listed staff channel"):
        d.staff_channel("general")
    with pytest.raises(NotStaff, match="'UBOB' is not alice's configured id"):
        await d.send(Recipient("alice", "slack", "UBOB"), NOTE, key="r1")
    with pytest.raises(NotStaff, match="'C0OTHER' is not the allow-listed staff channel 'mods'"):
        await d.send(Recipient("mods", "slack", "C0OTHER", is_channel=True), NOTE, key="r2")
    with pytest.raises(NotStaff):
        await d.send(Recipient("mods", "discord", "C0MODS", is_channel=True), NOTE, key="r3")
    assert tracker.audit_rows() == []
    bare = make_settings("[people.eve]\n")
    assert Door(bare, tracker, clock).person("eve") == Recipient("eve", "console", "eve")
    dry = Door(d.settings, tracker, clock, dry_run=True)
    assert dry.person("bob") == Recipient("bob", "discord", "123") and dry.person("alice") == Recipient("alice", "slack", "UALICE")
    no_transport = Door(d.settings, tracker, clock)
    assert no_transport.person("alice") == Recipient("alice", "slack", "UALICE")


async def test_dry_run_and_console_exactly(make_settings, tracker, clock):
    import io

    out = io.StringIO()
    s = make_settings(BASE_TOML + '\n[staff_channels.mods]\nplatform = "slack"\nchannel = "C0MODS"\n')
    d = Door(s, tracker, clock, dry_run=True, console=ConsoleTransport(out))
    assert (await d.send(d.person("alice"), NOTE, key="d1")) == Delivery(ok=True, ref="console:d1")
    await d.send(d.staff_channel("mods"), NOTE, key="d2")
    assert out.getvalue() == "\n── would DM alice (slack DM) ──\nhello\n  why: because\n\n── would DM #mods (staff channel) ──\nhello\n  why: because\n"
    assert tracker.audit_by_key("d1")["result"] == "dry-run"
    await d.update_by_ref("console:d1", Note(kind="nudge", title="done"))
    assert out.getvalue().endswith("\n── DM updated (console:d1) ──\ndone\n")
    assert tracker.audit_rows(kind="update")[0]["result"] == "dry-run"
    quiet = ConsoleTransport(quiet=True)
    assert (await quiet.deliver(Recipient("a", "slack", "U"), Rendered("x"), "q", NOTE)).ok and await quiet.was_delivered(Recipient("a", "slack", "U"), "q")
    assert await quiet.was_delivered(Recipient("a", "slack", "U"), "other") is False


def test_note_as_text_exactly():
    note = Note(
        kind="nudge",
        title="T",
        fields=(("A", "1"), ("B", "2")),
        quote="q1\nq2",
        link="https://x",
        reason="r",
        body="body",
        buttons=("claim", "dismiss"),
        footer="foot",
        question=1,
    )
    assert note.as_text() == "T\n  A: 1\n  B: 2\n  > q1\n  > q2\n  link: https://x\n  why: r\nbody\n  [I'm on it] [Not a question]\n  foot"
    assert Note(kind="notice", title="only").as_text() == "only"


async def test_resume_pending_exactly(door, tracker, clock):
    d, slack, _ = door
    await d.send(d.person("alice"), NOTE, key="p1")
    await d.send(d.person("alice"), NOTE, key="p2")
    await d.send(d.person("alice"), NOTE, key="p3")
    tracker.conn.execute("UPDATE audit SET result = 'pending'")
    slack.delivered = [x for x in slack.delivered if x[2] == "p1"]  # p1 arrived; p2 and p3 did not
    d._in_flight.add("p3")  # p3 is being sent by this process right now
    assert await d.resume_pending() == 1
    assert tracker.audit_by_key("p1")["result"] == "sent" and tracker.audit_by_key("p2")["result"] == "sent"
    assert tracker.audit_by_key("p3")["result"] == "pending"
    resent = slack.delivered[-1]
    assert resent[0] == Recipient("alice", "slack", "UALICE") and resent[2] == "p2"
    assert resent[1] == Rendered(text="hello\n  why: because", payload={"key": "p2"})  # exactly the audited text and payload
    d._in_flight.discard("p3")

    async def cannot_tell(to, key, since=None):
        return None

    slack.was_delivered = cannot_tell
    clock.advance(timedelta(minutes=59))
    assert await d.resume_pending() == 0 and tracker.audit_by_key("p3")["result"] == "pending"
    clock.advance(timedelta(minutes=2))
    assert await d.resume_pending() == 1 and tracker.audit_by_key("p3")["result"] == "sent"

    async def broken(to, key, since=None):
        raise RuntimeError("history unreadable")

    await d.send(d.person("alice"), NOTE, key="p4")
    tracker.conn.execute("UPDATE audit SET result = 'pending' WHERE key = 'p4'")
    slack.was_delivered = broken
    assert await d.resume_pending() == 0 and tracker.audit_by_key("p4")["result"] == "pending"


async def test_resume_pending_of_a_staff_channel_post_and_without_a_transport(door, make_settings, tracker, clock):
    d, slack, _ = door
    await d.send(d.staff_channel("mods"), NOTE, key="c1")
    tracker.conn.execute("UPDATE audit SET result = 'pending'")
    slack.delivered.clear()
    assert await d.resume_pending() == 1
    assert slack.delivered[0][0] == Recipient("mods", "slack", "C0MODS", is_channel=True)
    tracker.conn.execute("UPDATE audit SET result = 'pending'")
    bare = Door(d.settings, tracker, clock, {})
    assert await bare.resume_pending() == 0 and tracker.audit_by_key("c1")["result"] == "pending"


async def test_update_by_ref_exactly(door, tracker, clock):
    d, slack, _ = door
    await d.send(d.person("alice"), NOTE, key="u1")
    await d.update_by_ref("nope", Note(kind="nudge", title="x"))
    assert tracker.audit_rows(kind="update") == []
    await d.update_by_ref("DUALICE:1", Note(kind="nudge", title="handled <!here>"))
    (row,) = tracker.audit_rows(kind="update")
    assert row["text"] == f"handled @{Z}here" and row["reason"] == f"edit of audit #{tracker.audit_by_key('u1')['id']}"
    assert row["person"] == "alice" and row["address"] == "UALICE" and row["ref"] == "DUALICE:1" and row["questions"] == "[7]"
    assert row["key"] == f"update:{tracker.audit_by_key('u1')['id']}:{clock.now().timestamp()}"
    assert slack.delivered[-1] == (Recipient("(edit)", "slack", "DUALICE:1"), Rendered(text=f"handled @{Z}here", payload={"key": "u1"}), "update")

    async def fails(ref, rendered, note):
        raise OSError("down")

    slack.update = fails
    clock.advance(timedelta(seconds=1))
    await d.update_by_ref("DUALICE:1", Note(kind="nudge", title="again"))
    assert tracker.audit_rows(kind="update")[-1]["result"] == "failed: OSError"


# ------------------------------------------------------------------ the transports' payloads, exactly

FULL = Note(
    kind="nudge",
    title="Unanswered question in #help",
    fields=(("Where", "#help (slack)"), ("Asked by", "a & <b>")),
    quote="q1 *bold*\n\nq2",
    link="https://acme.slack.com/archives/C1/p1",
    source="slack",
    reason="no reply",
    question=7,
    buttons=NUDGE_BUTTONS,
    footer="unanswered · question #7",
    body="body @here",
)


def test_slack_blocks_exactly():
    blocks = sout.blocks_for(FULL)
    buttons = [
        {
            "type": "button",
            "text": {"type": "plain_text", "text": BUTTON_LABELS[a], "emoji": False},
            "action_id": f"unanswered:{a}:7",
            "value": f"unanswered:{a}:7",
            **({"style": "primary"} if a == "claim" else {}),
        }
        for a in NUDGE_BUTTONS
    ]
    assert blocks == [
        {"type": "header", "text": {"type": "plain_text", "text": "Unanswered question in #help", "emoji": False}},
        {"type": "section", "fields": [{"type": "mrkdwn", "text": "*Where*\n#help (slack)"}, {"type": "mrkdwn", "text": "*Asked by*\na &amp; &lt;b&gt;"}]},
        {"type": "section", "text": {"type": "mrkdwn", "text": "> q1 *bold*\n> \n> q2"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": "<https://acme.slack.com/archives/C1/p1|Open in Slack>"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": f"body @{Z}here"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "*Why:* no reply"}, {"type": "mrkdwn", "text": "unanswered · question #7"}]},
        {"type": "actions", "block_id": "unanswered:7", "elements": buttons},
    ]
    assert sout.blocks_for(Note(kind="notice", title="")) == [{"type": "header", "text": {"type": "plain_text", "text": " ", "emoji": False}}]
    header = sout.blocks_for(Note(kind="notice", title="h" * 200))[0]["text"]["text"]
    assert header == "h" * 149 + "…"
    many = sout.blocks_for(Note(kind="notice", title="t", fields=tuple((str(i), "v" * 3000) for i in range(12))))[1]["fields"]
    assert len(many) == 10 and all(len(f["text"]) == 2000 for f in many)
    long = sout.blocks_for(Note(kind="notice", title="t", body="b" * 6500))
    assert [len(b["text"]["text"]) for b in long[1:]] == [3000, 3000, 500]
    assert sout.blocks_for(Note(kind="notice", title="t", footer="f"))[1] == {"type": "context", "elements": [{"type": "mrkdwn", "text": "f"}]}
    assert all(b["type"] != "actions" for b in sout.blocks_for(Note(kind="nudge", title="t", buttons=NUDGE_BUTTONS)))  # no question id


@pytest.mark.parametrize(
    "url,kept",
    [
        ("https://acme.slack.com/x", True),
        ("http://acme.slack.com/x", False),
        (None, False),
        ("", False),
        *[(f"https://a.example/{c}", False) for c in "<>| \n"],
    ],
)
def test_slack_safe_link(url, kept):
    assert sout._safe_link(url) == (url if kept else None)


def test_slack_escaping_and_render_exactly():
    assert sout.mrkdwn_escape("a<b>&c @here @Channel") == f"a&lt;b&gt;&amp;c @{Z}here @{Z}Channel"
    rendered = sout.SlackTransport(client=None).render(Note(kind="notice", title="t <x>"), "k")  # type: ignore[arg-type]  # rendering needs no client
    assert rendered.text == "t <x>" and rendered.payload == {"text": "t &lt;x&gt;", "blocks": sout.blocks_for(Note(kind="notice", title="t <x>"))}


def test_discord_embed_exactly():
    note = FULL.__class__(**{**FULL.__dict__, "link": "https://discord.com/channels/1/2/3", "source": "discord"})
    embed = dout.build_embed(note, "nudge:7:0")
    assert embed == {
        "type": "rich",
        "title": "Unanswered question in #help",
        "color": dout.EMBED_COLOUR,
        "description": "> q1 \\*bold\\*\n>\n> q2\nbody @\u200bhere",
        "fields": [
            {"name": "Where", "value": "\\#help (slack)", "inline": False},
            {"name": "Asked by", "value": "a & <b>", "inline": False},
            {"name": "Link", "value": "[Open in Discord](https://discord.com/channels/1/2/3)", "inline": False},
            {"name": "Why flagged", "value": "no reply", "inline": False},
        ],
        "footer": {"text": "unanswered · question #7 · ref nudge:7:0"},
        "url": "https://discord.com/channels/1/2/3",
    }
    handled = dout.build_embed(Note(kind="nudge", title="t", link="javascript:x", image=b"png", image_name="c.png"), "k")
    assert handled == {
        "type": "rich",
        "title": "t",
        "color": dout.HANDLED_COLOUR,
        "fields": [{"name": "Link", "value": "javascript:x", "inline": False}],
        "footer": {"text": "ref k"},
        "image": {"url": "attachment://c.png"},
    }
    assert dout.build_embed(Note(kind="notice", title="t", fields=(("f", ""),)), "k")["fields"] == [{"name": "f", "value": "-", "inline": False}]
    assert len(dout.build_embed(Note(kind="notice", title="t", fields=tuple((str(i), "v") for i in range(30))), "k")["fields"]) == 25
    assert len(dout.build_embed(Note(kind="notice", title="t", body="b" * 5000), "k")["description"]) == 4000


def test_discord_components_and_visible_text_exactly():
    rows = dout.build_components(FULL)
    assert [len(r["components"]) for r in rows] == [5] and rows[0]["type"] == 1
    assert rows[0]["components"][0] == {"type": 2, "style": dout.button_style("claim").value, "label": "I'm on it", "custom_id": "unanswered:claim:7"}
    six = Note(kind="nudge", title="t", question=1, buttons=NUDGE_BUTTONS + ("claim",))
    assert [len(r["components"]) for r in dout.build_components(six)] == [5, 1]
    assert dout.build_components(Note(kind="nudge", title="t", buttons=NUDGE_BUTTONS)) == []
    rendered = dout.render_note(Note(kind="nudge", title="T", quote="q", reason="r", question=2, buttons=("claim",)), "k")
    assert rendered.text == "T\n> q\nWhy flagged: r\n[I'm on it]\nref k"


@pytest.mark.parametrize(
    "text,out",
    [
        ("*a* _b_ ~c~ `d` |e| [f] \\g", "\\*a\\* \\_b\\_ \\~c\\~ \\`d\\` \\|e\\| \\[f\\] \\\\g"),
        ("# head\n> quote\n- item\n+ plus\n1. one\n  # indented", "\\# head\n\\> quote\n\\- item\n\\+ plus\n\\1. one\n  \\# indented"),
        (
            "@everyone @HERE <@123456789012345678> @!123456789012345678 @&123456789012345678 @12345",
            f"@{Z}everyone @{Z}HERE <{Z}@{Z}123456789012345678> @{Z}!123456789012345678 @{Z}&123456789012345678 @12345",
        ),
        ("<#1> </c:1> <x>", f"<{Z}#1> <{Z}/c:1> <x>"),
    ],
)
def test_discord_escaping_exactly(text, out):
    assert dout.escape_mentions(dout.escape_markdown(text)) == out


def test_discord_safe_and_safe_url_exactly():
    assert dout.safe("x" * 2000) == "x" * 1023 + "…" and dout.safe("x" * 1024) == "x" * 1024
    assert dout.safe("x" * 20, 10) == "x" * 9 + "…"
    assert dout.safe_url("https://discord.com/channels/1") == "https://discord.com/channels/1"
    assert dout.safe_url("http://a.example/x") == "http://a.example/x"
    assert [dout.safe_url(u) for u in (None, "", "ftp://a", "https://a/(x)", "https://a/ b", "https://a/[x]", "javascript:x")] == [None] * 7
    assert dout.footer_text(Note(kind="n", title="t"), "k") == "ref k"
    assert dout.footer_text(Note(kind="n", title="t", footer="f"), "k") == "f · ref k"


def test_next_morning_and_wakes_at_in_a_zone_away_from_utc():
    tokyo = person("23:00-07:30", "Asia/Tokyo")  # UTC+9
    assert policy.next_morning(tokyo, datetime(2026, 1, 5, 3, 0, tzinfo=UTC)) == datetime(2026, 1, 5, 23, 0, tzinfo=UTC)  # 08:00 local
    assert policy.wakes_at(tokyo, datetime(2026, 1, 5, 15, 0, tzinfo=UTC)) == datetime(2026, 1, 5, 22, 30, tzinfo=UTC)  # 00:00 → 07:30
    assert policy.wakes_at(tokyo, datetime(2026, 1, 5, 22, 29, 59, tzinfo=UTC)) == datetime(2026, 1, 5, 22, 30, tzinfo=UTC)
    assert policy.next_morning(tokyo, datetime(2026, 1, 5, 3, 0, tzinfo=UTC)).tzinfo == UTC


@pytest.mark.parametrize(
    "response,expected",
    [
        (SimpleNamespace(status_code=200, data={"ok": False, "error": "channel_not_found"}), ("channel_not_found", True)),
        (SimpleNamespace(status_code=429, data={"ok": False, "error": "ratelimited"}), ("ratelimited", True)),
        (SimpleNamespace(status_code=500, data={"ok": False, "error": "internal_error"}), ("internal_error", False)),
        (SimpleNamespace(status_code=200, data={"ok": True, "error": "odd"}), ("odd", False)),
        (SimpleNamespace(status_code=200, data={"ok": False}), ("HTTP 200", False)),
        (SimpleNamespace(status_code=503, data="<html>"), ("HTTP 503, unreadable answer", False)),
        (SimpleNamespace(status=502), ("HTTP 502, unreadable answer", False)),  # the raw aiohttp response
        (SimpleNamespace(status_code=None, status=504, data={}), ("HTTP 504", False)),
        (SimpleNamespace(), ("HTTP 0, unreadable answer", False)),
    ],
)
def test_slack_api_error_exactly(response, expected):
    from slack_sdk.errors import SlackApiError

    assert sout.api_error(SlackApiError("x", response)) == expected


def test_slack_write_client_retries_only_rate_limits():
    from slack_sdk.http_retry.builtin_async_handlers import AsyncRateLimitErrorRetryHandler
    from slack_sdk.web.async_client import AsyncWebClient

    assert sout.write_client(None) is None
    reader = AsyncWebClient(token="xoxb-t", base_url="http://127.0.0.1:9/api/", timeout=7)
    writer = sout.write_client(reader)
    assert (writer.token, writer.base_url, writer.timeout) == ("xoxb-t", "http://127.0.0.1:9/api/", 7)
    (handler,) = writer.retry_handlers
    assert isinstance(handler, AsyncRateLimitErrorRetryHandler) and handler.max_retry_count == 5


async def test_discord_update_refuses_what_is_not_one_of_our_dm_references():
    asked: list[str] = []

    async def client():
        asked.append("client")
        raise AssertionError("must not be reached")

    transport = dout.DiscordTransport(client)
    rendered = transport.render(Note(kind="nudge", title="t"), "k")
    for ref in ("", "123", "abc:456", "123:abc", "123:", ":456", "12:34:56"):
        await transport.update(ref, rendered, Note(kind="nudge", title="t"))
    await transport.update("123:456", Rendered(text="t", payload=None), Note(kind="nudge", title="t"))
    assert asked == []
    assert transport.send_timeout == dout.SEND_TIMEOUT == 30.0


async def test_resume_pending_goes_on_past_every_row_it_leaves_alone(door, tracker):
    d, slack, _ = door
    await d.send(d.person("alice"), NOTE, key="s1")
    await d.send(d.person("alice"), NOTE, key="s2")
    await d.update_by_ref("DUALICE:1", Note(kind="nudge", title="edited"))
    await d.send(d.person("alice"), NOTE, key="s3")
    assert dict(tracker.audit_rows(kind="update")[0])["payload"] == '{"key": "s1"}'  # the edit's payload is audited too
    tracker.conn.execute("UPDATE audit SET result = 'pending'")
    slack.delivered.clear()
    d._in_flight.add("s1")  # the first row is being sent right now: skipped, and the others still settled
    assert await d.resume_pending() == 2
    assert [k for _, _, k in slack.delivered] == ["s2", "s3"]
    assert tracker.audit_rows(kind="update")[0]["result"] == "failed-permanent: interrupted edit, not repeated"


# ------------------------------------------------------------------ the door: duplicates, audit results, settling


async def test_a_key_still_pending_is_neither_sent_again_nor_called_a_failure(door, tracker):
    from bot.outbound import PENDING_ELSEWHERE

    d, slack, _ = door
    await d.send(d.person("alice"), NOTE, key="dup")
    tracker.conn.execute("UPDATE audit SET result = 'pending'")
    again = await d.send(d.person("alice"), NOTE, key="dup")
    assert again == Delivery(ok=False, ref="DUALICE:1", error=PENDING_ELSEWHERE) and len(slack.delivered) == 1


async def test_a_long_error_is_audited_on_one_line_of_300(door, tracker):
    d, slack, _ = door
    slack.fail_with = Delivery(ok=False, error="e\n" + "x" * 400)
    await d.send(d.person("alice"), NOTE, key="long")
    assert tracker.audit_by_key("long")["result"] == "failed: " + ("e " + "x" * 400)[:299] + "…"


async def test_resume_pending_settles_every_row_past_each_it_leaves(door, make_settings, tracker, clock):
    """A row it must skip (not staff, no connection, history unreadable or not yet telling) never stops the rest."""
    d, slack, _ = door
    for key in ("gone", "nodiscord", "broken", "unsure", "resend"):
        await d.send(d.person("alice"), NOTE, key=key)
    tracker.conn.execute("UPDATE audit SET result = 'pending'")
    tracker.conn.execute("UPDATE audit SET address = 'UOLD' WHERE key = 'gone'")
    tracker.conn.execute("UPDATE audit SET person = 'bob', platform = 'discord', address = '123' WHERE key = 'nodiscord'")
    tracker.conn.execute("UPDATE audit SET payload = NULL WHERE key = 'resend'")
    slack.delivered.clear()
    slack.notes.clear()
    asked: list[tuple[str, object]] = []

    async def history(to, key, since=None):
        asked.append((key, since))
        if key == "broken":
            raise OSError("history unreadable")
        return None if key == "unsure" else False

    slack.was_delivered = history
    lost: list[tuple[int, str]] = []
    d.on_lost_step = lambda audit_id, person: lost.append((audit_id, person))
    clock.advance(BLIND_RESEND_AFTER - timedelta(seconds=1))
    assert await d.resume_pending() == 1
    assert [k for _, _, k in slack.delivered] == ["resend"]
    assert slack.delivered[0][1] == Rendered(text="hello\n  why: because", payload=None)  # a row audited without a payload
    assert slack.notes == [Note(kind="notice", title="hello", body="")]  # the note: its kind and first line only
    audited = tracker.audit_by_key("gone")
    assert asked == [(k, datetime.fromtimestamp(audited["at"], timezone.utc)) for k in ("broken", "unsure", "resend")]  # back to the audit time
    assert audited["result"] == "failed-permanent: recipient no longer staff" and lost == []  # not a nudge: nothing to hand on
    assert [tracker.audit_by_key(k)["result"] for k in ("nodiscord", "broken", "unsure")] == ["pending"] * 3
    clock.advance(timedelta(seconds=1))  # exactly BLIND_RESEND_AFTER of not knowing: sent anyway
    assert await d.resume_pending() == 1 and tracker.audit_by_key("unsure")["result"] == "sent"


async def test_a_pending_nudge_to_a_person_named_like_a_staff_channel_is_still_a_dm(make_settings, tracker, clock):
    s = make_settings(BASE_TOML + '\n[people.mods]\nslack = "UMODS"\n\n[staff_channels.mods]\nplatform = "slack"\nchannel = "C0MODS"\n')
    slack = RecordingTransport()
    d = Door(s, tracker, clock, {"slack": slack})
    lost: list[tuple[int, str]] = []
    d.on_lost_step = lambda audit_id, person: lost.append((audit_id, person))
    await d.send(d.person("mods"), Note(kind="nudge", title="n", question=1), key="n1")
    await d.send(d.person("alice"), Note(kind="nudge", title="n", question=1), key="n2")
    tracker.conn.execute("UPDATE audit SET result = 'pending'")
    tracker.conn.execute("UPDATE audit SET address = 'UOLD' WHERE key = 'n2'")
    slack.delivered.clear()
    assert await d.resume_pending() == 1
    assert slack.delivered[0][0] == Recipient("mods", "slack", "UMODS")  # the person's DM, not the channel
    assert lost == [(tracker.audit_by_key("n2")["id"], "alice")]  # a nudge no longer staff: handed on


async def test_a_send_in_progress_is_not_settled_as_a_crash_leftover(door, tracker):
    """The settle job runs every few minutes: a DM being sent right now must not be sent a second time."""
    import asyncio

    d, slack, _ = door
    release = asyncio.Event()
    plain = RecordingTransport.deliver

    calls: list[str] = []

    async def slow(to, rendered, key, note):
        calls.append(key)
        if len(calls) == 1:  # the first send waits; a second one (the bug) would go straight through
            await release.wait()
        return await plain(slack, to, rendered, key, note)

    slack.deliver = slow
    sending = asyncio.create_task(d.send(d.person("alice"), NOTE, key="slow"))
    while tracker.audit_by_key("slow") is None:
        await asyncio.sleep(0)
    assert await d.resume_pending() == 0 and tracker.audit_by_key("slow")["result"] == "pending"
    release.set()
    assert (await sending).ok and [k for _, _, k in slack.delivered] == ["slow"]


async def test_a_pending_row_with_no_text_is_resent_with_an_empty_title(door, tracker):
    d, slack, _ = door
    await d.send(d.person("alice"), NOTE, key="blank")
    tracker.conn.execute("UPDATE audit SET result = 'pending', text = ''")
    slack.delivered.clear()
    slack.notes.clear()
    assert await d.resume_pending() == 1 and slack.notes == [Note(kind="notice", title="", body="")]


async def test_a_door_without_a_hand_on_still_closes_a_nudge_no_longer_staff(door, tracker):
    d, slack, _ = door
    await d.send(d.person("alice"), Note(kind="nudge", title="n", question=1), key="h1")
    tracker.conn.execute("UPDATE audit SET result = 'pending', address = 'UOLD'")
    assert d.on_lost_step is None and await d.resume_pending() == 0
    assert tracker.audit_by_key("h1")["result"] == "failed-permanent: recipient no longer staff"
    with pytest.raises(NotStaff, match="'ghost' is not a configured person"):
        await d.send(Recipient("ghost", "slack", "UGHOST"), NOTE, key="h3")
    with pytest.raises(NotStaff, match="'nope' is not an allow-listed staff channel"):
        await d.send(Recipient("nope", "slack", "C0MODS", is_channel=True), NOTE, key="h2")


async def test_the_door_accepts_links_to_the_configured_forums_only(make_settings, tracker, clock):
    s = make_settings(BASE_TOML + '\n[[feeds]]\nname = "forum"\nurl = "https://forum.example.org/latest.rss"\n')
    d = Door(s, tracker, clock, {})
    kept = d.neutral(Note(kind="nudge", title="t", link="https://forum.example.org/t/1", source="forum"))
    assert kept.link == "https://forum.example.org/t/1"
    assert d.neutral(Note(kind="nudge", title="t", link="https://evil.example/t/1", source="forum")).link is None


def test_slack_limits_exactly_at_their_boundaries():
    assert sout.blocks_for(Note(kind="notice", title="h" * 150))[0]["text"]["text"] == "h" * 150  # Slack's header limit, not cut
    footer = sout.blocks_for(Note(kind="notice", title="t", footer="f" * 2500))[-1]
    assert footer == {"type": "context", "elements": [{"type": "mrkdwn", "text": "f" * 2000}]}
    assert sout._safe_link("https://acme.slack.com/archives/CX1/pXX") == "https://acme.slack.com/archives/CX1/pXX"


def test_next_awake_walks_the_chain_forward_and_keeps_the_step(make_settings):
    s = make_settings(
        CHAIN.replace('[people.bob]\nslack = "UBOB"\ntimezone = "UTC"', '[people.bob]\nslack = "UBOB"\ntimezone = "UTC"\nquiet_hours = "10:00-12:00"')
        + '\n[people.dave]\nslack = "UDAVE"\n'
        + '\n[[routes]]\nplatform = "slack"\nchannel = "#Xray"\nchain = ["alice"]\n'
    )
    r = route(chain=["bob", "dave", "carol", "alice"], during_quiet_hours="next-awake")
    assert policy.decide(s, r, 0, 0, NOON) == policy.Decision(send_to="dave", step=0, note="bob is in quiet hours")  # the next, not the previous
    everyone_quiet = route(chain=["bob", "carol"], during_quiet_hours="next-awake")
    assert policy.decide(s, everyone_quiet, 1, 1, NOON) == policy.Decision(
        wait_until=datetime(2026, 1, 5, 12, 0, tzinfo=UTC), step=1, note="everyone on the chain is in quiet hours"
    )
    # Only "#" is dropped from either name: an X (or any letter) is part of it.
    assert policy.route_for(s, "slack", "C9", "XRAY") is s.routes[1] and policy.route_for(s, "slack", "C9", "#xray") is s.routes[1]
    assert policy.route_for(s, "slack", "C9", "ray") is None
