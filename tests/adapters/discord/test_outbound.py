"""The Discord transport on its own, against the fake Discord: what each refusal means, what a DM carries.

discord.py's own HTTP client (logged in over REST, as the live source does) sends to the
loopback fake; every answer below is a real Discord error body, so the exceptions are
discord.py's. These pin what the door (and the moderator reading `status`) is told.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import discord
import pytest

from adapters.discord import outbound as dout
from adapters.discord.inbound import DiscordSource
from bot.transport import NUDGE_BUTTONS, Delivery, Note, Recipient, Rendered

from .conftest import ALICE, BOB, FORUM, SETTINGS
from .fake_discord import TOKEN

SEND = "POST /channels/{id}/messages"
MODS = "930000000000000009"  # an allow-listed staff channel
TO_ALICE = Recipient("alice", "discord", ALICE)
NUDGE = Note(kind="nudge", title="Unanswered question in #help", quote="q", reason="r", question=7, buttons=NUDGE_BUTTONS, footer="unanswered · question #7")


@pytest.fixture
async def transport(make_settings, fake):
    toml = SETTINGS.format(alice=ALICE, bob=BOB, forum=FORUM, api=fake.api_url) + f'\n[staff_channels.mods]\nplatform = "discord"\nchannel = "{MODS}"\n'
    source = DiscordSource(make_settings(toml, UNANSWERED_DISCORD__TOKEN=TOKEN))
    yield source.transport()
    await source.stop()


def sent_to(fake, channel: str) -> list[dict]:
    return [m for m in fake.dm_messages.values() if m["channel_id"] == channel]


@pytest.mark.parametrize(
    "fault,expected",
    [
        ("403:50007", Delivery(ok=False, permanent=True, error="alice has DMs closed (50007): they must allow direct messages from server members")),
        ("403:50001", Delivery(ok=False, permanent=True, error="Discord refused the message to alice (403, code 50001)")),
        ("404:10013", Delivery(ok=False, permanent=True, error=f"Discord does not know alice's id {ALICE} (404, code 10013)")),
        ("400:50035", Delivery(ok=False, permanent=False, error="Discord error 400 (code 50035)")),
        ("413:40005", Delivery(ok=False, permanent=False, error="Discord error 413 (code 40005)")),
    ],
)
async def test_each_refusal_is_classified_and_worded_for_the_moderator(fault, expected, fake, transport):
    """Permanent (this person cannot be reached: the chain moves on now) or not (retried), in plain words."""
    fake.faults[SEND] = [fault]
    rendered = transport.render(NUDGE, "k1")
    assert await transport.deliver(TO_ALICE, rendered, "k1", NUDGE) == expected
    assert fake.dms_to(ALICE) == []


async def test_a_lost_answer_is_a_plain_failure_when_the_dm_did_not_arrive(fake, transport):
    fake.faults[SEND] = ["drop"]  # the connection is cut before Discord stored anything
    delivery = await transport.deliver(TO_ALICE, transport.render(NUDGE, "k2"), "k2", NUDGE)
    assert delivery.ok is False and delivery.permanent is False and delivery.ref is None
    assert delivery.error is not None and delivery.error.startswith("cannot reach Discord (") and "Error)" in delivery.error
    assert fake.dms_to(ALICE) == []


async def test_a_dm_carries_exactly_the_rendered_embed_buttons_and_chart(fake, transport):
    chart = Note(kind="digest", title="Weekly digest", body="b", image=b"\x89PNG fake", image_name="digest-2026-w02.png")
    delivery = await transport.deliver(TO_ALICE, transport.render(chart, "d1"), "d1", chart)
    (msg,) = fake.dms_to(ALICE)
    assert delivery == Delivery(ok=True, ref=f"{msg['channel_id']}:{msg['id']}")
    assert [(a["filename"], a["size"]) for a in msg["attachments"]] == [("digest-2026-w02.png", len(chart.image))]
    assert msg["embeds"][0]["image"]["url"] == "attachment://digest-2026-w02.png"  # the embed shows that very file

    rendered = transport.render(NUDGE, "n1")
    await transport.deliver(TO_ALICE, rendered, "n1", NUDGE)
    nudge = fake.dms_to(ALICE)[-1]
    assert nudge["components"] == [{"type": 1, "components": [{**b, "disabled": False} for b in row["components"]]} for row in rendered.payload["components"]]
    assert [b["label"] for b in nudge["components"][0]["components"]] == [dout.BUTTON_LABELS[a] for a in NUDGE_BUTTONS]


async def test_a_row_without_its_payload_is_sent_as_its_audited_text_with_its_key(fake, transport):
    """A resumed row from before payloads were audited: the text, and the ref that finds it again."""
    delivery = await transport.deliver(TO_ALICE, Rendered(text="T" * 300 + "\nmore"), "old:1", Note(kind="nudge", title="t"))
    (msg,) = fake.dms_to(ALICE)
    assert delivery.ok and msg["embeds"][0]["title"] == "T" * 256 and msg["embeds"][0]["footer"]["text"] == "ref old:1"
    assert msg["components"] == []
    assert await transport.was_delivered(TO_ALICE, "old:1") is True


async def test_a_staff_channel_post_goes_to_that_channel_only(fake, transport):
    to = Recipient("mods", "discord", MODS, is_channel=True)
    delivery = await transport.deliver(to, transport.render(NUDGE, "c1"), "c1", NUDGE)
    (msg,) = sent_to(fake, MODS)
    assert delivery == Delivery(ok=True, ref=f"{MODS}:{msg['id']}") and fake.dms == {}
    assert await transport.was_delivered(to, "c1") is True


async def test_was_delivered_finds_only_our_own_message_with_that_key_since_the_audit(fake, transport):
    await transport.deliver(TO_ALICE, transport.render(NUDGE, "w1"), "w1", NUDGE)
    (cid,) = fake.dms
    audited = datetime.now(timezone.utc)
    assert await transport.was_delivered(TO_ALICE, "w1", since=audited) is True  # 10 minutes' margin for clocks
    assert await transport.was_delivered(TO_ALICE, "w1", since=audited + timedelta(minutes=11)) is False  # not read before that
    assert await transport.was_delivered(TO_ALICE, "w1") is True and await transport.was_delivered(TO_ALICE, "w2") is False
    # Someone else's message quoting the key, and one of ours without a footer, are not it.
    (mine,) = fake.dm_messages.values()
    fake.dm_messages.clear()
    fake.dm_messages["1"] = {**mine, "id": "1", "author": {**mine["author"], "id": BOB}}
    fake.dm_messages["2"] = {**mine, "id": "2", "embeds": [{"type": "rich", "title": "x"}]}
    assert await transport.was_delivered(TO_ALICE, "w1") is False
    assert await transport.was_delivered(TO_ALICE, "w1", since=audited) is False
    assert cid in fake.dms


async def test_was_delivered_reads_back_far_enough_after_a_crash(fake, transport):
    """After a crash the DM may be followed by many later ones: the read-back pages from the audit time."""
    await transport.deliver(TO_ALICE, transport.render(NUDGE, "first"), "first", NUDGE)
    for i in range(30):  # more than the quick scan right after a failed send looks at
        await transport.deliver(TO_ALICE, Rendered(text=f"later {i}"), f"later:{i}", Note(kind="notice", title="x"))
    since = datetime.now(timezone.utc) - timedelta(minutes=1)
    assert await transport.was_delivered(TO_ALICE, "first") is False  # the most recent 25 only
    assert await transport.was_delivered(TO_ALICE, "first", since=since) is True
    pages = [c.query for c in fake.calls if c.method == "GET" and c.path.endswith("/messages") and "after" in c.query]
    assert pages and all(int(q["limit"]) == 100 for q in pages)


async def test_an_edit_keeps_exactly_the_rendered_buttons(fake, transport):
    rendered = transport.render(NUDGE, "e1")
    delivery = await transport.deliver(TO_ALICE, rendered, "e1", NUDGE)
    assert delivery.ref is not None
    handled = Note(kind="nudge", title="handled", question=7, buttons=("resolve",))
    await transport.update(delivery.ref, transport.render(handled, "e1"), handled)
    (msg,) = fake.dms_to(ALICE)
    assert msg["embeds"][0]["title"] == "handled"
    assert [[(b["label"], b["style"], b["custom_id"]) for b in row["components"]] for row in msg["components"]] == [
        [("Answered elsewhere", discord.ButtonStyle.success.value, "unanswered:resolve:7")]
    ]
    await transport.update(delivery.ref, transport.render(Note(kind="nudge", title="done"), "e1"), handled)
    assert fake.dms_to(ALICE)[0]["components"] == []


def test_view_for_keeps_each_buttons_label_and_style():
    rows = [{"type": 1, "components": [{"custom_id": "unanswered:claim:7", "label": "Mine!", "style": 4}, {"custom_id": "unanswered:dismiss:7"}]}, {"type": 1}]
    view = dout.view_for(rows)
    assert view is not None and view.timeout is None
    assert [(b.item.label, b.item.style, b.item.custom_id) for b in view.children] == [
        ("Mine!", discord.ButtonStyle.danger, "unanswered:claim:7"),
        (dout.BUTTON_LABELS["dismiss"], discord.ButtonStyle.secondary, "unanswered:dismiss:7"),
    ]
    assert dout.view_for([{"type": 1}]) is None and dout.view_for([]) is None


async def test_a_hung_send_gives_up_in_time_and_finds_the_dm_that_arrived(fake, transport):
    """Discord stored the DM but never answered: the send stops waiting, then the DM is found (no second one)."""
    fake.hang_seconds, transport.send_timeout = 2.0, 0.2
    fake.faults[SEND] = ["hang"]
    delivery = await transport.deliver(TO_ALICE, transport.render(NUDGE, "h1"), "h1", NUDGE)
    assert delivery == Delivery(ok=True)  # found by its key; no ref: the answer that had it never came
    assert len(fake.dms_to(ALICE)) == 1


async def test_a_server_error_that_stored_nothing_is_a_plain_retryable_failure(fake, transport):
    fake.faults[SEND] = ["503"]  # discord.py does not retry a 503: the transport sees it at once
    delivery = await transport.deliver(TO_ALICE, transport.render(NUDGE, "s1"), "s1", NUDGE)
    assert delivery == Delivery(ok=False, error="Discord error 503 (code 0)") and fake.dms_to(ALICE) == []


def test_long_quote_lines_field_names_and_titles_are_cut_to_discords_limits():
    note = Note(kind="notice", title="t" * 300, quote="q" * 600, fields=(("n" * 300, "v"),))
    embed = dout.build_embed(note, "k")
    assert embed["title"] == "t" * 255 + "…"
    assert embed["description"] == "> " + "q" * 499 + "…"
    assert embed["fields"][0]["name"] == "n" * 255 + "…"
    two = dout.render_note(Note(kind="nudge", title="T", question=2, buttons=("claim", "dismiss")), "k")
    assert two.text == "T\n[I'm on it] [Not a question]\nref k"


async def test_a_server_error_after_discord_stored_the_dm_finds_it_instead_of_sending_again(fake, transport):
    fake.faults[SEND] = ["503-after"]
    delivery = await transport.deliver(TO_ALICE, transport.render(NUDGE, "s2"), "s2", NUDGE)
    assert delivery == Delivery(ok=True) and len(fake.dms_to(ALICE)) == 1
