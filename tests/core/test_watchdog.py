"""The watchdog end to end on a real SQLite file: questions, answers, deadlines, escalation, restarts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.events import Delete, Edit, Message, Reaction, StaffAction
from bot.outbound import Delivery

from .helpers import BASE_TOML, RecordingTransport, advance, at, build, msg


@pytest.fixture
def settings(make_settings):
    return make_settings(BASE_TOML)


async def test_unanswered_question_nudges_first_person_once_after_the_window(settings, tracker, clock):
    dog, sent = build(settings, tracker, clock)
    dog.ingest(msg("1.0", "UMEMBER", 0))
    assert await advance(dog, clock, 59) == 0
    assert await advance(dog, clock, 2) == 1
    assert sent.recipients() == ["alice"]
    (to, rendered, key) = sent.delivered[0]
    assert to.address == "UALICE" and key.startswith("nudge:")
    assert "How do I reset my password?" in rendered.text
    assert "no reply from anyone but the asker within 1h" in rendered.text
    # The audit log holds exactly what was sent, marked sent.
    (row,) = tracker.audit_rows(kind="nudge")
    assert row["text"] == rendered.text and row["result"] == "sent" and row["person"] == "alice"


async def test_escalates_along_the_chain_then_stops(settings, tracker, clock):
    dog, sent = build(settings, tracker, clock)
    dog.ingest(msg("1.0", "UMEMBER", 0))
    await advance(dog, clock, 60 + 29)
    assert sent.recipients() == ["alice"]
    await advance(dog, clock, 2)
    assert sent.recipients() == ["alice", "bob"]
    await advance(dog, clock, 24 * 60)
    assert sent.recipients() == ["alice", "bob"]  # no repeat configured
    nudges = tracker.nudges_for(1)
    assert [(n["step"], n["person"]) for n in nudges] == [(0, "alice"), (1, "bob")]


async def test_repeat_cycles_until_max_nudges(make_settings, tracker, clock):
    settings = make_settings(BASE_TOML.replace('chain = ["alice", "bob"]', 'chain = ["alice", "bob"]\nrepeat = true\nmax_nudges = 5'))
    dog, sent = build(settings, tracker, clock)
    dog.ingest(msg("1.0", "UMEMBER", 0))
    await advance(dog, clock, 24 * 60)
    assert sent.recipients() == ["alice", "bob", "alice", "bob", "alice"]


@pytest.mark.parametrize(
    "reply",
    [
        dict(thread="1.0"),  # a thread reply
        dict(reply_to="1.0"),  # a platform reply reference
        dict(text="UMEMBER: open Settings > Account and click Reset", mentions=("UMEMBER",)),  # flat: addresses the asker
        dict(text="umember: open Settings > Account and click Reset"),  # flat, a plain-text address: no mention metadata
    ],
)
async def test_a_reply_from_another_human_answers(settings, tracker, clock, reply):
    dog, sent = build(settings, tracker, clock)
    dog.ingest(msg("1.0", "UMEMBER", 0))
    dog.ingest(msg("2.0", "UHELPER", 12, **{"text": "Settings > Account > Reset", **reply}))
    await advance(dog, clock, 24 * 60)
    assert sent.delivered == []
    q = tracker.question(1)
    assert q.status == "answered" and q.answered_by == "UHELPER"
    assert q.answered_at == at(12)


@pytest.mark.parametrize(
    "follow_up",
    [
        msg("2.0", "UMEMBER", 5, text="I'm on version 2.1 btw", thread="1.0"),  # the asker's own follow-up
        msg("2.0", "UBOT", 5, text="Have you read the FAQ?", thread="1.0", author_is_bot=True),  # a bot
    ],
)
async def test_asker_follow_ups_and_bots_never_answer(settings, tracker, clock, follow_up):
    dog, sent = build(settings, tracker, clock)
    dog.ingest(msg("1.0", "UMEMBER", 0))
    dog.ingest(follow_up)
    await advance(dog, clock, 61)
    assert sent.recipients() == ["alice"]
    assert tracker.question(1).answered_at is None


async def test_greetings_thanks_and_bot_output_are_not_questions(settings, tracker, clock):
    dog, sent = build(settings, tracker, clock)
    for i, (author, text, bot) in enumerate(
        [
            ("U1", "hi all!", False),
            ("U2", "thanks everyone, that fixed it", False),
            ("UB", "Deploy finished. Any questions?", True),
            ("U3", "anyone here?", False),
        ]
    ):
        dog.ingest(msg(f"{i}.0", author, i, text=text, author_is_bot=bot))
    await advance(dog, clock, 24 * 60)
    assert tracker.questions() == [] and sent.delivered == []


async def test_same_event_twice_changes_nothing(settings, tracker, clock):
    dog, sent = build(settings, tracker, clock)
    for _ in range(3):
        dog.ingest(msg("1.0", "UMEMBER", 0))
    assert tracker.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 1
    assert len(tracker.questions()) == 1
    await advance(dog, clock, 61)
    dog.ingest(msg("1.0", "UMEMBER", 0))
    await advance(dog, clock, 10)
    assert sent.recipients() == ["alice"]


async def test_unwatched_channels_are_not_stored(settings, tracker, clock):
    dog, _ = build(settings, tracker, clock)
    dog.ingest(msg("1.0", "UMEMBER", 0, channel="C-RANDOM"))
    assert tracker.conn.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0


async def test_deleted_question_is_forgotten_and_never_nudged(settings, tracker, clock):
    dog, sent = build(settings, tracker, clock)
    dog.ingest(msg("1.0", "UMEMBER", 0, text="How do I fix my secret thing?"))
    dog.ingest(Delete("slack", "C1", "1.0", at(10)))
    await advance(dog, clock, 24 * 60)
    assert sent.delivered == []
    q = tracker.question(1)
    assert q.status == "deleted" and q.excerpt == ""


async def test_edit_updates_the_excerpt_in_the_dm(settings, tracker, clock):
    dog, sent = build(settings, tracker, clock)
    dog.ingest(msg("1.0", "UMEMBER", 0))
    dog.ingest(Edit("slack", "C1", "1.0", at(3), "How do I reset my password on the mobile app?"))
    await advance(dog, clock, 61)
    assert "mobile app" in sent.delivered[0][1].text


async def test_claim_stops_escalation_but_is_not_an_answer(settings, tracker, clock):
    dog, sent = build(settings, tracker, clock)
    dog.ingest(msg("1.0", "UMEMBER", 0))
    await advance(dog, clock, 61)
    outcome = await dog.act(StaffAction("claim", 1, "alice", clock.now()))
    assert "alice is on it" in outcome
    await advance(dog, clock, 24 * 60)
    assert sent.recipients() == ["alice"]
    q = tracker.question(1)
    assert q.claimed_by == "alice" and q.answered_at is None and q.status == "open"


async def test_snooze_renudges_the_same_person_later(settings, tracker, clock):
    dog, sent = build(settings, tracker, clock)
    dog.ingest(msg("1.0", "UMEMBER", 0))
    await advance(dog, clock, 61)
    await dog.act(StaffAction("snooze", 1, "alice", clock.now(), until=clock.now() + timedelta(hours=2)))
    await advance(dog, clock, 119)
    assert sent.recipients() == ["alice"]
    await advance(dog, clock, 2)
    assert sent.recipients() == ["alice", "alice"]


async def test_dismiss_closes_and_outsiders_cannot_act(settings, tracker, clock):
    dog, sent = build(settings, tracker, clock)
    dog.ingest(msg("1.0", "UMEMBER", 0))
    assert "Only configured staff" in await dog.act(StaffAction("dismiss", 1, "mallory", clock.now()))
    await dog.act(StaffAction("dismiss", 1, "bob", clock.now()))
    await advance(dog, clock, 24 * 60)
    assert sent.delivered == [] and tracker.question(1).status == "dismissed"


async def test_staff_reaction_marks_handled_when_opted_in(make_settings, tracker, clock):
    settings = make_settings(BASE_TOML + '\n[handled]\nreactions = ["white_check_mark"]\n')
    dog, sent = build(settings, tracker, clock)
    dog.ingest(msg("1.0", "UMEMBER", 0))
    dog.ingest(Reaction("slack", "C1", "1.0", "UMEMBER", "white_check_mark", at(5)))  # not staff: ignored
    assert tracker.question(1).status == "open"
    dog.ingest(Reaction("slack", "C1", "1.0", "UBOB", "white_check_mark", at(6)))
    await advance(dog, clock, 24 * 60)
    assert sent.delivered == [] and tracker.question(1).status == "resolved"


async def test_staff_posts_are_not_member_questions(settings, tracker, clock):
    dog, _ = build(settings, tracker, clock)
    dog.ingest(msg("1.0", "UALICE", 0, text="How is everyone finding the new release?"))
    assert tracker.questions() == []


async def test_quiet_hours_wait_for_the_morning_in_their_zone(make_settings, tracker, clock):
    toml = BASE_TOML.replace(
        '[people.alice]\nslack = "UALICE"\ntimezone = "UTC"', '[people.alice]\nslack = "UALICE"\ntimezone = "Asia/Tokyo"\nquiet_hours = "22:00-08:00"'
    )
    settings = make_settings(toml)
    dog, sent = build(settings, tracker, clock)
    # 14:00 UTC = 23:00 in Tokyo: due at 15:00 UTC (midnight there), Alice wakes at 08:00 JST = 23:00 UTC.
    clock.set(at(4 * 60))
    dog.ingest(msg("1.0", "UMEMBER", 4 * 60))
    await advance(dog, clock, 60 + 8 * 60 - 1)
    assert sent.delivered == []
    await advance(dog, clock, 2)
    assert sent.recipients() == ["alice"]
    (nudge,) = tracker.nudges_for(1)
    assert nudge["sent_at"] == at(13 * 60).timestamp()  # Alice's 08:00 in Tokyo
    assert nudge["due_at"] == nudge["sent_at"]  # it became due when she woke: not late


async def test_quiet_hours_next_awake_goes_to_the_next_person(make_settings, tracker, clock):
    toml = BASE_TOML.replace(
        '[people.alice]\nslack = "UALICE"\ntimezone = "UTC"', '[people.alice]\nslack = "UALICE"\ntimezone = "UTC"\nquiet_hours = "09:00-12:00"'
    )
    settings = make_settings(toml + '\nduring_quiet_hours = "next-awake"\n')
    dog, sent = build(settings, tracker, clock)
    dog.ingest(msg("1.0", "UMEMBER", 0))  # due 11:00 UTC: alice is quiet, bob is awake
    await advance(dog, clock, 61)
    assert sent.recipients() == ["bob"]


async def test_closed_dms_fall_through_to_the_next_person(settings, tracker, clock):
    transport = RecordingTransport()
    dog, _ = build(settings, tracker, clock, transport)
    closed = Delivery(ok=False, error="alice has DMs closed", permanent=True)
    transport.on_deliver = lambda to, key: setattr(transport, "fail_with", closed if to.name == "alice" else None)
    dog.ingest(msg("1.0", "UMEMBER", 0))
    await advance(dog, clock, 61)
    assert transport.recipients() == ["bob"]  # straight away, not after escalate_after
    results = [r["result"] for r in tracker.audit_rows(kind="nudge")]
    assert results[0].startswith("failed-permanent") and results[1] == "sent"


async def test_a_restart_never_resends_and_fires_missed_deadlines_once(settings, tmp_path, clock):
    from bot.store import Tracker

    path = tmp_path / "db.sqlite"
    first = Tracker(path)
    dog, sent = build(settings, first, clock)
    dog.ingest(msg("1.0", "UMEMBER", 0))
    dog.ingest(msg("2.0", "UOTHER", 30, text="Does anyone know why my upload fails with error 413?"))
    await advance(dog, clock, 61)
    assert sent.recipients() == ["alice"]
    first.close()
    # Down for three hours: question 2's first deadline and question 1's escalation both passed.
    clock.advance(timedelta(hours=3))
    second = Tracker(path)
    dog2, sent2 = build(settings, second, clock)
    assert await dog2.tick() == 2  # missed deadlines fire once: q1 → bob, q2 → alice
    assert await dog2.tick() == 0
    assert sorted(sent2.recipients()) == ["alice", "bob"]
    # q2's escalation gives alice a full interval from her (late) nudge, not zero.
    await advance(dog2, clock, 29)
    assert len(sent2.recipients()) == 2
    await advance(dog2, clock, 2)
    assert sorted(sent2.recipients()) == ["alice", "bob", "bob"]
    keys = [r["key"] for r in second.audit_rows(kind="nudge")]
    assert len(keys) == len(set(keys)) == 4


async def test_a_crash_between_audit_and_send_is_settled_once(settings, tracker, clock):
    """The record is written, then the process dies before sending: the next start sends it once."""
    transport = RecordingTransport()

    class Crash(BaseException):
        pass

    def die(to, key):
        raise Crash()

    transport.on_deliver = die
    dog, _ = build(settings, tracker, clock, transport)
    dog.ingest(msg("1.0", "UMEMBER", 0))
    with pytest.raises(Crash):
        await advance(dog, clock, 61)
    (row,) = tracker.audit_rows(kind="nudge")
    assert row["result"] == "pending"
    transport.on_deliver = None
    dog2, _ = build(settings, tracker, clock, transport)
    assert await dog2.door.resume_pending() == 1
    assert await dog2.door.resume_pending() == 0
    assert await dog2.tick() == 0  # the step itself was recorded: no second nudge for it
    assert transport.recipients() == ["alice"]
    assert tracker.audit_rows(kind="nudge")[0]["result"] == "sent"


async def test_a_crash_after_send_is_not_resent(settings, tracker, clock):
    """Sent, but the result was never recorded: the platform's DM history says it arrived."""
    transport = RecordingTransport()
    dog, _ = build(settings, tracker, clock, transport)
    dog.ingest(msg("1.0", "UMEMBER", 0))
    await advance(dog, clock, 61)
    tracker.conn.execute("UPDATE audit SET result = 'pending'")  # as if we died before recording the result
    assert await dog.door.resume_pending() == 0
    assert transport.recipients() == ["alice"]


async def test_malformed_events_are_skipped(settings, tracker, clock):
    dog, _ = build(settings, tracker, clock)
    dog.ingest(Message("slack", "C1", "1.0", "U1", None, "How?"))  # type: ignore[arg-type]  # a None timestamp on purpose: malformed input
    dog.ingest("not an event")  # type: ignore[arg-type]  # not an event on purpose: malformed input
    dog.ingest(msg("2.0", "UMEMBER", 1))
    assert dog.malformed == 2 and len(tracker.questions()) == 1


async def test_huge_and_odd_text_is_stored_truncated(settings, tracker, clock):
    dog, sent = build(settings, tracker, clock)
    dog.ingest(msg("1.0", "UMEMBER", 0, text="How do I fix this? " + "\u202e\x00Ω" * 100_000))
    q = tracker.question(1)
    assert len(q.excerpt) <= 500 and "\x00" not in q.excerpt
    await advance(dog, clock, 61)
    text = sent.delivered[0][1].text
    assert "\u202e" not in text and len(text) < 2000


async def test_retention_forgets_old_messages_and_closed_questions_but_keeps_open_ones(settings, tracker, clock):
    dog, _ = build(settings, tracker, clock)
    dog.ingest(msg("1.0", "UMEMBER", 0))  # answered below: closed, purged later
    dog.ingest(msg("2.0", "UHELPER", 5, text="Settings > Account", thread="1.0"))
    dog.ingest(msg("3.0", "UOTHER", 10, text="Does anyone know how to export my data?"))  # stays open
    await advance(dog, clock, 75)
    assert len(tracker.audit_rows()) == 1  # question 3's nudge
    later = clock.now() + timedelta(days=91)
    removed = tracker.purge(later, retention_days=90, audit_retention_days=365)
    assert removed["messages"] == 3 and removed["questions"] == 1
    assert [q.msg_id for q in tracker.questions()] == ["3.0"]  # open questions still matter
    assert tracker.audit_rows()  # the audit log has its own, longer retention
    assert tracker.purge(later + timedelta(days=365), 90, 365)["audit"] >= 1


async def test_in_mode_all_a_members_own_question_answers_nobody(make_settings, tracker, clock):
    # Mode "all" consults no detector; a post with a '?' of its own is still its own question, never
    # taken by the reply model for the answer to the question just before it.
    dog, _ = build(make_settings(BASE_TOML.replace('mode = "detect"', 'mode = "all"')), tracker, clock)
    dog.ingest(msg("1.0", "UMEMBER", 0, "Question 1: how do I fix error 1?"))
    dog.ingest(msg("2.0", "UOTHER", 0.1, "Question 2: how do I fix error 2?"))
    dog.ingest(msg("3.0", "UMEMBER", 0.2, "Question 3: how do I fix error 3?"))
    assert [q.msg_id for q in tracker.open_questions()] == ["1.0", "2.0", "3.0"]
    dog.ingest(msg("4.0", "UOTHER", 1, "UMEMBER: restart the agent, that fixes it"))  # answers UMEMBER, addressed
    assert [q.msg_id for q in tracker.open_questions()] == ["1.0", "2.0"]


async def test_a_flat_replys_reason_is_worded_for_the_judged_record(settings, tracker, clock):
    # The watchdog words a reply's reason (Link.why) only for a reader: replay's judged records are one.
    dog, _ = build(settings, tracker, clock)
    judged = []
    dog.on_judged = judged.append
    dog.ingest(msg("1.0", "UMEMBER", 0, "How do I export my data as CSV?"))
    dog.ingest(msg("2.0", "UOTHER", 1, "UMEMBER: Settings > Export, then pick CSV"))
    assert [q.msg_id for q in tracker.open_questions()] == []
    (reason,) = judged[-1].reasons
    assert reason.startswith("a reply in the conversation (reply model ") and "addressed to the asker" in reason


async def test_a_question_read_late_does_not_hide_the_newer_ones_from_their_answers(settings, tracker, clock):
    """Catch-up can deliver an older question after a newer one; the open list stays in time order."""
    dog, _ = build(settings, tracker, clock)
    dog.ingest(msg("5.0", "UOTHER", 10, text="How do I export my data as CSV?"))
    dog.ingest(msg("1.0", "UMEMBER", 0))  # older, read late
    dog.ingest(msg("6.0", "UHELPER", 11, text="umember: Settings > Account > Reset", mentions=("UMEMBER",)))
    dog.ingest(msg("7.0", "UHELP2", 12, text="uother: Settings > Export, pick CSV", mentions=("UOTHER",)))
    by_msg = {q.msg_id: q for q in tracker.questions()}
    exported, reset = by_msg["5.0"], by_msg["1.0"]
    assert reset.answered_by == "UHELPER" and reset.answered_at == at(11)
    assert exported.answered_by == "UHELP2" and exported.answered_at == at(12)


async def test_after_a_restart_a_slow_channel_keeps_its_pace_and_an_answer_two_hours_later_counts(make_settings, tmp_path, clock):
    """A channel that talks every ten minutes: after a restart its stored message times (not its text)
    say so at once, so the question asked before the restart is still in reach of its answer."""
    from bot.store import Tracker

    settings = make_settings(BASE_TOML.replace('window = "1h"', 'window = "8h"'))
    path = tmp_path / "db.sqlite"
    first = Tracker(path)
    dog, _ = build(settings, first, clock)
    for i in range(20):  # two members chatting, a line every ten minutes
        who, other = ("UDANA", "UELI") if i % 2 == 0 else ("UELI", "UDANA")
        dog.ingest(msg(f"{i}.0", who, 10 * i, text="the nightly build log says the cache is stale again", mentions=(other,)))
    dog.ingest(msg("50.0", "UCAROL", 200, text="How do I rotate the api token without downtime?"))
    first.close()
    second = Tracker(path)
    dog2, _ = build(settings, second, clock)
    dog2.ingest(msg("51.0", "UDANA", 320, text="ucarol: make a second token first, then swap them", mentions=("UCAROL",)))
    (q,) = [q for q in second.questions() if q.msg_id == "50.0"]
    assert q.answered_by == "UDANA" and q.answered_at == at(320)
    second.close()


async def test_after_a_restart_an_answer_by_name_to_a_question_asked_before_it_counts(settings, tmp_path, clock):
    """The channel memory is rebuilt from the store: the question (its stored excerpt) and who asked it,
    under the name they go by, so a bridged "carol: ..." with no mention metadata still answers her."""
    from bot.store import Tracker

    path = tmp_path / "db.sqlite"
    first = Tracker(path)
    dog, _ = build(settings, first, clock)
    dog.ingest(msg("50.0", "UCAROL", 0, text="How do I rotate the api token without downtime?", author_name="carol"))
    dog.ingest(msg("50.1", "UERIN", 1, text="the deploy finished, dashboards look fine"))
    first.close()
    second = Tracker(path)
    dog2, sent = build(settings, second, clock)
    dog2.ingest(msg("51.0", "UDANA", 3, text="carol: make a second token first, then swap them"))
    (q,) = [q for q in second.questions() if q.msg_id == "50.0"]
    assert q.answered_by == "UDANA" and q.answered_at == at(3)
    await advance(dog2, clock, 120)
    assert sent.recipients() == []  # answered: nobody is nudged about it
    second.close()
