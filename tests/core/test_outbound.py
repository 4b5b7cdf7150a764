"""The outbound door: staff only, audited before sending, member text made inert."""

from __future__ import annotations

import pytest

from bot.outbound import Door, Note, NotStaff, Recipient, button_id, parse_button_id
from bot.render import neutralise

from .helpers import BASE_TOML, RecordingTransport


@pytest.fixture
def door(make_settings, tracker, clock):
    settings = make_settings(BASE_TOML + '\n[staff_channels.mods]\nplatform = "slack"\nchannel = "C0MODS"\n')
    transport = RecordingTransport()
    return Door(settings, tracker, clock, {"slack": transport}), transport


NOTE = Note(kind="notice", title="hello staff", reason="test")


async def test_sends_to_a_configured_person_by_dm(door):
    d, transport = door
    delivery = await d.send(d.person("alice"), NOTE, key="k1")
    assert delivery.ok and transport.delivered[0][0] == Recipient("alice", "slack", "UALICE")


@pytest.mark.parametrize(
    "to",
    [
        Recipient("mallory", "slack", "UMALLORY"),  # not configured
        Recipient("alice", "slack", "C0GENERAL"),  # a configured name with a member channel as address
        Recipient("mods", "slack", "C0GENERAL", is_channel=True),  # a staff channel name pointing elsewhere
        Recipient("general", "slack", "C0GENERAL", is_channel=True),  # not allow-listed
    ],
)
async def test_refuses_anyone_else_before_writing_anything(door, tracker, to):
    d, transport = door
    with pytest.raises(NotStaff):
        await d.send(to, NOTE, key="k2")
    assert transport.delivered == [] and tracker.audit_rows() == []


async def test_allow_listed_staff_channel(door):
    d, transport = door
    await d.send(d.staff_channel("mods"), NOTE, key="k3")
    assert transport.delivered[0][0].address == "C0MODS"
    with pytest.raises(NotStaff):
        d.staff_channel("general")


async def test_audit_is_written_before_the_send(door, tracker):
    d, transport = door
    seen = []
    transport.on_deliver = lambda to, key: seen.append(tracker.audit_by_key(key)["result"])
    await d.send(d.person("bob"), NOTE, key="k4")
    assert seen == ["pending"]
    assert tracker.audit_by_key("k4")["result"] == "sent"


async def test_same_key_is_never_sent_twice(door):
    d, transport = door
    await d.send(d.person("bob"), NOTE, key="k5")
    again = await d.send(d.person("bob"), NOTE, key="k5")
    assert again.error == "duplicate" and len(transport.delivered) == 1


async def test_dry_run_prints_and_audits(make_settings, tracker, clock, capsys):
    from bot.outbound import ConsoleTransport

    settings = make_settings(BASE_TOML)
    d = Door(settings, tracker, clock, {}, dry_run=True, console=ConsoleTransport())
    await d.send(d.person("alice"), NOTE, key="k6")
    assert "would DM alice" in capsys.readouterr().out
    assert tracker.audit_by_key("k6")["result"] == "dry-run"


async def test_no_connection_for_the_platform_is_a_recorded_failure(make_settings, tracker, clock):
    settings = make_settings(BASE_TOML)
    d = Door(settings, tracker, clock, {})
    delivery = await d.send(d.person("alice"), NOTE, key="k7")
    assert not delivery.ok and delivery.permanent
    assert tracker.audit_by_key("k7")["result"].startswith("failed-permanent")


def test_button_ids_round_trip():
    assert parse_button_id(button_id("snooze:morning", 42)) == ("snooze:morning", 42)
    assert parse_button_id("unanswered:delete-everything:1") is None
    assert parse_button_id("other:claim:1") is None


@pytest.mark.parametrize(
    "text,forbidden",
    [
        ("hey @everyone look", "@everyone"),
        ("hey @here look", "@here"),
        ("<!channel> urgent", "<!channel>"),
        ("<!here|here> urgent", "<!here"),
        ("ping <@U12345> now", "<@U12345>"),
        ("ping <@!1234567890> now", "<@!1234567890>"),
        ("role <@&998877> now", "<@&998877>"),
        ("<!subteam^S123|@mods> help", "<!subteam"),
    ],
)
def test_mentions_cannot_survive(text, forbidden):
    out = neutralise(text)
    assert forbidden not in out
    assert "@everyone" not in out and "@here" not in out and "@channel" not in out


@pytest.mark.parametrize(
    "text,target",
    [
        ("[docs.example.com](http://evil.example/login)", "http://evil.example/login"),
        ("<http://evil.example/x|https://bank.example>", "http://evil.example/x"),
    ],
)
def test_disguised_links_show_their_target(text, target):
    out = neutralise(text)
    assert target in out and "](" not in out and "|" not in out


def test_invisible_and_control_characters_are_removed_and_length_capped():
    out = neutralise("abc\u202edef\u200bghi\x00\x07" + "x" * 1000, limit=100)
    assert "\u202e" not in out and "\u200b" not in out.replace("@\u200b", "") and "\x00" not in out
    assert len(out) <= 100


async def test_a_dm_edit_is_audited_and_never_resent_as_a_new_dm(door, tracker):
    d, transport = door
    await d.send(d.person("alice"), NOTE, key="k8")
    ref = tracker.audit_by_key("k8")["ref"]
    await d.update_by_ref(ref, Note(kind="nudge", title="handled by bob"))
    (edit,) = tracker.audit_rows(kind="update")
    assert edit["result"] == "sent" and "handled by bob" in edit["text"]
    tracker.conn.execute("UPDATE audit SET result = 'pending' WHERE kind = 'update'")  # as if we died mid-edit
    assert await d.resume_pending() == 0
    assert [k for _, _, k in transport.delivered] == ["k8", "update"]  # no new DM
    assert tracker.audit_rows(kind="update")[0]["result"].startswith("failed-permanent: interrupted edit")


async def test_a_send_the_platform_cannot_confirm_waits_then_is_sent_once(door, tracker, clock):
    from datetime import timedelta

    d, transport = door
    await d.send(d.person("alice"), NOTE, key="k9")
    tracker.conn.execute("UPDATE audit SET result = 'pending'")  # the process died around the send
    transport.delivered.clear()  # ...and the DM never arrived

    async def unknown(to, key, since=None):
        return None  # the DM history cannot be read right now

    transport.was_delivered = unknown
    assert await d.resume_pending() == 0  # not knowing is no reason to risk a duplicate yet
    assert tracker.audit_by_key("k9")["result"] == "pending"
    clock.advance(timedelta(hours=1, minutes=1))
    assert await d.resume_pending() == 1  # but a nudge is never skipped
    assert await d.resume_pending() == 0
    assert [k for _, _, k in transport.delivered] == ["k9"]


@pytest.mark.parametrize("alice", ["", 'slack = "UALICE2"\n'], ids=["removed", "re-addressed"])
async def test_a_pending_dm_to_someone_no_longer_staff_is_closed_not_sent(make_settings, tracker, clock, alice):
    """The staff check runs on resume too: the config in force decides, not the audit row."""
    first = make_settings(BASE_TOML)
    transport = RecordingTransport()
    await Door(first, tracker, clock, {"slack": transport}).send(Door(first, tracker, clock).person("alice"), NOTE, key="k10")
    ref = tracker.audit_by_key("k10")["ref"]
    tracker.conn.execute("UPDATE audit SET result = 'pending'")  # died between audit and send
    transport.delivered.clear()
    asked: list[str] = []

    async def was_delivered(to, key, since=None):
        asked.append(to.address)
        return False

    transport.was_delivered = was_delivered
    if alice:
        people = BASE_TOML.replace('slack = "UALICE"\n', alice)
    else:
        people = BASE_TOML.replace('[people.alice]\nslack = "UALICE"\ntimezone = "UTC"\n', "").replace('["alice", "bob"]', '["bob"]')
    later = Door(make_settings(people), tracker, clock, {"slack": transport})
    assert await later.resume_pending() == 0
    assert tracker.audit_by_key("k10")["result"] == "failed-permanent: recipient no longer staff"
    assert transport.delivered == [] and asked == []  # not even a look at the old DM
    await later.update_by_ref(ref, Note(kind="nudge", title="handled"))  # nor an edit of it
    assert transport.delivered == [] and tracker.audit_rows(kind="update") == []
