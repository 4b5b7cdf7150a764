"""Flat-channel context: bounded memory and reply inference (hand-written conversations)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from bot.conversation import REASK_WINDOW, ChannelContext, OpenQuestion
from bot.events import Message

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
_ids = iter(range(1, 10_000))


def msg(author: str, text: str, minute: float, *, mentions: tuple[str, ...] = (), bot: bool = False) -> Message:
    return Message(
        platform="discord",
        channel="help",
        id=str(next(_ids)),
        author=author,
        at=T0 + timedelta(minutes=minute),
        text=text,
        mentions=mentions,
        author_is_bot=bot,
    )


def ask(ctx: ChannelContext, key: int, author: str, text: str, minute: float) -> OpenQuestion:
    m = msg(author, text, minute)
    ctx.remember(m, is_question=True)
    return OpenQuestion(key=key, msg_id=m.id, author=author, at=m.at)


def key(hit: tuple[int, str] | None) -> int | None:
    return None if hit is None else hit[0]


def busy(ctx: ChannelContext, start: float, n: int = 8) -> None:
    """Two members chatting with each other: several conversations interleave."""
    for i in range(n):
        who, other = ("dana", "eli") if i % 2 == 0 else ("eli", "dana")
        ctx.remember(msg(who, f"status update number {i}", start + i * 0.3, mentions=(other,)))


# --- reply_target ---------------------------------------------------------------


def test_mentioning_the_asker_answers_their_question() -> None:
    ctx = ChannelContext()
    busy(ctx, 0)
    q = ask(ctx, 7, "alice", "How do I pin a message in this channel?", 3)
    busy(ctx, 3.1)
    hit = ctx.reply_target(msg("bob", "right-click it and choose Pin", 6, mentions=("alice",)), [q])
    assert hit is not None and hit[0] == 7
    assert "addressed to the asker" in hit[1]  # the learned reason is readable


def test_mention_picks_the_question_of_the_named_asker() -> None:
    ctx = ChannelContext()
    qa = ask(ctx, 1, "alice", "How do I export my data?", 0)
    qc = ask(ctx, 2, "carol", "Why does search return nothing for old posts?", 1)
    assert key(ctx.reply_target(msg("bob", "Settings > Export", 2, mentions=("alice",)), [qa, qc])) == 1
    assert key(ctx.reply_target(msg("bob", "the index is rebuilding", 2, mentions=("carol",)), [qa, qc])) == 2


def test_never_the_askers_own_message() -> None:
    ctx = ChannelContext()
    q = ask(ctx, 1, "alice", "How do I export my data?", 0)
    assert ctx.reply_target(msg("alice", "it is a csv export I need", 0.5), [q]) is None
    assert ctx.reply_target(msg("alice", "nvm got it @alice", 1, mentions=("alice",)), [q]) is None


def test_message_addressed_to_someone_else_is_not_an_answer() -> None:
    ctx = ChannelContext()
    q = ask(ctx, 1, "alice", "How do I export my data?", 0)
    assert ctx.reply_target(msg("bob", "did you see the release notes?", 0.5, mentions=("dana",)), [q]) is None


def test_greeting_or_thanks_to_the_asker_is_not_an_answer() -> None:
    ctx = ChannelContext()
    q = ask(ctx, 1, "alice", "How do I export my data?", 0)
    assert ctx.reply_target(msg("bob", "hi alice!", 0.5, mentions=("alice",)), [q]) is None
    assert key(ctx.reply_target(msg("bob", "yes, Settings > Export", 1, mentions=("alice",)), [q])) == 1


def test_next_message_in_a_quiet_channel_answers_when_it_addresses_the_asker_in_plain_text() -> None:
    # Learned on real reply links: an unaddressed next line in a quiet channel is a reply only about a
    # third of the time, so alone it is not taken for the answer; the same line written "alice: ..."
    # (a plain-text address, no platform mention) is.
    ctx = ChannelContext()
    q = ask(ctx, 3, "alice", "is the staging server down?", 0)
    assert ctx.reply_target(msg("bob", "yes, it is being rebuilt until noon", 1), [q]) is None
    hit = ctx.reply_target(msg("bob", "alice: yes, it is being rebuilt until noon", 1), [q])
    assert key(hit) == 3
    assert hit is not None and hit[1].startswith("reply model ")


def test_next_message_is_coincidence_in_a_busy_channel() -> None:
    ctx = ChannelContext()
    busy(ctx, 0)
    q = ask(ctx, 3, "alice", "is the staging server down?", 3)
    assert ctx.reply_target(msg("bob", "yes, it is being rebuilt until noon", 3.5), [q]) is None


def test_next_message_that_is_its_own_question_answers_nothing() -> None:
    ctx = ChannelContext()
    q = ask(ctx, 3, "alice", "is the staging server down?", 0)
    assert ctx.reply_target(msg("carol", "how do I get access to the build logs?", 1), [q]) is None


def test_next_message_long_after_is_not_an_answer() -> None:
    ctx = ChannelContext()
    q = ask(ctx, 3, "alice", "is the staging server down?", 0)
    assert ctx.reply_target(msg("bob", "yes it is", 20), [q]) is None


def test_questions_beyond_the_horizon_are_not_targets() -> None:
    ctx = ChannelContext(horizon=timedelta(minutes=30))
    q = ask(ctx, 3, "alice", "is the staging server down?", 0)
    assert ctx.reply_target(msg("bob", "yes", 45, mentions=("alice",)), [q]) is None


# --- what the detector reads --------------------------------------------------


def test_in_conversation_and_partners() -> None:
    ctx = ChannelContext()
    ctx.remember(msg("bob", "try clearing the cache", 0, mentions=("alice",)))
    now = T0 + timedelta(minutes=1)
    assert ctx.in_conversation("alice", now)  # was addressed
    assert ctx.in_conversation("bob", now)  # addressed someone
    assert not ctx.in_conversation("carol", now)
    assert ctx.partners("alice", now) == {"bob"}
    assert not ctx.in_conversation("alice", now + timedelta(minutes=30))


def test_asked_recently_expires() -> None:
    ctx = ChannelContext()
    ctx.remember(msg("alice", "How do I export my data?", 0), is_question=True)
    assert ctx.asked_recently("alice", T0 + timedelta(minutes=5))
    assert not ctx.asked_recently("bob", T0 + timedelta(minutes=5))
    assert not ctx.asked_recently("alice", T0 + REASK_WINDOW + timedelta(minutes=1))


def test_asked_recently_survives_a_flood_of_messages() -> None:
    ctx = ChannelContext(max_messages=10)
    ctx.remember(msg("alice", "How do I export my data?", 0), is_question=True)
    busy(ctx, 0.1, n=30)
    assert len(ctx) == 10
    assert ctx.asked_recently("alice", T0 + timedelta(minutes=15))


def test_said_recently_ignores_greetings() -> None:
    ctx = ChannelContext()
    ctx.remember(msg("alice", "hello everyone", 0))
    assert not ctx.said_recently("alice", T0 + timedelta(minutes=1))
    ctx.remember(msg("alice", "my export is stuck at 99 percent", 1))
    assert ctx.said_recently("alice", T0 + timedelta(minutes=2))


def test_bots_are_not_remembered() -> None:
    ctx = ChannelContext()
    ctx.remember(msg("helperbot", "Please use a paste site", 0, mentions=("alice",), bot=True))
    assert len(ctx) == 0
    assert not ctx.in_conversation("alice", T0 + timedelta(minutes=1))


# --- bounded memory -----------------------------------------------------------


def test_memory_is_bounded_by_count() -> None:
    ctx = ChannelContext(max_messages=5)
    for i in range(50):
        ctx.remember(msg(f"u{i}", "some words here", i * 0.1))
    assert len(ctx) == 5


def test_memory_is_bounded_by_age() -> None:
    ctx = ChannelContext(horizon=timedelta(minutes=30), max_messages=50)
    for i in range(10):
        ctx.remember(msg(f"u{i}", "some words here", i))
    ctx.remember(msg("late", "back after lunch", 120))
    assert len(ctx) == 1
    assert not ctx.spoke_recently("u9", T0 + timedelta(minutes=121))


def test_askers_memory_is_bounded() -> None:
    ctx = ChannelContext(max_messages=3)
    for i in range(10):
        ctx.remember(msg(f"asker{i}", "how do I do thing?", i * 0.1), is_question=True)
    now = T0 + timedelta(minutes=2)
    assert ctx.asked_recently("asker9", now)
    assert not ctx.asked_recently("asker0", now)  # dropped: oldest of more than 3 askers


# --- pace: the windows stretch with how fast the channel talks ------------------


def talk(ctx: ChannelContext, gap_minutes: float, n: int = 40) -> float:
    """n alternating lines between two members, gap_minutes apart; returns the last minute."""
    minute = 0.0
    for i in range(n):
        who, other = ("dana", "eli") if i % 2 == 0 else ("eli", "dana")
        ctx.remember(msg(who, "the build log says the cache is stale", minute, mentions=(other,)))
        minute += gap_minutes
    return minute - gap_minutes


def test_a_busy_channel_keeps_the_windows_as_set() -> None:
    ctx = ChannelContext(horizon=timedelta(minutes=30))
    talk(ctx, 0.1)  # a line every 6 s
    assert ctx.scale == 1.0 and ctx.horizon == timedelta(minutes=30)


def test_a_slow_channel_stretches_its_windows() -> None:
    """At a line every 10 minutes, a member who spoke 40 minutes ago is still in the conversation."""
    fast, slow = ChannelContext(horizon=timedelta(minutes=30)), ChannelContext(horizon=timedelta(minutes=30))
    talk(fast, 0.1)
    last = talk(slow, 10)
    assert slow.scale > 10 and slow.horizon > timedelta(hours=5)
    later = T0 + timedelta(minutes=last + 40)
    assert slow.in_conversation("dana", later) and slow.spoke_recently("eli", later)
    assert slow.window(REASK_WINDOW) > REASK_WINDOW
    # the fast channel's clock is the set one: 40 minutes after its last line is long ago
    assert not fast.spoke_recently("eli", T0 + timedelta(minutes=4 + 40))


def test_a_nights_silence_does_not_make_a_busy_channel_slow() -> None:
    ctx = ChannelContext(horizon=timedelta(minutes=30))
    last = talk(ctx, 0.1)
    ctx.remember(msg("dana", "morning", last + 8 * 60))  # eight hours later
    assert ctx.scale < 6  # the gap counts as MAX_GAP, once


def test_an_answer_an_hour_later_in_a_slow_channel_is_still_found() -> None:
    """The open question is still a candidate when the helper answers at the channel's pace."""
    ctx = ChannelContext(horizon=timedelta(minutes=30))
    last = talk(ctx, 8)
    q = ask(ctx, 1, "carol", "how do I rotate the api token without downtime?", last + 8)
    hit = ctx.reply_target(msg("dana", "carol: make a second token first, then swap them", last + 70, mentions=("carol",)), [q])
    assert key(hit) == 1


def test_in_a_slow_channel_a_member_silent_for_hours_is_still_addressed_by_name() -> None:
    """A line every 10 minutes: "dana: ..." five hours after dana spoke still addresses her."""
    ctx = ChannelContext(horizon=timedelta(minutes=30))
    last = talk(ctx, 10)
    ctx.remember(msg("carol", "is the staging deploy broken for anyone else?", last + 5))
    later = msg("carol", "dana: did the cache fix land?", last + 5 * 60)
    assert ctx.read(later).mentions == ("dana",)
    fast = ChannelContext(horizon=timedelta(minutes=30))
    last = talk(fast, 0.1)
    assert fast.read(msg("carol", "dana: did the cache fix land?", last + 5 * 60)).mentions == ()
