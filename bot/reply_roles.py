"""Which open question a flat-channel message is the first response to: who helps whom.

The reply model (bot/replies.py) says which earlier message a message most likely
answers; these rules say whether that makes it the first response to an open
question. Greetings, thanks, small talk and a member's own new question never answer
anyone, nor does a member talking about their own need: asking again while their
question waits, replying to the member who is helping them with it, or to help the
asker was giving them before asking something of their own. A command pointed at the
asker, a bare "yes" to an asker who asked them by name for help, and a short question
taking up the asker's words ("fluxbox is in ubuntu?") are responses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Sequence

from .events import Message
from .replies import (
    ECHO_WORDS,
    NEAR_CANDIDATES,
    NEVER_ANSWERS,
    ChannelContext,
    Link,
    Reading,
    link,
)


@dataclass(frozen=True)
class OpenQuestion:
    key: int  # the engine's question id
    msg_id: str
    author: str
    at: datetime


# A bare answer to a question put to one by name ("bob: can you help?" "yes"); not "lol" or "ok".
_YES_NO = re.compile(r"(?:yes|yeah|yep|yup|sure|no|nope|nah)\b")

# Open questions a flat-channel message is weighed against, newest first. The reply model links a message to one
# of the last few speakers, so a question older than this many newer open ones is out of its reach anyway.
OPEN_CONSIDERED = 100


def reply_target(
    ctx: ChannelContext, msg: Message, open_questions: Sequence[OpenQuestion], *, own_question: bool | Callable[[], bool] = False
) -> tuple[int, str] | None:
    """If msg (a top-level message from a human) is the first response to one of open_questions
    (in time order) in this flat channel, return (question key, reason). Never the asker's own message.
    own_question: the detector judges msg a new question of its own (never an answer); a callable is
    asked only when that matters (an unaddressed message), so the detector need not always run first."""
    found = reply_link(ctx, msg, open_questions, own_question=own_question)
    return None if found is None else (found[0], found[1].why(msg, ctx))


def reply_link(
    ctx: ChannelContext, msg: Message, open_questions: Sequence[OpenQuestion], *, own_question: bool | Callable[[], bool] = False
) -> tuple[int, Link | Worded] | None:
    """reply_target's (question key, link), the reason not yet worded: ``link.why(msg, ctx)`` weighs the
    candidates again, so a caller that may not show it asks for it only when it does (before remember)."""
    r = ctx.read(msg)
    kind = r.cues.chatter
    if kind in NEVER_ANSWERS and not (kind == "command" and r.mentions):
        return None
    now, me = msg.at, msg.author
    # Whose messages msg can answer: its addressees; unaddressed, the last few other speakers (the
    # candidates the reply model weighs). Only their open questions are worth weighing it against.
    if r.mentions:
        reach = set(r.mentions)
    elif kind == "ack" and _YES_NO.match(r.cues.body) and (owed := ctx.owed(me, now)) is not None:
        reach = {owed}  # "yes" to the member who just asked them something by name ("bob: can you help?")
    else:
        if kind or (own_question() if callable(own_question) else own_question):
            return None  # "lol nice", or a new question of its own, addressed to nobody it could answer
        if r.cues.asks and ctx.waiting(me, now):
            return None  # asking again while nobody has taken up their own question: a re-ask, their own
        reach = set()
        near = 0
        for s in reversed(ctx._recent):
            if s.author != me:
                reach.add(s.author)
                near += 1
                if near >= NEAR_CANDIDATES:
                    break
    reach.discard(me)
    if not reach:
        return None
    since = now - ctx.horizon
    open_here: list[OpenQuestion] = []  # newest first, and only so many (the list is in time order)
    for q in reversed(open_questions):
        if q.at < since:
            break
        if q.author in reach and q.at <= now:
            open_here.append(q)
            if len(open_here) == OPEN_CONSIDERED:
                break
    if not open_here:
        return None  # addressed to others, or none of the last speakers has an open question
    hit = link(ctx, msg)
    if hit is None:
        return clarifies(ctx, msg, r, open_here)
    # The message answered is the question itself, or the asker's follow-up after it.
    for q in open_here:
        if hit.msg_id == q.msg_id or (hit.author == q.author and hit.at >= q.at):
            asked_me = me in hit.seen.mentions and hit.seen.pleads  # "bob: any help with X?": bob's reply answers
            if not asked_me and helped_by(ctx, me, q.author, q.at, now):
                return None  # a reply to the member who is helping them with their own question
            if hit.msg_id != q.msg_id and me in hit.seen.mentions and not hit.seen.asks and was_helping(ctx, q.author, me, q.at):
                return None  # a reply to the help the asker was already giving them, not to the asker's question
            return q.key, hit
    return None


ECHO_REASON = "a short question about what the asker just said (it takes up their words), addressed to no one"


@dataclass(frozen=True, slots=True)
class Worded:
    """A response a rule found, its reason worded outright (``why`` as ``Link.why``, nothing to re-weigh)."""

    reason: str

    def why(self, msg: Message, ctx: ChannelContext) -> str:
        return self.reason


_ECHO = Worded(ECHO_REASON)


def clarifies(ctx: ChannelContext, msg: Message, r: Reading, open_here: Sequence[OpenQuestion]) -> tuple[int, Worded] | None:
    """A short question, addressed to nobody, that takes up a telling word the asker said in the last few
    minutes ("fluxbox is in ubuntu?" after "I just installed Fluxbox and ..."): a helper's clarifying
    question about that, so a response. Only from a member not already busy (asking, talking with
    someone, saying something of their own), and only one asker's words may match (else whose?)."""
    cues = r.cues
    if r.mentions or not cues.asks or cues.words > ECHO_WORDS or not cues.terms:
        return None
    me, now = msg.author, msg.at
    if ctx.asked_recently(me, now) or ctx.said_recently(me, now) or ctx.in_conversation(me, now):
        return None  # about their own need ("does that work with 8.10?"), or their own talk with someone
    askers = {q.author: q for q in open_here}
    found: OpenQuestion | None = None
    for s in ctx.echoed(cues.terms, me, now):
        q = askers.get(s.author)
        if q is not None and s.at >= q.at:
            if found is not None and found is not q:
                return None
            found = q
    return None if found is None else (found.key, _ECHO)


def was_helping(ctx: ChannelContext, helper: str, member: str, before: datetime) -> bool:
    """helper addressed member (still remembered) before ``before``: the two were talking about member's
    need before helper asked something of their own ("sken: try dpkg --purge", then helper's own question)."""
    for s in ctx._recent:
        if s.at >= before:
            return False
        if s.author == helper and member in s.mentions:
            return True
    return False


def helped_by(ctx: ChannelContext, member: str, helper: str, after: datetime, now: datetime) -> bool:
    """member asked a question lately, and helper has addressed member since (and since ``after``).

    Then member's reply to helper is their side of the conversation about their own need; it
    answers the help, not a question helper asked before it ("alice: no, it is installed" to
    the asker who just told alice what to try)."""
    asked, helped = ctx.asked_at(member), ctx.addressed_at(helper, member)
    return asked is not None and helped is not None and ctx.asked_recently(member, now) and helped >= max(asked, after)
