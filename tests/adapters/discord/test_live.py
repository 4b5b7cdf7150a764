"""The Discord adapter end to end: discord.py's own client against a fake Discord on 127.0.0.1."""

from __future__ import annotations

import json
import logging

import pytest

from adapters.discord import translate
from bot.config import ConfigError

from .conftest import ALICE, BOB, FORUM, HELP, MEMBER, OFFTOPIC, at, helper, member, otherbot, sid, until


async def forum_post(fake, minutes: float, text: str = "How do I configure the webhook retries?", author=member) -> str:
    tid = sid(minutes)
    thread = fake.thread(tid, FORUM, "webhook retries", author["id"])
    await fake.dispatch("THREAD_CREATE", {**thread, "newly_created": True})
    await fake.dispatch("MESSAGE_CREATE", fake.message(tid, tid, author, text))
    return tid


async def test_forum_post_left_alone_gets_one_dm_after_the_window(fake, bot):
    await bot.start()
    tid = await forum_post(fake, 1)
    await until(lambda: bot.tracker.question_at("discord", FORUM, tid) is not None)
    q = bot.tracker.question(bot.tracker.question_at("discord", FORUM, tid)["id"])
    assert q.asked_at == at(1).replace(microsecond=q.asked_at.microsecond)  # the time inside the snowflake
    assert q.channel_name == "questions" and q.link.endswith(f"/{tid}/{tid}")

    assert await bot.tick(30) == 0
    assert await bot.tick(32) == 1  # past the 1h window
    dms = fake.dms_to(ALICE)
    assert len(dms) == 1
    embed = dms[0]["embeds"][0]
    assert "questions" in embed["title"]
    assert "webhook retries" in embed["description"]
    assert dms[0]["allowed_mentions"] == {"parse": []}
    assert [b["custom_id"] for b in dms[0]["components"][0]["components"]] == [
        f"unanswered:{a}:{q.id}" for a in ("claim", "snooze:1h", "snooze:morning", "dismiss", "resolve")
    ]
    assert await bot.tick(1) == 0  # one DM, not one per tick


async def test_a_reply_by_another_human_stops_it_in_a_thread_and_by_reference(fake, bot):
    await bot.start()
    tid = await forum_post(fake, 1)
    await fake.dispatch("MESSAGE_CREATE", fake.message(tid, sid(5), helper, "Set retries in the webhook settings."))
    # In #help: a question, then a Discord reply (message_reference) from someone else.
    q2 = sid(2)
    await fake.dispatch("MESSAGE_CREATE", fake.message(HELP, q2, member, "How do I reset my password? I can't get the email to arrive"))
    await fake.dispatch("MESSAGE_CREATE", fake.message(HELP, sid(20), helper, "check the spam folder", reply_to=q2))
    await until(lambda: (bot.tracker.question_at("discord", HELP, q2) or {"answered_at": None})["answered_at"] is not None)
    assert bot.tracker.question_at("discord", FORUM, tid)["answered_at"] is not None
    assert await bot.tick(180) == 0
    assert fake.dm_messages == {}


async def test_the_askers_own_replies_and_bots_do_not_count(fake, bot):
    await bot.start()
    tid = await forum_post(fake, 1)
    await fake.dispatch("MESSAGE_CREATE", fake.message(tid, sid(2), member, "any ideas? still stuck"))
    await fake.dispatch("MESSAGE_CREATE", fake.message(tid, sid(3), otherbot, "Thanks for your post! A human will reply soon."))
    await fake.dispatch("MESSAGE_CREATE", fake.message(tid, sid(4), helper, "webhook relay says hi", webhook=True))
    await fake.dispatch("MESSAGE_CREATE", fake.message(tid, sid(5), helper, "pinned a message", mtype=6))
    await until(lambda: bot.tracker.message("discord", FORUM, sid(5)) is not None)
    assert bot.tracker.question_at("discord", FORUM, tid)["answered_at"] is None
    assert await bot.tick(62) == 1
    assert len(fake.dms_to(ALICE)) == 1


async def test_a_claim_from_the_dm_button_stops_escalation_and_edits_the_dm(fake, bot):
    await bot.start()
    tid = await forum_post(fake, 1)
    await until(lambda: bot.tracker.question_at("discord", FORUM, tid) is not None)
    assert await bot.tick(62) == 1
    dm = fake.dms_to(ALICE)[0]
    qid = bot.tracker.question_at("discord", FORUM, tid)["id"]
    await fake.dispatch("INTERACTION_CREATE", fake.click(dm, f"unanswered:claim:{qid}", ALICE))
    await until(lambda: bot.tracker.question(qid).claimed_by == "alice")
    await until(lambda: dm["components"] == [] and "(handled)" in dm["embeds"][0]["title"])
    assert "alice is on it" in dm["embeds"][0]["fields"][3]["value"]
    assert fake.interaction_callbacks == [{"type": 6}]  # deferred update: nothing new is shown
    assert await bot.tick(120) == 0
    assert fake.dms_to(BOB) == []


async def test_snooze_buttons_survive_a_restart(fake, bot):
    await bot.start()
    tid = await forum_post(fake, 1)
    await until(lambda: bot.tracker.question_at("discord", FORUM, tid) is not None)
    assert await bot.tick(62) == 1
    await bot.stop()
    await bot.start()  # a new client: the button is rebuilt from its custom id alone
    dm = fake.dms_to(ALICE)[0]
    qid = bot.tracker.question_at("discord", FORUM, tid)["id"]
    await fake.dispatch("INTERACTION_CREATE", fake.click(dm, f"unanswered:snooze:1h:{qid}", ALICE))
    await until(lambda: "Snoozed by alice" in json.dumps(dm["embeds"]))
    assert bot.tracker.question(qid).next_due == at(62 + 60)
    assert await bot.tick(59) == 0
    assert await bot.tick(2) == 1 and len(fake.dm_messages) == 2  # the reminder comes back after the snooze


async def test_a_moderator_with_closed_dms_falls_through_to_the_next_person(fake, bot):
    fake.closed_dms.add(ALICE)
    await bot.start()
    tid = await forum_post(fake, 1)
    await until(lambda: bot.tracker.question_at("discord", FORUM, tid) is not None)
    assert await bot.tick(62) == 0  # alice's DM is refused...
    assert await bot.tick(0) == 1  # ...so bob is asked at once, without waiting for the escalation delay
    assert len(fake.dms_to(BOB)) == 1
    rows = bot.tracker.audit_rows(kind="nudge")
    assert [(r["person"], r["result"].split(":")[0]) for r in rows] == [("alice", "failed-permanent"), ("bob", "sent")]
    assert "DMs closed (50007)" in rows[0]["result"]


async def test_a_restart_catches_up_from_history_with_real_times(fake, bot):
    await bot.start()
    await fake.dispatch("MESSAGE_CREATE", fake.message(HELP, sid(1), helper, "morning all"))
    await until(lambda: bot.tracker.message("discord", HELP, sid(1)) is not None)
    await bot.stop()
    # While the bot is down: two questions in #help, one answered in a thread; a forum post nobody answers.
    fake.message(HELP, sid(10), member, "How do I export the board as CSV?")
    fake.message(HELP, sid(12), user_b := {**member, "id": "600000000000000009", "username": "other"}, "Does anyone know why the importer skips rows?")
    fake.thread(sid(12), HELP, "importer", user_b["id"])
    fake.message(sid(12), sid(14), helper, "it skips rows with empty dates")
    post = sid(20)
    fake.thread(post, FORUM, "sso", MEMBER)
    fake.message(post, post, member, "SSO login loops back to the start page")
    bot.clock.advance(at(90) - bot.clock.now())
    await bot.start()
    assert bot.source.caught_up_messages == 4
    csv = bot.tracker.question_at("discord", HELP, sid(10))
    importer = bot.tracker.question_at("discord", HELP, sid(12))
    forum = bot.tracker.question_at("discord", FORUM, post)
    assert csv["asked_at"] == pytest.approx(at(10).timestamp(), abs=0.001)  # the message's own time, not the restart's
    assert importer["answered_at"] == pytest.approx(at(14).timestamp(), abs=0.001)
    assert forum["answered_at"] is None
    assert await bot.tick(0) == 2  # both windows (11:10 and 11:20) ended while the bot was down
    assert {m["embeds"][0]["title"] for m in fake.dms_to(ALICE)} == {"Unanswered question in #help", "Unanswered question in #questions"}


async def test_a_resumed_session_catches_up(fake, bot):
    await bot.start()
    before = bot.source.catch_ups
    fake.message(HELP, sid(3), member, "How do I rotate the API keys?")  # only in history: "missed" during the drop
    await fake.ask_to_reconnect()
    await until(lambda: bot.source.catch_ups > before)
    assert fake.resumes == 1
    assert bot.tracker.question_at("discord", HELP, sid(3)) is not None


async def test_edits_deletes_and_reactions_use_raw_events(fake, bot):
    await bot.start()
    q1, q2 = sid(1), sid(2)
    await fake.dispatch("MESSAGE_CREATE", fake.message(HELP, q1, member, "How do I enable 2FA for the whole team?"))
    await fake.dispatch("MESSAGE_CREATE", fake.message(HELP, q2, {**member, "id": "600000000000000008"}, "Is there a way to bulk-archive old boards?"))
    await until(lambda: bot.tracker.question_at("discord", HELP, q2) is not None)
    edited = {**fake.history[HELP][0], "content": "How do I enforce 2FA for the whole team?", "edited_timestamp": at(3).isoformat()}
    await fake.dispatch("MESSAGE_UPDATE", edited)
    await fake.dispatch("MESSAGE_DELETE", {"id": q1, "channel_id": HELP, "guild_id": "900000000000000001"})
    await fake.dispatch(
        "MESSAGE_REACTION_ADD",
        {
            "user_id": ALICE,
            "channel_id": HELP,
            "message_id": q2,
            "guild_id": "900000000000000001",
            "type": 0,
            "burst": False,
            "emoji": {"id": None, "name": "✅"},
            "member": {
                "user": {"id": ALICE, "username": "alice", "discriminator": "0", "avatar": None},
                "roles": [],
                "joined_at": at(0).isoformat(),
                "deaf": False,
                "mute": False,
                "flags": 0,
            },
        },
    )
    await until(lambda: bot.tracker.question_at("discord", HELP, q2)["status"] == "resolved")
    await until(lambda: bot.tracker.question_at("discord", HELP, q1)["status"] == "deleted")
    assert await bot.tick(120) == 0


async def test_unwatched_channels_are_ignored_and_invisible_routes_are_named(fake, bot, caplog):
    caplog.set_level(logging.WARNING, logger="unanswered.discord")
    await bot.start()
    await fake.dispatch("MESSAGE_CREATE", fake.message(OFFTOPIC, sid(1), member, "How do I join the beta?"))
    await fake.sync()
    assert bot.tracker.message("discord", OFFTOPIC, sid(1)) is None
    assert "cannot see these configured channels: #gone" in caplog.text


async def test_malformed_payloads_are_skipped_without_their_text(fake, bot, caplog):
    # discord.py itself drops what it cannot parse; what it passes on can still surprise translate.
    caplog.set_level(logging.WARNING)
    await bot.start()
    bad = fake.message(HELP, sid(1), member, "secret words here")
    bad["author"] = {"id": "not-a-number"}
    await bot.source.on_raw(int(HELP), lambda lookup: translate.message(bad, lookup))
    await bot.source.on_raw(int(HELP), lambda lookup: translate.reaction({"channel_id": HELP, "emoji": None}, lookup, at(1)))
    await fake.dispatch("MESSAGE_CREATE", fake.message(HELP, sid(2), member, "How do I change my avatar?"))
    await until(lambda: bot.tracker.question_at("discord", HELP, sid(2)) is not None)
    assert "skipped a malformed discord payload" in caplog.text
    assert "secret words" not in caplog.text


async def test_an_invalid_token_is_a_clear_config_error(fake, bot):
    fake.valid_token = "something-else"
    with pytest.raises(ConfigError) as err:
        await bot.start()
    text = str(err.value)
    assert "UNANSWERED_DISCORD__TOKEN" in text and "Reset Token" in text
    assert fake.valid_token not in text and "OTAw" not in text  # the token is never echoed


async def test_a_missing_message_content_intent_says_where_to_switch_it_on(fake, bot):
    fake.gateway_close_code = 4014
    with pytest.raises(ConfigError) as err:
        await bot.start()
    assert "Privileged Gateway Intents → Message Content Intent" in str(err.value)
    assert fake.identified[0]["intents"] == 1 | (1 << 9) | (1 << 10) | (1 << 15)  # guilds, messages, reactions, content


async def test_a_dm_is_not_sent_twice_after_a_crash_between_audit_and_result(fake, bot):
    await bot.start()
    tid = await forum_post(fake, 1)
    await until(lambda: bot.tracker.question_at("discord", FORUM, tid) is not None)
    assert await bot.tick(62) == 1
    row = bot.tracker.audit_rows(kind="nudge")[0]
    with bot.tracker.transaction():  # as if the process died before recording the result
        bot.tracker.conn.execute("UPDATE audit SET result = 'pending' WHERE id = ?", (row["id"],))
    await bot.stop()
    await bot.start()  # resume_pending asks Discord whether the tagged DM arrived
    assert len(fake.dms_to(ALICE)) == 1
    assert bot.tracker.audit_row(row["id"])["result"] == "sent"
    assert json.loads(row["payload"])["embed"]["footer"]["text"].endswith(f"ref {row['key']}")
