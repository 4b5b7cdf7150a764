"""SlackTransport against the fake Slack: failures, crash recovery, the digest chart, staff channels."""

from __future__ import annotations

import json
from datetime import timedelta
from unittest.mock import ANY

from adapters.slack.inbound import make_client
from adapters.slack.outbound import METADATA_TYPE, SlackTransport
from bot.outbound import Delivery, Note, Recipient, Rendered

from .conftest import eventually
from .payloads import ALICE, BOB, HELP, message, ts

NOTE = Note(kind="notice", title="Hello staff", body="A <b> & c")


async def test_unreachable_moderator_is_permanent_and_the_chain_moves_on(fake, start_slack, clock, tracker):
    fake.dm_errors[ALICE] = "cannot_dm_bot"
    app, _ = await start_slack()
    asked = ts(1)
    await fake.push_event(message("How do I renew the TLS cert?", when=asked))
    await eventually(lambda: tracker.questions())
    clock.advance(timedelta(hours=1, minutes=2))
    await app.watchdog.tick()  # alice cannot be reached: bob is due now
    assert app.watchdog.next_due() == clock.now()
    await app.watchdog.tick()  # (the live scheduler runs this at once)
    posted = fake.called("chat.postMessage")
    assert [c.args["channel"] for c in posted] == [fake.dms[BOB]]  # straight to bob, nobody waits 30 minutes
    failed = [r["result"] for r in tracker.audit_rows(kind="nudge")]
    assert "failed-permanent: slack: cannot_dm_bot" in failed


async def test_transient_errors_are_not_permanent(fake, slack_settings):
    transport = SlackTransport(make_client(slack_settings()))
    fake.failing["chat.postMessage"] = "internal_error"
    to = Recipient("alice", "slack", ALICE)
    delivery = await transport.deliver(to, transport.render(NOTE, "k"), "k", NOTE)
    assert not delivery.ok and not delivery.permanent and delivery.error == "slack: internal_error"


async def test_a_crash_between_send_and_record_does_not_send_twice(fake, start_slack, tracker):
    app, _ = await start_slack()
    to = app.door.person("alice")
    await app.door.send(to, NOTE, key="notice:1")
    assert len(fake.called("chat.postMessage")) == 1
    # As if the process died right after Slack accepted the message.
    tracker.conn.execute("UPDATE audit SET result = 'pending' WHERE key = 'notice:1'")
    tracker.conn.commit()
    fresh = SlackTransport(make_client(app.settings))  # a new process knows no DM ids yet
    app.door.add_transport(fresh)
    assert await fresh.was_delivered(to, "notice:1") is True
    assert await fresh.was_delivered(to, "notice:2") is False
    assert await app.door.resume_pending() == 0
    assert len(fake.called("chat.postMessage")) == 1
    assert tracker.audit_by_key("notice:1")["result"] == "sent"


async def test_digest_chart_goes_to_the_same_dm(fake, slack_settings):
    transport = SlackTransport(make_client(slack_settings()))
    note = Note(kind="digest", title="Weekly digest", body="3 questions", image=b"\x89PNG fake chart", image_name="week.png")
    delivery = await transport.deliver(Recipient("bob", "slack", BOB), transport.render(note, "d1"), "d1", note)
    assert delivery.ok and delivery.ref.startswith(fake.dms[BOB] + ":")
    assert fake.called("upload")[0].args["bytes"] == len(note.image)
    assert fake.called("files.completeUploadExternal")[0].args["channel_id"] == fake.dms[BOB]
    assert fake.called("files.getUploadURLExternal")[0].args["filename"] == "week.png"  # shown under its name
    assert json.loads(fake.called("files.completeUploadExternal")[0].args["files"]) == [{"id": ANY, "title": "Weekly digest"}]


async def test_staff_channel_only_when_allow_listed(fake, slack_settings):
    settings = slack_settings('\n[staff_channels.mods]\nplatform = "slack"\nchannel = "C0MODS0001"\n')
    assert fake.staff_channels == {"C0MODS0001"}  # taken from the config, as every fake's staff are
    transport = SlackTransport(make_client(settings), staff_channels=["C0MODS0001"])
    ok = await transport.deliver(Recipient("mods", "slack", "C0MODS0001", is_channel=True), transport.render(NOTE, "s1"), "s1", NOTE)
    assert ok.ok and ok.ref.startswith("C0MODS0001:")
    refused = await transport.deliver(Recipient("help", "slack", "C0HELP0001", is_channel=True), transport.render(NOTE, "s2"), "s2", NOTE)
    assert refused == Delivery(ok=False, error="slack: not an allow-listed staff channel", permanent=True)
    assert [c.args["channel"] for c in fake.called("chat.postMessage")] == ["C0MODS0001"]


async def test_a_lost_answer_is_looked_up_before_the_send_is_called_failed(fake, slack_settings):
    transport = SlackTransport(make_client(slack_settings()))
    transport.client.timeout = 1
    to = Recipient("alice", "slack", ALICE)
    fake.faults["chat.postMessage"] = ["drop-after"]  # Slack took the post; its answer was lost
    delivery = await transport.deliver(to, transport.render(NOTE, "lost:1"), "lost:1", NOTE)
    (ts_,) = [ts_ for (_, ts_) in fake.posted]
    assert delivery.ok and delivery.ref == f"{fake.dms[ALICE]}:{ts_}" and len(fake.called("chat.postMessage")) == 1
    fake.faults["chat.postMessage"] = ["500"]  # nothing was posted: the history says so, and it failed
    failed = await transport.deliver(to, transport.render(NOTE, "lost:2"), "lost:2", NOTE)
    assert failed == Delivery(ok=False, error="slack: HTTP 500") and len(fake.posted) == 1
    fake.faults["chat.postMessage"] = ["500-after"]  # Slack took the post, then answered 500: found, not failed
    stored = await transport.deliver(to, transport.render(NOTE, "lost:4"), "lost:4", NOTE)
    assert len(fake.posted) == 2 and stored == Delivery(ok=True, ref="{}:{}".format(*list(fake.posted)[-1]))
    fake.failing["conversations.history"] = "internal_error"  # and when the history cannot be read either
    assert await transport.was_delivered(to, "lost:1") is None
    del fake.failing["conversations.history"]
    assert await transport.was_delivered(to, "lost:1") is True and await transport.was_delivered(to, "lost:3") is False


async def test_a_failed_chart_upload_does_not_fail_the_digest_and_edits_touch_only_our_dms(fake, slack_settings):
    transport = SlackTransport(make_client(slack_settings()))
    note = Note(kind="digest", title="Weekly digest", body="3 questions", image=b"\x89PNG", image_name="week.png")
    fake.failing["files.getUploadURLExternal"] = "internal_error"
    delivery = await transport.deliver(Recipient("bob", "slack", BOB), transport.render(note, "d2"), "d2", note)
    assert delivery.ok and not fake.called("files.completeUploadExternal")
    channel, ts_ = delivery.ref.split(":")
    await transport.update(delivery.ref, transport.render(Note(kind="nudge", title="handled"), "d2"), note)
    (call,) = fake.called("chat.update")
    assert call.args["channel"] == channel and call.args["ts"] == ts_ and call.args["text"] == "handled"
    await transport.update("C0HELP0001:1.000001", transport.render(NOTE, "x"), NOTE)  # a member channel: refused here
    await transport.update("D0NOTS", transport.render(NOTE, "x"), NOTE)  # no ts
    assert len(fake.called("chat.update")) == 1


# Each of Slack's answers that says "this person or this token cannot be reached by retrying": the chain
# moves on at once (or the health check says what to fix) instead of three retries a minute apart.
PERMANENT = [
    "user_not_found",
    "users_not_found",
    "cannot_dm_bot",
    "user_disabled",
    "account_inactive",
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "restricted_action",
    "messages_tab_disabled",
    "invalid_auth",
    "not_authed",
    "missing_scope",
    "no_permission",
    "team_access_not_granted",
    "invalid_blocks",
    "msg_too_long",
    "token_revoked",
    "not_allowed_token_type",
    "ekm_access_denied",
]


async def test_each_permanent_slack_error_is_permanent_and_no_history_is_read(fake, slack_settings):
    transport = SlackTransport(make_client(slack_settings()))
    to = Recipient("alice", "slack", ALICE)
    for error in PERMANENT:
        fake.failing["chat.postMessage"] = error
        assert await transport.deliver(to, transport.render(NOTE, "p"), "p", NOTE) == Delivery(ok=False, error=f"slack: {error}", permanent=True), error
    fake.failing["chat.postMessage"] = "fatal_error"  # a clear refusal, not about the person: retried later
    assert await transport.deliver(to, transport.render(NOTE, "p"), "p", NOTE) == Delivery(ok=False, error="slack: fatal_error")
    assert fake.called("conversations.history") == [] and not fake.posted  # a clear refusal posted nothing: no look-up


async def test_a_moderator_slack_cannot_open_a_dm_with_is_permanent(fake, slack_settings):
    transport = SlackTransport(make_client(slack_settings()))
    fake.dm_errors[ALICE] = "user_not_found"
    delivery = await transport.deliver(Recipient("alice", "slack", ALICE), transport.render(NOTE, "o1"), "o1", NOTE)
    assert delivery == Delivery(ok=False, error="slack: user_not_found", permanent=True) and fake.called("chat.postMessage") == []


async def test_the_dm_channel_is_opened_once_per_person(fake, slack_settings):
    transport = SlackTransport(make_client(slack_settings()))
    for i in range(3):
        to = Recipient("alice" if i < 2 else "bob", "slack", ALICE if i < 2 else BOB)
        assert (await transport.deliver(to, transport.render(NOTE, f"c{i}"), f"c{i}", NOTE)).ok
    assert [c.args["users"] for c in fake.called("conversations.open")] == [ALICE, BOB]
    assert [c.args["channel"] for c in fake.called("chat.postMessage")] == [fake.dms[ALICE], fake.dms[ALICE], fake.dms[BOB]]


async def test_a_post_answers_with_the_dm_it_landed_in_and_carries_its_key(fake, slack_settings):
    transport = SlackTransport(make_client(slack_settings()))
    rendered = transport.render(NOTE, "m1")
    delivery = await transport.deliver(Recipient("alice", "slack", ALICE), rendered, "m1", NOTE)
    ((channel, ts_),) = list(fake.posted)
    assert delivery == Delivery(ok=True, ref=f"{channel}:{ts_}") and channel == fake.dms[ALICE]
    (call,) = fake.called("chat.postMessage")
    assert call.args["text"] == rendered.payload["text"] == "Hello staff\nA &lt;b&gt; &amp; c"
    assert str(call.args["unfurl_links"]).lower() in ("false", "0") and str(call.args["unfurl_media"]).lower() in ("false", "0")
    assert await transport.was_delivered(Recipient("alice", "slack", ALICE), "m1") is True


async def test_a_conversations_open_answer_that_is_not_a_dm_is_refused(fake, slack_settings):
    """Should Slack (or a proxy) answer with a channel that is not a DM, nothing is posted there."""
    transport = SlackTransport(make_client(slack_settings()))
    fake.dms[ALICE] = HELP  # conversations.open now answers with the public #help channel
    delivery = await transport.deliver(Recipient("alice", "slack", ALICE), transport.render(NOTE, "x1"), "x1", NOTE)
    assert delivery == Delivery(ok=False, error="slack: conversations.open did not return a DM channel", permanent=True)
    assert fake.called("chat.postMessage") == []


async def test_a_row_without_its_payload_is_posted_as_its_escaped_text(fake, slack_settings):
    transport = SlackTransport(make_client(slack_settings()))
    delivery = await transport.deliver(Recipient("alice", "slack", ALICE), Rendered(text="old <b> & row"), "r1", NOTE)
    (call,) = fake.called("chat.postMessage")
    assert delivery.ok and call.args["text"] == "old &lt;b&gt; &amp; row"


async def test_a_cut_connection_that_posted_nothing_is_a_named_transient_failure(fake, slack_settings):
    transport = SlackTransport(make_client(slack_settings()))
    fake.faults["chat.postMessage"] = ["drop"]  # closed before anything was done
    delivery = await transport.deliver(Recipient("alice", "slack", ALICE), transport.render(NOTE, "z1"), "z1", NOTE)
    assert delivery.ok is False and delivery.permanent is False and not fake.posted
    assert delivery.error is not None and delivery.error.startswith("slack: ") and delivery.error.endswith("Error")


async def test_after_a_crash_the_dm_is_found_behind_any_number_of_later_ones(fake, slack_settings):
    """The read-back pages from the audit time (less 10 minutes): later DMs cannot hide it, nor can a first page."""
    from datetime import datetime, timezone

    transport = SlackTransport(make_client(slack_settings()))
    to = Recipient("alice", "slack", ALICE)
    audited = datetime.now(timezone.utc)
    assert (await transport.deliver(to, transport.render(NOTE, "first"), "first", NOTE)).ok
    ((dm, first_ts),) = list(fake.posted)
    for i in range(450):  # more than two pages of later DMs, stored as Slack would
        later = f"{float(first_ts) + 1 + i:.6f}"
        fake.posted[(dm, later)] = {**fake.posted[(dm, first_ts)], "ts": later, "metadata": {"event_type": METADATA_TYPE, "event_payload": {"key": f"l{i}"}}}
    assert await transport.was_delivered(to, "first") is False  # just after a failed send: the newest page only
    assert await transport.was_delivered(to, "first", since=audited) is True
    reads = [c.args for c in fake.called("conversations.history")][1:]
    assert [r.get("cursor") or "" for r in reads] == ["", "200", "400"]
    assert all(int(r["limit"]) == 200 and str(r["include_all_metadata"]).lower() in ("1", "true") for r in reads)
    assert all(r["oldest"] == f"{(audited - timedelta(minutes=10)).timestamp():.6f}" for r in reads)
    assert await transport.was_delivered(to, "first", since=audited + timedelta(minutes=11)) is False  # not read before that
    assert await transport.was_delivered(to, "nowhere", since=audited) is False  # read to the end: not there


async def test_an_edit_sends_the_rendered_text_and_blocks(fake, slack_settings):
    transport = SlackTransport(make_client(slack_settings()))
    to = Recipient("alice", "slack", ALICE)
    delivery = await transport.deliver(to, transport.render(NOTE, "u1"), "u1", NOTE)
    handled = Note(kind="nudge", title="Handled <now>", question=3, buttons=("resolve",))
    rendered = transport.render(handled, "u1")
    await transport.update(delivery.ref, rendered, handled)
    (msg,) = fake.posted.values()
    assert msg["text"] == rendered.payload["text"] and msg["blocks"] == rendered.payload["blocks"]
    await transport.update(delivery.ref, Rendered(text="plain <x>"), handled)  # a row audited without a payload
    assert msg["text"] == "plain &lt;x&gt;" and msg["blocks"] == []
