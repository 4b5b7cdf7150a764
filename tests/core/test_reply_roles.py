"""Flat channels: who is helping whom decides whether a message answers an open question.

A member with a need of their own talks about it (their follow-ups, their replies to the
member helping them); that answers nobody else's question. A helper answers by name even
after helping someone else in between, and a command pointed at the asker is an answer.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Iterator

from bot import model, replies, reply_roles
from bot.conversation import ChannelContext, OpenQuestion
from bot.events import Message

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)
_ids = iter(range(1, 10_000))


def msg(author: str, text: str, minute: float, *, mentions: tuple[str, ...] = ()) -> Message:
    return Message(platform="discord", channel="help", id=str(next(_ids)), author=author, at=T0 + timedelta(minutes=minute), text=text, mentions=mentions)


def ask(ctx: ChannelContext, key: int, author: str, text: str, minute: float) -> OpenQuestion:
    m = msg(author, text, minute)
    ctx.remember(m, is_question=True)
    return OpenQuestion(key=key, msg_id=m.id, author=author, at=m.at)


def key(hit: tuple[int, str] | None) -> int | None:
    return None if hit is None else hit[0]


@contextmanager
def weight(name: str, value: float) -> Iterator[None]:
    """The shipped reply model with one weight changed (to show a test depends on that feature)."""
    r = replies._REPLY
    w = list(r.weights)
    w[r.features.index(name)] = value
    replies._REPLY = model.Linear(r.features, tuple(w), r.bias, r.threshold)
    try:
        yield
    finally:
        replies._REPLY = r


def helping_conversation() -> tuple[ChannelContext, OpenQuestion, OpenQuestion]:
    """alice asks; bob asks; alice helps bob with his."""
    ctx = ChannelContext()
    qa = ask(ctx, 1, "alice", "has anyone got CrossoverOffice running on ubuntu?", 0)
    qb = ask(ctx, 2, "bob", "how do I start pure-ftpd after make install?", 0.5)
    ctx.remember(msg("alice", "/etc/init.d/ftpd start most likely", 1, mentions=("bob",)))
    ctx.remember(msg("alice", "if not, look in /etc/init.d for it", 1.2))
    return ctx, qa, qb


def test_a_reply_to_the_member_helping_you_does_not_answer_their_question() -> None:
    ctx, qa, qb = helping_conversation()
    # bob answers alice's help about his own need, not alice's question
    assert ctx.reply_target(msg("bob", "nothing there, the script is missing", 2, mentions=("alice",)), [qa, qb]) is None
    # someone with no need of their own who addresses alice does answer her
    assert key(ctx.reply_target(msg("carol", "yes, it runs fine with wine installed", 2, mentions=("alice",)), [qa, qb])) == 1


def test_help_given_before_the_helpers_own_question_does_not_block_an_answer_to_it() -> None:
    ctx = ChannelContext()
    qb = ask(ctx, 2, "bob", "how do I start pure-ftpd after make install?", 0)
    ctx.remember(msg("alice", "/etc/init.d/ftpd start most likely", 0.5, mentions=("bob",)))
    qa = ask(ctx, 1, "alice", "has anyone got CrossoverOffice running on ubuntu?", 1)
    assert key(ctx.reply_target(msg("bob", "I have, install it from their .deb", 1.5, mentions=("alice",)), [qa, qb])) == 1


def test_a_command_pointed_at_the_asker_answers_and_a_bare_command_does_not() -> None:
    ctx = ChannelContext()
    q = ask(ctx, 1, "alice", "how do I register my nick here?", 0)
    assert ctx.reply_target(msg("bob", "/msg nickserv help", 0.5), [q]) is None
    hit = ctx.reply_target(msg("bob", "alice: /msg nickserv help", 0.6, mentions=("alice",)), [q])
    assert key(hit) == 1


def test_waiting_owed_and_who_addressed_whom() -> None:
    ctx = ChannelContext()
    ctx.remember(msg("alice", "my wifi drops every few minutes, any idea?", 0), is_question=True)
    at = T0 + timedelta(minutes=1)
    assert ctx.waiting("alice", at) and ctx.owed("alice", at) is None
    ctx.remember(msg("bob", "which driver do you use?", 2, mentions=("alice",)))
    at = T0 + timedelta(minutes=3)
    assert not ctx.waiting("alice", at)  # someone took it up
    assert ctx.owed("alice", at) == "bob"
    assert ctx.addressed_at("bob", "alice") == T0 + timedelta(minutes=2)
    assert ctx.addressed_at("alice", "bob") is None  # direction matters
    ctx.remember(msg("alice", "iwlwifi", 3, mentions=("bob",)))
    assert ctx.owed("alice", T0 + timedelta(minutes=4)) is None  # replied
    assert not ctx.waiting("carol", at)
    ctx.remember(msg("carol", "how do I resize a partition?", 4), is_question=True)
    assert ctx.waiting("carol", T0 + timedelta(minutes=5))
    assert not ctx.waiting("carol", T0 + timedelta(minutes=5) + ctx.horizon)  # asked too long ago


def waiting_member() -> tuple[ChannelContext, OpenQuestion, OpenQuestion, Message]:
    ctx = ChannelContext()
    qa = ask(ctx, 1, "alice", "my wifi drops every few minutes on my laptop, any idea why?", 0)
    qb = ask(ctx, 2, "bob", "how do I make grub wait longer before it boots?", 1)
    return ctx, qa, qb, msg("alice", "it only happens on battery, when I unplug it drops", 1.5)


def test_a_member_whose_own_question_still_waits_is_talking_about_it() -> None:
    ctx, qa, qb, m = waiting_member()
    assert ctx.reply_target(m, [qa, qb]) is None
    with weight("m_waiting", 0.0):  # the learned feature is what keeps it from answering bob
        ctx, qa, qb, m = waiting_member()
        assert key(ctx.reply_target(m, [qa, qb])) == 2


def helper_in_between() -> tuple[ChannelContext, OpenQuestion, Message]:
    ctx = ChannelContext()
    q = ask(ctx, 1, "abby", "is there a command like apt-get that lists every installed package?", 0)
    ctx.remember(msg("abby", "*command", 0.1))
    ask(ctx, 2, "sam", "I did mv somefile ~/. where is it now?", 0.2)
    ctx.remember(msg("rob", "in your home directory", 0.3, mentions=("sam",)))
    ctx.remember(msg("sam", "sorry I meant mv ~./", 0.4))
    ctx.remember(msg("tess", "hello", 0.5))
    return ctx, q, msg("rob", "aptitude search ~i", 0.6, mentions=("abby",))


def test_a_helper_who_answered_someone_else_in_between_still_answers_by_name() -> None:
    ctx, q, m = helper_in_between()
    assert key(ctx.reply_target(m, [q])) == 1
    with weight("spoke_since_other", 0.0):
        ctx, q, m = helper_in_between()
        assert ctx.reply_target(m, [q]) is None


def test_the_fast_reply_score_equals_the_feature_vector_score_with_roles() -> None:
    """link() inlines the score; over lines that set every role feature it equals the model's score."""
    ctx = ChannelContext()
    lines = [
        ("alice", "how do I mount my usb disk?", ()),
        ("bob", "which filesystem?", ("alice",)),
        ("carol", "is there a way to make grub wait longer?", ()),
        ("alice", "ntfs I think", ("bob",)),
        ("dave", "grub menu shows for zero seconds, how do I change that?", ()),
        ("bob", "edit /etc/default/grub", ("carol",)),
        ("dave", "it still boots straight away", ()),
        ("bob", "install ntfs-3g", ("alice",)),
        ("erin", "dave: set GRUB_TIMEOUT", ("dave",)),
        ("carol", "thanks bob, works", ()),
        ("dave", "erin: where is that set?", ("erin",)),
        ("alice", "ok it mounts now", ()),
    ]
    feats = replies.REPLY_FEATURES
    seen = set()
    for i, (who, text, mentions) in enumerate(lines):
        m = Message("irc", "#h", str(i), who, T0 + timedelta(minutes=i * 0.7), text, mentions=mentions, author_name=who)
        scored = [(model.REPLY.score(x), c, x) for c, x in ctx.candidates(m)]
        seen |= {f for _, _, x in scored for f, v in zip(feats, x, strict=True) if v}
        link = ctx.link(m)
        if scored:
            best, c, _ = max(scored, key=lambda t: t[0])
            if best >= model.REPLY.threshold:
                assert link is not None and link.msg_id == c.id and abs(link.score - best) < 1e-9
            else:
                assert link is None
        ctx.remember(m, is_question="?" in text)
    assert {"m_waiting", "m_owes", "c_owed", "spoke_since_other"} <= seen


def reask_after_another_question(who: str) -> tuple[ChannelContext, list[OpenQuestion], Message]:
    ctx = ChannelContext()
    qa = ask(ctx, 1, "alice", "my wifi drops every few minutes on my laptop, any idea why?", 0)
    ctx.remember(msg("carol", "my build finished fine", 0.5))
    qb = ask(ctx, 2, "bob", "how do I make grub wait longer before it boots?", 1)
    return ctx, [qa, qb], msg(who, "so is there any way to keep the wifi up when on battery?", 1.2)


def test_asking_again_while_your_own_question_waits_answers_nobody() -> None:
    # A re-ask is not a new question (the detector does not open a second one), but it is still the
    # member's own: whatever the learned weights say, it never answers bob.
    with weight("m_waiting", 0.0), weight("m_asks", 0.0):
        ctx, open_q, m = reask_after_another_question("alice")
        assert ctx.reply_target(m, open_q) is None
        ctx, open_q, m = reask_after_another_question("carol")  # the same words from someone with no question open
        assert key(ctx.reply_target(m, open_q)) == 2


def test_a_reply_to_help_the_asker_was_giving_before_their_question_answers_nothing() -> None:
    """alice helps bob (who asked nothing the detector took for a question), asks the room something of
    her own, then helps bob on: bob's "nothing happened" is about his removal, not her question."""
    ctx = ChannelContext()
    ctx.remember(msg("bob", "googleearth will not uninstall", 0))
    ctx.remember(msg("alice", "sudo dpkg --purge googleearth", 0.5, mentions=("bob",)))
    qa = ask(ctx, 1, "alice", "does anyone know the gnome equivalent of katapult?", 1)
    ctx.remember(msg("alice", "id use synaptic then and remove it that way", 1.5, mentions=("bob",)))
    assert ctx.reply_target(msg("bob", "nothing happened", 2), [qa]) is None


def test_the_askers_answer_to_a_helpers_clarifying_question_still_leads_to_the_answer() -> None:
    """Without earlier help between them, a reply after the asker's answer to one's clarifying question
    is the answer to the asker's question."""
    ctx = ChannelContext()
    qa = ask(ctx, 1, "alice", "how do I get wifi working on my thinkpad x200?", 0)
    ctx.remember(msg("bob", "which ubuntu release are you on?", 0.5, mentions=("alice",)))
    ctx.remember(msg("alice", "the 24.04 one, fresh install", 1, mentions=("bob",)))
    assert key(ctx.reply_target(msg("bob", "then install the firmware-iwlwifi package and reboot", 1.5, mentions=("alice",)), [qa])) == 1


def test_asked_by_name_for_help_a_member_with_a_question_of_their_own_answers_even_with_a_bare_yes() -> None:
    """alice asks the room, then asks bob by name (bob has a question of his own): his "yes" takes hers up."""
    ctx = ChannelContext()
    qa = ask(ctx, 1, "alice", "hello, i am having trouble installing JRE", 0)
    qb = ask(ctx, 2, "bob", "how do I install ubuntu in text-only mode?", 1)
    ctx.remember(msg("alice", "any help with JRE?", 5, mentions=("bob",)))
    assert ctx.reply_target(msg("bob", "lol", 5.5), [qa, qb]) is None  # a laugh is no answer
    assert key(ctx.reply_target(msg("bob", "yes", 5.5), [qa, qb])) == 1


def test_advice_that_says_how_to_is_no_request_for_help() -> None:
    """alice (a question of her own) tells bob how to do something: his reply is about his need."""
    ctx = ChannelContext()
    qa = ask(ctx, 1, "alice", "my sound stopped working after the KDE update, how do I get it back?", 0)
    qb = ask(ctx, 2, "bob", "my laptop does not boot since I installed windows", 0.5)
    ctx.remember(msg("alice", "look for a guide on how to reinstall grub from the live CD", 1, mentions=("bob",)))
    assert ctx.reply_target(msg("bob", "but why would I need to reinstall grub?", 1.5, mentions=("alice",)), [qa, qb]) is None


def test_a_helpers_clarifying_question_to_a_member_is_not_a_request_of_the_helpers_own() -> None:
    """alice, with a question of her own, asks bob about his: his reply is about his need, not hers."""
    ctx = ChannelContext()
    qa = ask(ctx, 1, "alice", "I dual boot windows and my ubuntu partition is too small, how do I grow it?", 0)
    qb = ask(ctx, 2, "bob", "can my laptop share its wireless connection over ethernet?", 0.5)
    ctx.remember(msg("alice", "have you tried making an ad hoc connection?", 2, mentions=("bob",)))
    assert ctx.reply_target(msg("bob", "no i have not", 3, mentions=("alice",)), [qa, qb]) is None
    assert ctx.reply_target(msg("bob", "yes", 3), [qa, qb]) is None


def test_a_short_question_taking_up_the_askers_words_is_a_clarifying_response() -> None:
    ctx = ChannelContext()
    ctx.remember(msg("carol", "the build is green again", 0))
    ctx.remember(msg("dan", "nice, merging now", 0.2))
    q = ask(ctx, 1, "alice", "hey, I just installed fluxbox and all the fonts in my gnome apps look huge", 1)
    hit = ctx.reply_target(msg("bob", "fluxbox is in the archive?", 2), [q])
    assert key(hit) == 1 and hit is not None and hit[1] == reply_roles.ECHO_REASON
    # too late to be about it, or about nothing the asker said: no response
    assert ctx.reply_target(msg("bob", "fluxbox is in the archive?", 6), [q]) is None
    assert ctx.reply_target(msg("bob", "is the mirror down again?", 2), [q]) is None
    # dan, who said something of his own a minute ago, is on his own matter
    assert ctx.reply_target(msg("dan", "fluxbox is in the archive?", 2), [q]) is None


def test_an_askers_own_short_question_takes_up_nobodys_words() -> None:
    ctx = ChannelContext()
    qa = ask(ctx, 1, "alice", "my laptop runs ubuntu 8.10 and the sound stopped working after an update", 0)
    qb = ask(ctx, 2, "bob", "how do I redirect the ALSA output to a wav file?", 0.5)
    ctx.remember(msg("carol", "there is a how-to on the wiki for that", 0.7, mentions=("bob",)))  # bob is taken up
    ctx.remember(msg("bob", "reading it now", 0.8, mentions=("carol",)))
    assert ctx.reply_target(msg("bob", "does that work with ubuntu 8.10?", 1), [qa, qb]) is None
