"""The question detector: hand-written examples of what is and is not a member question."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.conversation import ChannelContext
from bot.detect import FEATURES as detect_features
from bot.detect import ROOM_REASON as detect_room_reason
from bot.detect import THRESHOLD, Verdict, clean, judge, text_cues
from bot.events import Message

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
_ids = iter(range(1, 10_000))


def msg(
    author: str, text: str, minute: float = 0, *, mentions: tuple[str, ...] = (), bot: bool = False, starts_topic: bool = False, platform: str = "slack"
) -> Message:
    return Message(
        platform=platform,
        channel="C1",
        id=str(next(_ids)),
        author=author,
        at=T0 + timedelta(minutes=minute),
        text=text,
        mentions=mentions,
        author_is_bot=bot,
        starts_topic=starts_topic,
    )


def busy_channel() -> ChannelContext:
    """A channel where two other members have been chatting for a while."""
    ctx = ChannelContext()
    for i in range(6):
        ctx.remember(msg("dana", "the deploy finished, dashboards look fine", i, mentions=("eli",)))
        ctx.remember(msg("eli", "nice, I will close the ticket then", i + 0.5, mentions=("dana",)))
    return ctx


def has(v: Verdict, label: str) -> bool:
    """The verdict lists this reason (each learned feature is shown with its weight: "label (+0.9)")."""
    return any(r == label or r.startswith(label + " (") or r.startswith(label + ":") for r in v.reasons)


def verdict(text: str, ctx: ChannelContext | None = None, **kw) -> Verdict:
    return judge(msg("newbie", text, 10, **kw), ctx)


# --- questions --------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "How do I mount a network share automatically at boot?",
        "is there a way to export the whole board as CSV?",
        "Does anyone know why the importer skips rows with empty dates?",
        "what's the recommended way to rotate the API keys",
        "can someone help me get the webhook to fire on merge?",
    ],
)
def test_plain_questions_without_context(text: str) -> None:
    v = verdict(text)
    assert v.is_question, v
    assert v.score >= THRESHOLD


@pytest.mark.parametrize(
    "text",
    [
        "I can't get the backup job to run, it fails with permission denied on /var/lib/app",
        "my laptop keeps dropping the wifi connection every few minutes since the update and I have no idea why",
    ],
)
def test_help_requests_without_question_mark_in_a_channel(text: str) -> None:
    v = verdict(text, busy_channel())
    assert v.is_question, v
    assert "?" not in text


def test_a_bare_help_request_is_a_near_miss_from_a_newcomer_and_far_from_a_helper() -> None:
    # The learned weights put "need help <doing X>" with no '?' just under the threshold (hand-tuned
    # weights used to take it); what must hold is that the same words weigh far less mid-conversation.
    text = "need help setting up the reverse proxy for the dashboard"
    newcomer = verdict(text, busy_channel())
    helper = judge(msg("dana", text, 10), busy_channel())
    assert has(newcomer, "asks for help: 'need help'") and has(newcomer, "author's first words in a while")
    assert newcomer.score > THRESHOLD - 0.5
    assert not helper.is_question and helper.score < newcomer.score - 1


def test_reasons_are_readable() -> None:
    v = verdict("Does anyone know how to reset the admin password?", busy_channel())
    assert v.is_question
    assert has(v, "has a sentence ending in '?'")
    assert any(r.startswith("asks for help:") and "'anyone know'" in r for r in v.reasons)
    assert has(v, "author's first words in a while")


# --- not questions ------------------------------------------------------------


@pytest.mark.parametrize(
    "text, reason",
    [
        ("hi everyone!", "greeting only"),
        ("Good morning all :)", "greeting only"),
        ("thanks, that fixed it", "thanks"),
        ("thank you so much!", "thanks"),
        ("ok cool", "acknowledgement only"),
        ("anyone here?", "asks if anyone is there, without the question itself"),
        ("hello? is anybody around?", "asks if anyone is there, without the question itself"),
        ("can someone help me?", "asks if anyone is there, without the question itself"),
        ("anyone got a minute for a newbie?", "asks if anyone is there, without the question itself"),
        ("Hi all! I installed it last week. However, I need some help.", "asks for help, without the question itself"),
        ("alright... i could use some help here.. i messed up last night", "asks for help, without the question itself"),
        ("!ban spammer", "a bot command"),
        ("/remind me in 10 minutes", "a bot command"),
        ("* waves", "an action (/me)"),
    ],
)
def test_chatter_is_not_a_question(text: str, reason: str) -> None:
    v = verdict(text, busy_channel())
    assert not v.is_question
    assert v.reasons == (reason,)


def test_bot_output_is_never_a_question() -> None:
    v = judge(msg("helperbot", "Did you try turning it off and on again?", bot=True))
    assert not v.is_question
    assert v.reasons == ("posted by a bot",)


def test_question_mark_only_inside_a_url() -> None:
    v = verdict("the docs are at https://example.org/search?q=proxy&page=2 for reference")
    assert not v.is_question
    assert not any("'?'" in r for r in v.reasons)
    assert "?" not in clean("see https://example.org/a?b=c")


def test_question_mark_only_inside_code() -> None:
    text = "I ran `ls data/*.cs?` and\n```\nif x?.y: pass\n```\nthat listed all the files"
    v = verdict(text, busy_channel())
    # (whether a newcomer's first words are a question is the learned model's call; the '?' in code is not)
    assert not text_cues(text).asks
    assert not any("'?'" in r for r in v.reasons)
    assert v.score < verdict(text + ", why?", busy_channel()).score


def test_code_block_does_not_hide_the_real_question() -> None:
    text = "after upgrading I get this:\n```\nTraceback (most recent call last):\nKeyError: 'id'\n```\nhow do I fix it?"
    assert verdict(text).is_question


def test_statement_scores_lower_than_question() -> None:
    assert verdict("I deployed the new version this morning").score < verdict("How do I deploy the new version?").score


def test_advice_is_not_a_question() -> None:
    assert not verdict("you need to restart the service after editing the config").is_question


# --- context: replies, helpers, re-asks --------------------------------------


def test_addressed_reply_is_not_a_question() -> None:
    ctx = busy_channel()
    ctx.remember(msg("alice", "How do I enable debug logging?", 8), is_question=True)
    v = judge(msg("bob", "which version are you running?", 9, mentions=("alice",)), ctx)
    assert not v.is_question
    assert has(v, "addressed to another member (a reply)")


def test_helper_clarifying_question_mid_conversation() -> None:
    ctx = ChannelContext()
    ctx.remember(msg("alice", "How do I enable debug logging?", 0), is_question=True)
    ctx.remember(msg("bob", "set LOG_LEVEL=debug in the env file", 1, mentions=("alice",)))
    ctx.remember(msg("alice", "did that, nothing changed", 2, mentions=("bob",)))
    # bob's unaddressed follow-up question is part of helping alice
    v = judge(msg("bob", "did you restart the worker after changing it?", 3), ctx)
    assert not v.is_question
    assert has(v, "author is already in a conversation")


def test_reask_by_the_same_asker() -> None:
    ctx = busy_channel()
    first = msg("carol", "how can I change the default branch of a repo?", 7)
    assert judge(first, ctx).is_question
    ctx.remember(first, is_question=True)
    again = judge(msg("carol", "how can I change the default branch?? anyone", 15), ctx)
    assert not again.is_question
    assert has(again, "same author asked recently (a re-ask or follow-up)")


def test_reask_long_after_is_a_new_question() -> None:
    ctx = ChannelContext()
    ctx.remember(msg("carol", "how can I change the default branch of a repo?", 0), is_question=True)
    later = msg("carol", "how do I archive an old project without deleting it?", 120)
    assert judge(later, ctx).is_question


def test_short_question_about_what_was_just_said() -> None:
    assert not verdict("what was that for?", busy_channel()).is_question


def test_same_text_is_a_question_from_a_newcomer_but_not_from_a_helper() -> None:
    ctx = ChannelContext()
    ctx.remember(msg("alice", "My export button does nothing", 0), is_question=True)
    ctx.remember(msg("bob", "which browser?", 1, mentions=("alice",)))
    text = "is the export broken for everyone on the new version?"
    assert judge(msg("newcomer", text, 2), ctx).is_question
    assert not judge(msg("bob", text, 2), ctx).is_question


def test_forum_topic_ignores_the_channel_chatter() -> None:
    ctx = busy_channel()
    ctx.remember(msg("dan", "I will look at it tomorrow", 9, mentions=("eli",)))
    topic = msg("dan", "Bot crashes on startup after upgrading to 2.0, traceback and config below", 10, starts_topic=True)
    v = judge(topic, ctx)
    assert v.is_question
    assert has(v, "opens a new topic")


def test_text_alone_needs_a_real_cue() -> None:
    assert not verdict("the office is closed on friday").is_question
    assert verdict("is the office closed on friday?").is_question


def test_judge_is_fast() -> None:
    import time

    ctx = busy_channel()
    texts = [f"message number {i}: how do I configure the thing number {i} on my server?" for i in range(500)]
    t0 = time.perf_counter()
    for i, t in enumerate(texts):
        judge(msg("u%d" % (i % 7), t, 10), ctx)
    per = (time.perf_counter() - t0) / len(texts)
    assert per < 500e-6  # generous bound for slow CI; the bench reports ~20 µs


def test_a_path_is_not_a_bot_command() -> None:
    v = verdict("/etc/fstab entry for my second disk is ignored at boot, how do I debug it?")
    assert v.is_question
    assert "a bot command" not in v.reasons


def test_mentioned_name_does_not_hide_thanks() -> None:
    ctx = busy_channel()
    v = judge(msg("newbie", "dana: thanks a lot!", 10, mentions=("dana",)), ctx)
    assert v.reasons == ("thanks",)


def test_a_member_back_after_a_while_or_asking_again_hours_later_weighs_less_than_a_newcomer() -> None:
    text = "how do I archive an old project without deleting it?"
    newcomer = judge(msg("dave", text, 100), ChannelContext())
    back = ChannelContext()
    back.remember(msg("dave", "the new build is out, release notes are on the wiki", 80))
    returning = judge(msg("dave", text, 100), back)
    asked = ChannelContext()
    asked.remember(msg("dave", "how can I change the default branch of a repo?", 0), is_question=True)
    again = judge(msg("dave", text, 100), asked)
    assert has(returning, "author spoke earlier in the last half hour") and returning.score < newcomer.score
    assert has(again, "same author asked in the last hours (a re-ask)") and again.score < newcomer.score
    assert not has(newcomer, "author spoke earlier in the last half hour")


def test_speaking_after_being_addressed_reads_as_a_reply() -> None:
    ctx = ChannelContext()
    ctx.remember(msg("erin", "my laptop does not suspend any more since the update", 0), is_question=True)
    ctx.remember(msg("finn", "which kernel are you on, and is it a thinkpad?", 1, mentions=("erin",)))
    assert ctx.addressed_since_spoke("erin", T0 + timedelta(minutes=2))
    assert not ctx.addressed_since_spoke("finn", T0 + timedelta(minutes=2))
    v = judge(msg("erin", "is 6.1 the one from the backports repo?", 2), ctx)
    assert not v.is_question and has(v, "someone spoke to the author since their last words (a reply)")


@pytest.mark.parametrize(
    "text",
    [
        "my wifi is broken. can anyone help me?",  # the trouble is said: a question, not a preamble
        "I need some help. How do I mount an NTFS disk?",
        "i need help with my ipod touch please",  # help *with something*
    ],
)
def test_a_help_request_that_says_what_about_is_not_a_preamble(text: str) -> None:
    assert text_cues(text).chatter == ""


def test_the_ask_after_a_probe_is_the_question() -> None:
    """ "can anyone help?", a helper's "go ahead", then the real ask: that line is the question."""
    ctx = busy_channel()
    probe = msg("carol", "can anyone help me?", 7)
    assert not judge(probe, ctx).is_question
    ctx.remember(probe)
    go = msg("dana", "carol: sure, what is it?", 7.5, mentions=("carol",))
    ctx.remember(go)
    ask = judge(msg("carol", "my laptop does not wake from suspend since the last update", 8), ctx)
    assert has(ask, "follows the author's own 'can anyone help?'")


def test_thanks_settles_the_askers_question_so_the_next_ask_is_new() -> None:
    def second_ask(thank: bool) -> Verdict:
        ctx = busy_channel()
        first = msg("carol", "how can I change the default branch of a repo?", 7)
        ctx.remember(first, is_question=True)
        ctx.remember(msg("dana", "carol: settings, then branches", 8, mentions=("carol",)))
        if thank:
            ctx.remember(msg("carol", "thanks!", 9))
        return judge(msg("carol", "how do I archive an old project?", 12), ctx)

    settled, open_ = second_ask(True), second_ask(False)
    assert has(settled, "the author's last question was settled (they said thanks)")
    assert not has(open_, "the author's last question was settled (they said thanks)")
    assert settled.score > open_.score


def test_turning_to_a_new_matter_reads_as_a_new_request() -> None:
    turn = text_cues("another question: how do I list the installed packages?")
    plain = text_cues("how do I list the installed packages?")
    i = detect_features.index("new_topic")
    assert turn.features[i] == 1.0 and plain.features[i] == 0.0
    assert text_cues("btw, is there a way to keep the old kernel?").features[i] == 1.0


def test_a_member_already_talking_who_asks_the_whole_room_asks_a_question() -> None:
    """ "does anyone know ...?" mid-conversation is put to everyone: if nobody takes it up, staff should know."""
    ctx = busy_channel()
    v = judge(msg("dana", "does anyone know the gnome equivalent of katapult?", 7), ctx)
    assert v.is_question
    assert v.reasons[0] == detect_room_reason
    # addressed to the member they talk with, it is part of that conversation
    assert not judge(msg("dana", "eli: does anyone know the gnome equivalent of katapult?", 7, mentions=("eli",)), ctx).is_question


def test_asking_the_room_again_minutes_later_is_a_re_ask() -> None:
    ctx = busy_channel()
    first = msg("carol", "does anyone know how to pin a package version?", 7)
    assert judge(first, ctx).is_question
    ctx.remember(first, is_question=True)
    assert not judge(msg("carol", "anyone know how to pin a package?", 12), ctx).is_question


def test_a_request_announced_as_a_new_one_is_a_question_even_mid_conversation() -> None:
    ctx = busy_channel()
    first = msg("dana", "eli: how do I roll back the deploy?", 7, mentions=("eli",))
    ctx.remember(first, is_question=True)
    v = judge(msg("dana", "another question.. is the staging db wiped every night?", 9), ctx)
    assert v.is_question and v.reasons[0].startswith("asks the whole room")
    # "btw" only hints at a new matter: it weighs in the score, it does not settle it
    assert text_cues("btw is the staging db wiped every night?").turns is False


def test_a_short_question_repeating_what_someone_just_said_is_about_it() -> None:
    def after_story(question: str) -> Verdict:
        ctx = ChannelContext()
        ctx.remember(msg("striss", "I just installed Fluxbox and the fonts in my gnome apps look huge", 0))
        return judge(msg("dopey", question, 1), ctx)

    echo, fresh = after_story("fluxbox is in ubuntu?"), after_story("grub2 is in ubuntu?")
    label = "a short question repeating a word someone else just said (about that)"
    assert has(echo, label) and not has(fresh, label)
    assert echo.score < fresh.score


def test_a_bot_command_pointed_at_a_member_is_no_conversation_so_their_ask_after_it_is_the_question() -> None:
    """ "!ask | carol" makes a bot tell carol to just ask: she is not talking with whoever typed it."""
    ctx = busy_channel()
    ctx.remember(msg("carol", "can anyone help me?", 7))
    pointer = msg("dana", "!ask | carol", 7.5)
    assert ctx.read(pointer).mentions == ("carol",) and ctx.read(pointer).cues.chatter == "command"
    ctx.remember(pointer)
    ctx.remember(msg("ubottu", "carol: Please don't ask to ask a question, simply ask the question", 7.5, bot=True))
    assert not ctx.in_conversation("carol", T0 + timedelta(minutes=8))
    ask = judge(msg("carol", "i installed ubuntu as a dual boot last night and i think it wiped the windows restore partition", 8), ctx)
    assert ask.is_question and not has(ask, "author is already in a conversation")
