"""Plain-text addresses: how people name each other in flat channels, read like platform mentions."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from bot.addresses import ROSTER_HORIZON, Roster
from bot.conversation import ChannelContext, OpenQuestion
from bot.detect import judge
from bot.events import Message

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)


def roster(*names: str) -> Roster:
    r = Roster()
    for n in names:
        r.see(n, None, T0)
    return r


@pytest.mark.parametrize(
    "text, who",
    [
        ("alice: did you reinstall?", "alice"),
        ("alice, yes that is possible", "alice"),
        ("Alice : try the other port", "alice"),
        ("nubbe> what files?", "nubbe"),
        ("@alice look at the logs", "alice"),
        ("the logs say so, @alice", "alice"),
        ("ok that works, alice", "alice"),
        ("thanks bob2", "bob2"),
        ("quad thanks", "|QuaD-"),  # decoration people do not type
        ("bob: see the wiki", "bob_"),  # trailing underscore
        ("rand: use the fglrx driver", "randabis-laptop"),  # a unique shortening, with ':'
        ("swj you should remove them with aptitude", "swj"),  # the bare name as first word
    ],
)
def test_addresses_people_write(text: str, who: str) -> None:
    r = roster("alice", "nubbe", "bob2", "|QuaD-", "bob_", "randabis-laptop", "swj")
    assert who in r.address(text, "helper", T0).ids


@pytest.mark.parametrize(
    "text",
    [
        "will you help me with grub?",  # "will" is a member and a common word: only "will:" addresses them
        "help me please",
        "so, how do I mount it",
        "the answer is in the manual",
        "rand is not a word here",  # a shortening counts only with ':' or '@'
        "has anyone ever used crossover on ubuntu?",  # a member "ubuntu_" is around: after "on" it is the object
        "i want to install the gimp",
    ],
)
def test_ordinary_words_are_not_addresses(text: str) -> None:
    r = roster("will", "help", "so", "randabis-laptop", "ubuntu_", "gimp")
    assert r.address(text, "newbie", T0).ids == ()


def test_a_common_word_nick_is_addressed_with_a_colon() -> None:
    r = roster("will")
    assert r.address("will: try a live usb", "helper", T0).ids == ("will",)


def test_only_members_seen_recently_and_never_the_author() -> None:
    r = roster("alice")
    assert r.address("carol: hi", "bob", T0).ids == ()
    assert r.address("alice: note to self", "alice", T0).ids == ()
    assert r.address("alice: still there?", "bob", T0 + ROSTER_HORIZON + timedelta(minutes=1)).ids == ()


def test_display_names_resolve_to_the_author_id() -> None:
    r = Roster()
    r.see("U123", "Alice Smith", T0)
    assert r.address("alice: which version?", "U999", T0).ids == ("U123",)
    assert r.address("@Alice Smith look", "U999", T0).ids == ("U123",)


def test_the_address_is_taken_out_of_the_text() -> None:
    r = roster("alice")
    assert r.address("alice: thanks!", "bob", T0).rest.strip() == "thanks!"


def test_roster_is_bounded() -> None:
    r = Roster(max_names=10)
    for i in range(50):
        r.see(f"user{i}x", None, T0)
    assert len(r) == 10


# --- in the core: plain text reads like a platform mention --------------------


def _msg(author: str, text: str, minute: float, i: int) -> Message:
    return Message(platform="irc", channel="#help", id=str(i), author=author, at=T0 + timedelta(minutes=minute), text=text, author_name=author)


def test_a_plain_text_address_answers_the_question_and_is_not_a_new_one() -> None:
    ctx = ChannelContext()
    q = _msg("alice", "how do I make the wifi driver load at boot?", 0, 1)
    assert judge(q, ctx).is_question
    ctx.remember(q, is_question=True)
    for i in range(6):  # other talk in between
        ctx.remember(_msg("dana" if i % 2 else "eli", f"status update number {i} for the build", 0.2 + i * 0.2, 10 + i))
    reply = _msg("bob", "alice: did you add it to /etc/modules?", 2, 30)
    v = judge(reply, ctx)
    assert not v.is_question
    assert any(r.startswith("addressed to another member (a reply)") for r in v.reasons)
    hit = ctx.reply_target(reply, [OpenQuestion(7, q.id, q.author, q.at)], own_question=v.is_question)
    assert hit is not None and hit[0] == 7
    assert "addressed to the asker" in hit[1]


def test_a_thanks_addressed_in_plain_text_is_still_thanks() -> None:
    ctx = ChannelContext()
    ctx.remember(_msg("alice", "try the other port", 0, 1))
    v = judge(_msg("bob", "alice: thanks a lot!", 1, 2), ctx)
    assert v.reasons == ("thanks",)
