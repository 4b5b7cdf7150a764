"""The Slack adapter end to end: real slack-bolt / slack_sdk against a fake Slack on loopback, the real core."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from bot.config import ConfigError
from bot.outbound import button_id
from bot.store import Tracker

from .conftest import eventually
from .fake_slack import event_callback
from .payloads import (
    ALICE,
    BOB,
    HELP,
    HELPER,
    RANDOM,
    app_user_message,
    at,
    block_actions,
    bot_message,
    channel_join,
    message,
    message_changed,
    message_deleted,
    reaction_added,
    ts,
)

WINDOW = timedelta(hours=1)


def dms(fake):
    return fake.called("chat.postMessage")


def question(tracker, msg_ts):
    return next((q for q in tracker.questions() if q.msg_id == msg_ts), None)


async def test_unanswered_question_over_socket_mode_yields_exactly_one_dm(fake, start_slack, clock, tracker):
    app, source = await start_slack()
    await fake.connected()
    asked = ts(1)
    await fake.push_event(message("How do I rotate the API keys? <!channel> <@U0HELPER1>", when=asked))
    q = await eventually(lambda: question(tracker, asked))
    assert q.channel == HELP and q.channel_name == "help" and q.author_name == "Asker"
    assert q.link == f"https://acme.slack.com/archives/{HELP}/p{asked.replace('.', '')}"

    clock.advance(WINDOW - timedelta(minutes=1))
    assert await app.watchdog.tick() == 0
    clock.advance(timedelta(minutes=3))
    assert await app.watchdog.tick() == 1
    assert await app.watchdog.tick() == 0

    opened, posted = fake.called("conversations.open"), dms(fake)
    assert [c.args["users"] for c in opened] == [ALICE]
    assert len(posted) == 1 and posted[0].args["channel"] == fake.dms[ALICE]
    sent = fake.posted[(fake.dms[ALICE], next(iter(fake.posted))[1])]
    flat = json.dumps(sent["blocks"])
    assert "<!channel>" not in flat and "<@U0HELPER1>" not in flat  # nobody can be pinged from the quote
    assert "<" not in sent["text"] and "@\u200bchannel" in sent["text"]
    assert sent["metadata"]["event_payload"]["key"].startswith("nudge:")
    assert [b["type"] for b in sent["blocks"]][0] == "header"
    actions = [b for b in sent["blocks"] if b["type"] == "actions"][0]["elements"]
    assert [e["action_id"] for e in actions] == [button_id(a, q.id) for a in ("claim", "snooze:1h", "snooze:morning", "dismiss", "resolve")]
    assert app.hub.health["slack"].ok


async def test_thread_reply_by_another_human_before_the_window_means_no_dm(fake, start_slack, clock, tracker):
    app, _ = await start_slack()
    asked = ts(1)
    await fake.push_event(message("Anyone know why the build fails on arm64?", when=asked))
    await fake.push_event(message("Asker here, still stuck", when=ts(5), thread_ts=asked))  # the asker's own follow-up
    await fake.push_event(message("You need the cross toolchain", user=HELPER, when=ts(20), thread_ts=asked))
    q = await eventually(lambda: (q := question(tracker, asked)) and q.answered_at and q)
    assert q.answered_by == HELPER and q.answered_at == at(20)
    clock.advance(timedelta(hours=3))
    assert await app.watchdog.tick() == 0
    assert dms(fake) == []


async def test_bot_and_app_replies_never_count(fake, start_slack, clock, tracker):
    app, _ = await start_slack()
    asked = ts(1)
    await fake.push_event(message("How do I reset the staging DB?", when=asked))
    await fake.push_event(bot_message("Build #42 passed", when=ts(2), thread_ts=asked))
    await fake.push_event(app_user_message("Here is a doc that might help", when=ts(3), thread_ts=asked))
    await fake.push_event(bot_message("Is this a question?", when=ts(4)))  # a bot never asks either
    await eventually(lambda: len(tracker.conn.execute("SELECT * FROM messages").fetchall()) == 4)
    assert [q.msg_id for q in tracker.questions()] == [asked]
    clock.advance(WINDOW + timedelta(minutes=2))
    assert await app.watchdog.tick() == 1
    assert question(tracker, asked).answered_at is None


async def test_claim_button_stops_the_escalation_and_edits_the_dm(fake, start_slack, clock, tracker):
    app, _ = await start_slack()
    asked = ts(1)
    await fake.push_event(message("Where are the deploy logs kept?", when=asked))
    await eventually(lambda: question(tracker, asked))
    clock.advance(WINDOW + timedelta(minutes=2))
    assert await app.watchdog.tick() == 1
    (dm, dm_ts), sent = next(iter(fake.posted.items()))
    qid = question(tracker, asked).id

    # A click by someone who is not staff changes nothing.
    await fake.push("interactive", block_actions(button_id("claim", qid), user=HELPER, channel=dm, message_ts=dm_ts))
    await fake.push("interactive", block_actions(button_id("claim", qid), user=ALICE, channel=dm, message_ts=dm_ts))
    await eventually(lambda: fake.called("chat.update"))
    q = question(tracker, asked)
    assert q.claimed_by == "alice" and q.status == "open" and q.answered_at is None  # a claim is not an answer
    edited = fake.posted[(dm, dm_ts)]
    assert "(handled)" in edited["text"] and "alice is on it" in edited["text"]
    assert not [b for b in edited["blocks"] if b["type"] == "actions"]  # buttons gone

    clock.advance(timedelta(hours=5))
    assert await app.watchdog.tick() == 0  # bob is never nudged
    assert [c.args["users"] for c in fake.called("conversations.open")] == [ALICE]


async def test_button_works_after_a_restart(fake, start_slack, slack_settings, clock, tracker):
    app, source = await start_slack()
    asked = ts(1)
    await fake.push_event(message("Can someone review my PR?", when=asked))
    await eventually(lambda: question(tracker, asked))
    clock.advance(WINDOW + timedelta(minutes=2))
    await app.watchdog.tick()
    await source.stop()
    (dm, dm_ts), _ = next(iter(fake.posted.items()))
    qid = question(tracker, asked).id

    app2, _ = await start_slack(slack_settings())
    await fake.connected(2)
    await fake.push("interactive", block_actions(button_id("resolve", qid), user=BOB, channel=dm, message_ts=dm_ts))
    await eventually(lambda: question(tracker, asked).status == "resolved")
    assert question(tracker, asked).closed_by == "bob"
    await eventually(lambda: fake.called("chat.update"))


async def test_restart_catches_up_missed_questions_and_answers_with_their_real_times(fake, start_slack, slack_settings, clock, tmp_path):
    db = tmp_path / "restart.db"
    store = Tracker(db)
    app, source = await start_slack(store=store)
    seen = ts(1)
    await fake.push_event(message("What's the VPN address?", when=seen))
    fake.history_add(HELP, message("What's the VPN address?", channel=None, when=seen))
    await eventually(lambda: question(store, seen))
    await source.stop()
    store.close()

    # While the bot is down: an answer to the open question, a new question answered in its thread,
    # a new question nobody answered, a join (housekeeping) and chatter in an unwatched channel.
    fake.history_add(HELP, message("vpn.acme.example", user=HELPER, channel=None, when=ts(10), thread_ts=seen))
    answered, ignored = ts(20), ts(30)
    fake.history_add(HELP, message("How do I get a staging account?", channel=None, when=answered))
    fake.history_add(HELP, message("Ask IT in #it", user=HELPER, channel=None, when=ts(25), thread_ts=answered))
    fake.history_add(HELP, channel_join(BOB, ts(26)) | {"channel": None})
    fake.history_add(HELP, message("Why is CI red on main?", channel=None, when=ignored))
    fake.history_add(RANDOM, message("lunch?", channel=None, when=ts(31)))
    clock.advance(timedelta(minutes=90))  # restart 90 minutes later

    store = Tracker(db)
    app, source = await start_slack(slack_settings(), store=store)
    try:
        by_id = {q.msg_id: q for q in store.questions()}
        assert by_id[seen].answered_at == at(10) and by_id[seen].answered_by == HELPER
        assert by_id[answered].asked_at == at(20) and by_id[answered].answered_at == at(25)
        assert by_id[ignored].asked_at == at(30) and by_id[ignored].answered_at is None
        assert set(by_id) == {seen, answered, ignored}
        history_calls = fake.called("conversations.history")
        assert history_calls[-1].args["oldest"] == seen  # resumed after the newest stored message
        assert {c.args["channel"] for c in history_calls} == {HELP}  # unwatched channels are never read
        # Only the question nobody answered is due: 30 + 60 minutes = now.
        assert await app.watchdog.tick() == 1
        assert len(dms(fake)) == 1
    finally:
        await source.stop()
        store.close()


async def test_reconnect_catches_up(fake, start_slack, tracker):
    app, source = await start_slack()
    await fake.connected(1)
    missed = ts(5)
    fake.history_add(HELP, message("Is the wiki down?", channel=None, when=missed))
    await fake.ask_reconnect()
    await fake.connected(2)
    await eventually(lambda: question(tracker, missed))
    assert source.catchups == 2


async def test_rate_limit_with_retry_after_is_waited_out(fake, start_slack, tracker):
    fake.faults["conversations.history"] = ["429"]
    fake.retry_after = "1"  # a real wait: slack_sdk must sleep it out before the retry
    old = ts(-5)
    fake.history_add(HELP, message("How do I request a laptop?", channel=None, when=old))
    started = time.monotonic()
    app, _ = await start_slack()
    calls = fake.called("conversations.history")
    assert fake.injected == [("conversations.history", "429")]
    assert len(calls) == 2  # the 429, then the retry that succeeded
    assert calls[1].at - calls[0].at >= 1.0  # measured: slack_sdk sleeps on its own clock, none is injectable
    assert question(tracker, old) is not None  # nothing was lost to the rate limit
    assert time.monotonic() - started < 5


async def test_redelivered_event_changes_nothing(fake, start_slack, clock, tracker):
    app, _ = await start_slack()
    asked = ts(1)
    event = message("How do I join the on-call rota?", when=asked)
    eid = await fake.push_event(event)
    await eventually(lambda: question(tracker, asked))
    await fake.push_event(event, event_id=eid, retry_attempt=1)
    await fake.push_event(event)  # even under a new event id (a second delivery path)
    await fake.push_event(reaction_added(asked, "eyes", user=HELPER, when=ts(2)))
    await eventually(lambda: len(fake.acks) == 4)
    assert len(tracker.questions()) == 1
    assert tracker.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 1
    clock.advance(WINDOW + timedelta(minutes=2))
    assert await app.watchdog.tick() == 1


async def test_edits_deletes_reactions_and_housekeeping(fake, start_slack, clock, tracker):
    app, _ = await start_slack()
    a, b, c = ts(1), ts(2), ts(3)
    await fake.push_event(message("How do I make the thing work?", when=a))
    await fake.push_event(message("Why does the importer crash?", when=b))
    await fake.push_event(message("Where is the style guide?", when=c))
    await fake.push_event(channel_join(HELPER, ts(4)))
    await fake.push_event(message_changed(a, "How do I make the exporter work with S3?", ts(5)))
    await fake.push_event(message_deleted(b, ts(6)))
    await fake.push_event(reaction_added(c, "white_check_mark", user=ALICE, when=ts(7)))
    await fake.push_event({"type": "message", "channel": HELP})  # malformed: no ts, no user
    await eventually(lambda: question(tracker, c) and question(tracker, c).status == "resolved")
    await eventually(lambda: question(tracker, b).status == "deleted")
    await eventually(lambda: "S3" in question(tracker, a).excerpt)
    clock.advance(WINDOW + timedelta(minutes=2))
    assert await app.watchdog.tick() == 1  # only the edited one is still waiting
    assert "S3" in dms(fake)[0].args["text"]


async def test_http_mode_verifies_signatures(fake, slack_settings, start_slack, tracker):
    secret = "8f742231b10e8888abcd99yyyzzz85a5"
    settings = slack_settings('mode = "http"', UNANSWERED_SLACK__SIGNING_SECRET=secret)
    app, source = await start_slack(settings, http_port=0, http_host="127.0.0.1")
    url = f"http://127.0.0.1:{source.http_port}/slack/events"
    asked = ts(1)
    body = json.dumps(event_callback(message("How do I reach the status page?", when=asked), "Ev0HTTP001"))
    now = str(int(time.time()))
    good = SignatureVerifier(secret).generate_signature(timestamp=now, body=body)
    async with aiohttp.ClientSession() as http:
        bad = await http.post(
            url, data=body, headers={"X-Slack-Request-Timestamp": now, "X-Slack-Signature": "v0=" + "0" * 64, "Content-Type": "application/json"}
        )
        assert bad.status == 401
        assert question(tracker, asked) is None
        ok = await http.post(url, data=body, headers={"X-Slack-Request-Timestamp": now, "X-Slack-Signature": good, "Content-Type": "application/json"})
        assert ok.status == 200
        await eventually(lambda: question(tracker, asked))
        # Slack redelivers when the ack was slow: same body, X-Slack-Retry-Num set.
        again = await http.post(
            url,
            data=body,
            headers={
                "X-Slack-Request-Timestamp": now,
                "X-Slack-Signature": good,
                "Content-Type": "application/json",
                "X-Slack-Retry-Num": "1",
                "X-Slack-Retry-Reason": "http_timeout",
            },
        )
        assert again.status == 200
    assert len(tracker.questions()) == 1
    assert fake.called("apps.connections.open") == []


async def test_missing_and_refused_tokens_are_config_errors(fake, slack_settings, start_slack):
    from adapters.slack import source

    with pytest.raises(ConfigError) as missing:
        source(slack_settings(UNANSWERED_SLACK__APP_TOKEN=""))
    assert "UNANSWERED_SLACK__APP_TOKEN" in str(missing.value) and "App-Level Tokens" in str(missing.value)
    with pytest.raises(ConfigError) as wrong_kind:
        source(slack_settings(UNANSWERED_SLACK__BOT_TOKEN="xoxp-a-user-token"))
    assert "UNANSWERED_SLACK__BOT_TOKEN" in str(wrong_kind.value) and "xoxp-a-user-token" not in str(wrong_kind.value)
    fake.failing["auth.test"] = "invalid_auth"
    with pytest.raises(ConfigError) as refused:
        await start_slack()
    assert "UNANSWERED_SLACK__BOT_TOKEN" in str(refused.value) and "OAuth & Permissions" in str(refused.value)
    assert "xoxb-test-bot-token" not in str(refused.value)
    del fake.failing["auth.test"]
    fake.failing["conversations.list"] = "missing_scope"
    with pytest.raises(ConfigError) as scopes:
        await start_slack()
    assert "slack-manifest" in str(scopes.value)


async def test_invisible_channel_is_named_in_a_warning(fake, slack_settings, start_slack, caplog):
    settings = slack_settings()
    settings = settings.model_copy(update={"routes": settings.routes + [settings.routes[0].model_copy(update={"channel": "#secret-staff"})]})
    await start_slack(settings)
    warning = [r.getMessage() for r in caplog.records if "#secret-staff" in r.getMessage()]
    assert warning and "/invite @unanswered" in warning[0]


async def test_a_late_redelivery_of_an_older_edit_does_not_undo_a_newer_one(fake, start_slack, tracker):
    """Slack retries an event whose ack it missed, possibly after later events: the event id says it was applied.

    Without the event-id dedup the retried first edit would overwrite the second (the store
    applies edits in arrival order), so this fails if the dedup is disabled.
    """
    await start_slack()
    asked = ts(1)
    await fake.push_event(message("How do I join the rota?", when=asked))
    await eventually(lambda: question(tracker, asked))
    first = message_changed(asked, "How do I join the on-call rota? (edit 1)", ts(2))
    eid = await fake.push_event(first)
    await fake.push_event(message_changed(asked, "How do I join the on-call rota for EMEA? (edit 2)", ts(3)))
    await eventually(lambda: "edit 2" in question(tracker, asked).excerpt)
    await fake.push_event(first, event_id=eid, retry_attempt=1)  # Slack's retry of the first edit, arriving late
    later = ts(4)
    await fake.push_event(message("And where is the rota kept?", when=later))  # a later event, applied after the retry
    await eventually(lambda: question(tracker, later))
    assert "edit 2" in question(tracker, asked).excerpt
