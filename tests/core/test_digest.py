"""The digest's figures against a hand-computed history, run through the real watchdog (replay) on a real SQLite file.

The history (UTC; digest week 2026-W02 = Mon 5 – Sun 11 Jan):

  W01  q0  slack  U9 asks Mon 29 Dec 10:00; U3 replies in the thread at 10:25         -> answered, 25m
  W02  q1  slack  U1 asks Mon 10:00; U1 follows up 10:05 (asker: ignored); a bot replies
                  10:06 (ignored); U2 replies 10:20                                      -> answered, 20m, in window (30m)
       q2  slack  U3 asks Tue 12:00 (U3 spoke in W01: a returning member); U2 replies 13:00
                                                                                        -> answered, 60m, late; nudged 12:30
       q3  slack  U4 asks Wed 09:00; nudged 09:30; alice claims at 10:00 (not a reply)  -> unanswered
       q4  slack  U5 asks Thu 08:00; alice (staff) replies 08:10                        -> answered, 10m, by staff
       q7  slack  U10 posts Thu 20:00; nudged 20:30; alice marks it not a question 20:40 -> out of the denominator
       q5  discord U6 asks Fri 15:00; U7 replies Sat 15:00                               -> answered, 24h, late (1h); nudged
       q6  discord U8 asks Sun 23:30; U2 replies Mon 12 Jan 00:20 (after the week)      -> unanswered for W02

  W02 by hand: 6 questions (1 not a question), answered 4 (q1 q2 q4 q5) = 4/6, in window 2 (q1 q4) = 2/6,
  waits 600 1200 3600 86400 -> median 2400, p90 (nearest rank) 86400; unanswered q3, q6 (oldest first);
  first-time askers q1 q3 q4 q5 q6 (3 of 5 answered, median 1200) vs returning q2 (1 of 1, median 3600);
  thanks: U2 x2 (q1, q2), U7 x1; alice is staff; nudges sent in W02: q2 q3 q7 q5 = 4; 1 claim, 1 dismissal.
"""

from __future__ import annotations

import json
import struct
from datetime import datetime, timedelta, timezone

import pytest

from bot import digest, digest_html, digest_render, replay
from bot.chart import render_png
from bot.events import Message, StaffAction
from bot.store import Tracker

HISTORY_TOML = """
[defaults]
window = "1h"

[people.alice]
slack = "UALICE"
timezone = "Europe/Berlin"

[people.bob]
slack = "UBOB"
timezone = "America/New_York"

[[routes]]
platform = "slack"
channel = "C1"
mode = "all"
window = "30m"
chain = ["alice"]

[[routes]]
platform = "discord"
channel = "D1"
mode = "all"
chain = ["alice"]

[digest]
timezone = "UTC"
"""

MON = datetime(2026, 1, 5, tzinfo=timezone.utc)  # Monday of 2026-W02


def t(day: int, hh: int, mm: int = 0) -> datetime:
    """Day 0 = Monday 5 Jan 2026 (UTC); negative days reach into W01."""
    return MON + timedelta(days=day, hours=hh, minutes=mm)


def m(mid: str, author: str, at: datetime, *, platform: str = "slack", thread: str | None = None, **kw) -> Message:
    channel = "C1" if platform == "slack" else "D1"
    kw.setdefault("channel_name", "help" if platform == "slack" else "support")
    kw.setdefault("link", f"https://example.test/{platform}/{mid}")
    return Message(
        platform=platform,
        channel=channel,
        id=mid,
        author=author,
        at=at,
        text=kw.pop("text", f"question {mid}?"),
        thread=thread,
        author_name=kw.pop("author_name", author.lower()),
        **kw,
    )


def history() -> list[Message]:
    events = [
        m("q0", "U9", t(-7, 10)),
        m("r0", "U3", t(-7, 10, 25), thread="q0"),
        m("q1", "U1", t(0, 10)),
        m("f1", "U1", t(0, 10, 5), thread="q1", text="anyone? I'm on 2.1"),
        m("b1", "BFAQ", t(0, 10, 6), thread="q1", author_is_bot=True, text="Have you read the FAQ?"),
        m("r1", "U2", t(0, 10, 20), thread="q1"),
        m("q2", "U3", t(1, 12)),
        m("r2", "U2", t(1, 13), thread="q2"),
        m("q3", "U4", t(2, 9)),
        m("q4", "U5", t(3, 8)),
        m("r4", "UALICE", t(3, 8, 10), thread="q4"),
        m("q7", "U10", t(3, 20), text="lol that's great"),
        m("q5", "U6", t(4, 15), platform="discord"),
        m("r5", "U7", t(5, 15), platform="discord", thread="q5"),
        m("q6", "U8", t(6, 23, 30), platform="discord"),
        m("r6", "U2", t(7, 0, 20), platform="discord", thread="q6"),
    ]
    return sorted(events, key=lambda e: e.at)


async def build_history(settings, tracker: Tracker) -> dict[str, int]:
    """Replay the history, then the moderators' clicks. Returns question ids by message id."""
    _, dog = await replay.run(history(), settings, tracker)
    ids = {q.msg_id: q.id for q in tracker.questions()}
    await dog.act(StaffAction(kind="claim", question=ids["q3"], by="alice", at=t(2, 10)))
    await dog.act(StaffAction(kind="dismiss", question=ids["q7"], by="alice", at=t(3, 20, 40)))
    return ids


@pytest.fixture
def settings(make_settings):
    return make_settings(HISTORY_TOML)


def period(spec: str, settings, now: datetime | None = None) -> digest.Period:
    return digest.parse_period(spec, settings.digest.timezone, now or datetime(2026, 3, 1, tzinfo=timezone.utc))


# ---------------------------------------------------------------- the figures


async def test_week_figures_match_the_hand_computed_history(settings, tracker):
    await build_history(settings, tracker)
    d = digest.compute(tracker, settings, period("2026-W02", settings))
    tot = d.totals
    assert (tot.questions, tot.not_a_question, tot.answered, tot.answered_within_window) == (6, 1, 4, 2)
    assert tot.answered_share == pytest.approx(4 / 6) and tot.within_window_share == pytest.approx(2 / 6)
    assert tot.median_first_response_s == 2400 and tot.p90_first_response_s == 86400
    assert tot.unanswered == 2
    # The week before: q0 only, answered after 25 minutes.
    assert (d.previous.questions, d.previous.answered, d.previous.median_first_response_s) == (1, 1, 1500)
    assert d.to_json()["trend"]["answered_share"] == "↓"  # 100% -> 67%
    assert d.to_json()["trend"]["median_first_response_s"] == "↑"  # 25m -> 40m


async def test_bot_replies_and_asker_follow_ups_are_not_responses(settings, tracker):
    ids = await build_history(settings, tracker)
    q1 = tracker.question(ids["q1"])
    assert q1.answered_by == "U2" and (q1.answered_at - q1.asked_at) == timedelta(minutes=20)


async def test_per_platform_and_per_channel(settings, tracker):
    await build_history(settings, tracker)
    d = digest.compute(tracker, settings, period("2026-W02", settings))
    slack, discord = d.by_channel  # busiest first
    assert (slack.platform, slack.name, slack.window_s) == ("slack", "#help", 1800)
    assert (slack.figures.questions, slack.figures.answered, slack.figures.answered_within_window) == (4, 3, 2)
    assert slack.figures.not_a_question == 1 and slack.figures.median_first_response_s == 1200
    assert (slack.previous.questions, slack.previous.answered) == (1, 1)
    assert (discord.name, discord.window_s, discord.figures.questions, discord.figures.answered) == ("#support", 3600, 2, 1)
    assert discord.figures.answered_within_window == 0 and discord.figures.median_first_response_s == 86400
    assert [g.platform for g in d.by_platform] == ["slack", "discord"]


async def test_open_questions_oldest_first_and_answered_after_the_end_is_unanswered(settings, tracker):
    await build_history(settings, tracker)
    d = digest.compute(tracker, settings, period("2026-W02", settings))
    assert d.unanswered_total == 2 and d.unanswered_more == 0
    q3, q6 = d.unanswered
    assert (q3.channel, q3.asker, q3.claimed_by, q3.answered_since) == ("#help", "u4", "alice", False)
    assert q3.age_s == (t(7, 0) - t(2, 9)).total_seconds()  # its age when the week ended
    assert q3.link == "https://example.test/slack/q3"
    assert (q6.platform, q6.answered_since) == ("discord", True)
    # The reply to q6 counts for the week it was given in: W03 thanks U2 for it.
    w03 = digest.compute(tracker, settings, period("2026-W03", settings))
    assert [(h.id, h.first_responses) for h in w03.thanks] == [("U2", 1)]
    assert w03.older_open == 1  # q3 is still open from before


async def test_fairness_first_time_askers_versus_returning_members(settings, tracker):
    await build_history(settings, tracker)
    f = digest.compute(tracker, settings, period("2026-W02", settings)).fairness
    assert (f.first_time.questions, f.first_time.answered, f.first_time.median_first_response_s) == (5, 3, 1200)
    assert (f.returning.questions, f.returning.answered, f.returning.median_first_response_s) == (1, 1, 3600)
    assert f.answered_share_gap == pytest.approx(1 - 3 / 5)
    assert f.newcomers_answered_less and not f.newcomers_wait_longer and f.small_sample


async def test_people_to_thank_exclude_staff_and_bots(settings, tracker):
    await build_history(settings, tracker)
    d = digest.compute(tracker, settings, period("2026-W02", settings))
    assert [(h.id, h.name, h.first_responses) for h in d.thanks] == [("U2", "u2", 2), ("U7", "u7", 1)]
    assert (d.first_responses_by_members, d.first_responses_by_staff) == (3, 1)


async def test_a_bot_recorded_as_responder_by_older_data_is_never_thanked(settings, tracker):
    with tracker.transaction():
        tracker.add_message(m("x1", "BHELPER", t(0, 9, 5), author_is_bot=True, thread="q"))
        qid = tracker.add_question(m("q", "U1", t(0, 9)), [], first_time=True, next_due=None)
        tracker.mark_answered(qid, t(0, 9, 5), "BHELPER", "x1", "Helper bot")
    d = digest.compute(tracker, settings, period("2026-W02", settings))
    assert d.totals.answered == 1 and d.thanks == []


async def test_what_the_bot_did_comes_from_the_audit_log_and_actions(settings, tracker):
    await build_history(settings, tracker)
    b = digest.compute(tracker, settings, period("2026-W02", settings)).bot
    assert (b.nudges, b.nudged_questions, b.failed_sends) == (4, 4, 0)
    assert (b.claims, b.snoozes, b.dismissals, b.resolves) == (1, 0, 1, 0)


async def test_newcomers_waiting_longer_is_called_out(settings, tracker):
    with tracker.transaction():
        for i, (first, wait_m) in enumerate([(True, 50), (True, 40), (False, 5), (False, 15)]):
            qid = tracker.add_question(m(f"q{i}", f"U{i}", t(i, 9)), [], first_time=first, next_due=None)
            tracker.mark_answered(qid, t(i, 9, wait_m), "UHELP", f"r{i}")
    d = digest.compute(tracker, settings, period("2026-W02", settings))
    assert d.fairness.median_gap_s == 45 * 60 - 10 * 60 and d.fairness.newcomers_wait_longer
    assert "⚠ Newcomers waited longer: median 45m vs 10m" in digest_render.text(d)


async def test_resolved_elsewhere_is_not_a_response_and_not_listed_as_waiting(settings, tracker):
    with tracker.transaction():
        qid = tracker.add_question(m("q", "U1", t(0, 9)), [], first_time=True, next_due=None)
        tracker.close_question(qid, "resolved", t(0, 11), "alice")
    d = digest.compute(tracker, settings, period("2026-W02", settings))
    assert (d.totals.questions, d.totals.answered, d.totals.closed_without_reply, d.unanswered_total) == (1, 0, 1, 0)


async def test_deleted_questions_are_gone(settings, tracker):
    with tracker.transaction():
        qid = tracker.add_question(m("q", "U1", t(0, 9)), [], first_time=True, next_due=None)
        tracker.forget_question(qid, t(0, 10))
    d = digest.compute(tracker, settings, period("2026-W02", settings))
    assert d.empty and d.unanswered_total == 0


# ---------------------------------------------------------------- periods, time zones, DST


def test_period_parsing():
    now = datetime(2026, 1, 14, 12, tzinfo=timezone.utc)  # a Wednesday in W03
    last = digest.parse_period("last-week", "UTC", now)
    assert (last.id, last.start, last.end, last.as_of) == ("2026-W02", MON, MON + timedelta(days=7), MON + timedelta(days=7))
    assert digest.parse_period(None, "UTC", now).id == "2026-W02"
    this = digest.parse_period("this-week", "UTC", now)
    assert this.id == "2026-W03" and this.as_of == now  # still running: figures as of now
    assert digest.parse_period("2026-w2", "UTC", now).id == "2026-W02"
    custom = digest.parse_period("2026-01-05..2026-01-06", "UTC", now)
    assert (custom.id, custom.days, custom.end) == ("2026-01-05..2026-01-06", 2, MON + timedelta(days=2))
    assert custom.previous().id == "2026-01-03..2026-01-04"
    assert digest.parse_period("2026-01-05..2026-01-11", "UTC", now).id == "2026-W02"  # a Mon–Sun range is that week


@pytest.mark.parametrize(
    "bad, says",
    [
        ("2026-W54", "no ISO week 54"),
        ("2026-W00", "no ISO week 0"),
        ("2026-02-30..2026-03-01", "not a real date"),
        ("2026-01-11..2026-01-05", "ends before it starts"),
        ("yesterday", "is not a period"),
        ("2026-01-05..", "is not a period"),
    ],
)
def test_malformed_periods_say_what_to_write(bad, says):
    with pytest.raises(ValueError) as err:
        digest.parse_period(bad, "UTC", datetime(2026, 1, 14, tzinfo=timezone.utc))
    assert says in str(err.value)


def test_last_week_follows_the_configured_time_zone():
    # Sunday 23:30 UTC is already Monday 00:30 in Berlin: a new week there.
    now = datetime(2026, 1, 11, 23, 30, tzinfo=timezone.utc)
    assert digest.parse_period("last-week", "UTC", now).id == "2026-W01"
    berlin = digest.parse_period("last-week", "Europe/Berlin", now)
    assert berlin.id == "2026-W02" and berlin.start == datetime(2026, 1, 4, 23, tzinfo=timezone.utc)


def test_dst_weeks_are_167_and_169_hours():
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    assert digest.parse_period("2026-W13", "Europe/Berlin", now).hours == 167  # clocks forward Sun 29 Mar
    assert digest.parse_period("2026-W43", "Europe/Berlin", now).hours == 169  # clocks back Sun 25 Oct
    assert digest.parse_period("2026-W13", "UTC", now).hours == 168


async def test_week_boundaries_in_the_digest_time_zone(make_settings, tracker):
    settings = make_settings(HISTORY_TOML.replace('timezone = "UTC"', 'timezone = "Europe/Berlin"'))
    await build_history(settings, tracker)
    # In Berlin q6 (Sun 23:30 UTC) was asked on Monday 00:30, in W03.
    d = digest.compute(tracker, settings, period("2026-W02", settings))
    assert d.totals.questions == 5 and [w.platform for w in d.unanswered] == ["slack"]
    assert digest.compute(tracker, settings, period("2026-W03", settings)).totals.questions == 1


async def test_a_dst_change_week_counts_questions_by_local_time(make_settings, tracker):
    settings = make_settings(HISTORY_TOML.replace('timezone = "UTC"', 'timezone = "Europe/Berlin"'))
    sunday = datetime(2026, 3, 29, tzinfo=timezone.utc)  # Berlin springs forward at 01:00 UTC
    times = {
        "in_first_hour": datetime(2026, 3, 22, 23, 15, tzinfo=timezone.utc),  # Mon 23 Mar 00:15 CET: W13
        "before_change": sunday + timedelta(minutes=30),  # 01:30 CET: W13
        "after_change": sunday + timedelta(hours=1, minutes=30),  # 03:30 CEST: W13
        "last_minute": sunday + timedelta(hours=21, minutes=59),  # 23:59 CEST: W13
        "next_week": sunday + timedelta(hours=22, minutes=1),  # Mon 30 Mar 00:01 CEST: W14
    }
    with tracker.transaction():
        for mid, at in times.items():
            qid = tracker.add_question(m(mid, "U1", at), [], first_time=False, next_due=None)
            tracker.mark_answered(qid, at + timedelta(minutes=10), "U2", "r" + mid)
    w13 = digest.compute(tracker, settings, period("2026-W13", settings))
    assert w13.period.hours == 167 and w13.totals.questions == 4 and w13.totals.median_first_response_s == 600
    assert digest.compute(tracker, settings, period("2026-W14", settings)).totals.questions == 1
    assert [w.questions for w in w13.weekly][-1] == 4


async def test_an_empty_week_is_a_friendly_digest(settings, tracker):
    await build_history(settings, tracker)
    d = digest.compute(tracker, settings, period("2026-W05", settings))
    assert d.empty and d.totals.answered_share is None and d.totals.median_first_response_s is None
    text = digest_render.text(d)
    assert "No questions this week" in text
    assert d.older_open == 1  # q3, still open from W02
    note = digest_render.note(d)
    assert note.kind == "digest" and note.title.startswith("No questions this week")
    json.dumps(d.to_json())  # serialisable with nulls


async def test_twelve_weeks_for_the_chart(settings, tracker):
    await build_history(settings, tracker)
    weeks = digest.compute(tracker, settings, period("2026-W03", settings)).weekly
    assert len(weeks) == 12 and weeks[-1].id == "2026-W03" and weeks[0].id == "2025-W44"
    by_id = {w.id: w for w in weeks}
    assert by_id["2026-W02"].questions == 6 and by_id["2026-W02"].median_first_response_s == 2400
    assert by_id["2026-W01"].answered_share == 1 and by_id["2025-W50"].answered_share is None


# ---------------------------------------------------------------- words and pictures


async def test_text_digest_reads_like_a_report(settings, tracker):
    await build_history(settings, tracker)
    text = digest_render.text(digest.compute(tracker, settings, period("2026-W02", settings)))
    for expected in (
        "Weekly digest · 2026-W02 · Mon 5 Jan – Sun 11 Jan 2026 (UTC)",
        "6 questions asked (the week before: 1)",
        "Answered: 4 of 6 (67%) ↓ (was 100%)",
        "median 40m ↑ (was 25m)",
        "slack #help",
        "https://example.test/slack/q3",
        "claimed by alice",
        "Newcomers were answered less often: 60% vs 100%",
        "u2 (slack): 2 first responses",
        "4 nudges to moderators about 4 questions · 1 claim · 0 snoozes · 1 marked not a question",
    ):
        assert expected in text, expected
    assert "alice (slack)" not in text  # staff are not in the thanks


async def test_member_names_and_text_are_neutralised_everywhere(settings, tracker):
    evil = m("q", "U1", t(0, 9), author_name="@everyone <!channel>", text="<script>alert(1)</script> <@U999> @here help?")
    with tracker.transaction():
        tracker.add_question(evil, [], first_time=True, next_due=None)
    d = digest.compute(tracker, settings, period("2026-W02", settings))
    rendered = [digest_render.text(d), digest_render.note(d).as_text(), digest_render.as_json(d)]
    for out in rendered:
        assert "@everyone" not in out and "<!channel>" not in out and "@here" not in out and "<@U999>" not in out
    page = digest_html.html_page(d)
    assert "<script>" not in page and "&lt;script&gt;" in page
    with tracker.transaction():
        tracker.add_question(m("q2", "U1", t(0, 10), link="javascript:alert(1)"), [], first_time=True, next_due=None)
    assert "href='javascript" not in digest_html.html_page(digest.compute(tracker, settings, period("2026-W02", settings)))


async def test_dm_note_is_short_and_carries_the_chart(settings, tracker):
    await build_history(settings, tracker)
    d = digest.compute(tracker, settings, period("2026-W02", settings))
    png = render_png(d.weekly)
    note = digest_render.note(d, png)
    assert note.kind == "digest" and note.image == png and note.image_name == "digest-2026-W02.png"
    assert note.title == "Your week in the community · 2026-W02: 6 questions, 67% answered"
    assert dict(note.fields)["Still unanswered"].startswith("2 · oldest waited")
    assert "Worth a personal thank-you from you: u2 (2), u7 (1)." in note.body
    assert note.buttons == () and len(note.as_text()) < 1500


def _png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR"
    return struct.unpack(">II", data[16:24])


async def test_chart_is_a_phone_sized_png(settings, tracker):
    await build_history(settings, tracker)
    png = render_png(digest.compute(tracker, settings, period("2026-W02", settings)).weekly, "Last 12 weeks")
    width, height = _png_size(png)
    assert 600 <= width <= 1600 and 450 <= height <= 1600 and len(png) < 300_000


def test_chart_of_empty_weeks_renders():
    start = datetime(2026, 1, 5, tzinfo=timezone.utc)
    weeks = [digest.Week(f"2026-W{i:02d}", (start + timedelta(weeks=i)).date(), start + timedelta(weeks=i), 0, None, None) for i in range(12)]
    width, height = _png_size(render_png(weeks))
    assert width > 0 and height > 0
