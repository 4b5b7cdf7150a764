"""The reply model of flat channels: which earlier message, if any, a message answers.

In a flat channel (IRC-like, a Slack channel used without threads, a Discord
channel without reply references) nothing but the text and the timing says who
answers whom. The model is learned (bot/model.py, fitted on real IRC reply links):
each earlier message by someone else within the horizon is a candidate, scored on
general cues every help channel has (addressed to its author, time and messages
since, whether its author has spoken again, whether the two have been talking,
whether it asked something); the best candidate is the message answered if its
score clears the threshold chosen on the dev split. Who helps whom is also
learned: whether the replier's own question still waits, who spoke to them since
their last words. Whether a link makes a first response to an open question (the
rules of who helps whom) is bot/reply_roles.py.

It reads the channel's bounded memory (``ChannelContext`` in bot/conversation.py)
and keeps none of its own. ``link`` is the hot path of a busy channel: the same
score as ``model.REPLY.score`` over ``candidates`` (a test holds them equal),
computed inline, with the message-level terms added once.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterator, Protocol

from . import model
from .cues import TextCues
from .events import Message


@dataclass(slots=True, eq=False)  # not frozen: made for every message, and a frozen init costs a setattr a field
class Reading:
    """One message as the core reads it in its channel."""

    mentions: tuple[str, ...]  # author ids addressed: platform mentions and plain-text addresses
    cues: TextCues  # of the text without the addresses


@dataclass(slots=True, eq=False)  # read-only by convention (not frozen: one is made for every message)
class _Seen:
    id: str
    author: str
    at: datetime
    mentions: tuple[str, ...]
    is_question: bool
    chatter: bool  # greeting, thanks, ack, probe: says nothing of its own
    asks: bool
    long: bool
    fresh: bool  # its author's first message within the horizon
    n: int  # position in the channel (count of messages remembered before it)
    ts: float  # at, as a POSIX timestamp (cheaper arithmetic on the hot path)
    prior: float  # the reply model's terms that depend on this message alone
    cues: TextCues  # its text cues (bot/cues.py): ``cues.terms``, the words it is about
    pleads: bool = False  # asks for help outright ("can anyone help", "any help with X?"), not a clarifying question


class ChannelContext(Protocol):
    """What the reply model reads of a channel's memory (``conversation.ChannelContext`` has it).

    A protocol, so that the memory imports the model and never the other way round.
    """

    horizon: timedelta  # at the channel's pace
    scale: float  # how much slower than a busy help channel it talks (>= 1)
    _recent: deque[_Seen]
    _last: dict[str, int]
    _n: int

    def read(self, msg: Message) -> Reading: ...

    def spoke_recently(self, author: str, now: datetime) -> bool: ...

    def asked_recently(self, author: str, now: datetime) -> bool: ...

    def said_recently(self, author: str, now: datetime) -> bool: ...

    def echoed(self, terms: frozenset[str], author: str, now: datetime) -> Iterator[_Seen]: ...

    def in_conversation(self, author: str, now: datetime) -> bool: ...

    def partners(self, author: str, now: datetime, window: timedelta | None = None) -> set[str]: ...

    def asked_at(self, author: str) -> datetime | None: ...

    def addressed_at(self, author: str, member: str) -> datetime | None: ...

    def waiting(self, author: str, now: datetime) -> bool: ...

    def owed(self, author: str, now: datetime) -> str | None: ...


# Earlier messages by others the reply model weighs: those by the members the message addresses, if
# it addresses anyone, up to MAX_CANDIDATES back; otherwise the NEAR_CANDIDATES latest. On the
# training split the latest 12 hold 91 % of reply links, 20 hold 96 %.
NEAR_CANDIDATES = 12
MAX_CANDIDATES = 24
# Chatter that never answers anyone; a bare acknowledgement answers only when addressed to the asker ("yes"),
# and so does a command: "alice: /msg nickserv help", "!grub | alice" point the asker at an answer.
NEVER_ANSWERS = frozenset({"greeting", "thanks", "probe", "command", "action", "empty"})
# A question this short that takes up a word someone said this lately is about what they said
# (the detector: not a request of its own; the reply model: a response to it).
ECHO_WORDS = 6
ECHO_WINDOW = timedelta(minutes=3)
CONVERSATION_WINDOW = timedelta(minutes=10)  # "the two were already talking": addressed each other this lately
QUIET_WINDOW = timedelta(minutes=5)  # "a quiet channel": at most QUIET_MAX messages in the last QUIET_WINDOW
QUIET_MAX = 4

REPLY_FEATURES = (
    "addressed",
    "c_addressed_me",
    "c_addressed_other",
    "gap",
    "distance",
    "latest_of_author",
    "author_spoke_since",
    "partners",
    "c_asks",
    "c_question",
    "c_chatter",
    "c_long",
    "m_asks",
    "m_advice",
    "m_fresh",
    "adjacent",
    "quiet",
    "adjacent_quiet",
    "c_fresh",
    "addressed_latest",
    "addressed_distance",
    "m_asker",
    "m_waiting",
    "m_owes",
    "c_owed",
    "spoke_since_other",
)
REPLY_LABELS = {
    "addressed": "addressed to the asker",
    "c_addressed_me": "the asker had addressed the replier",
    "c_addressed_other": "the asked message was addressed to someone else",
    "gap": "time since",
    "distance": "messages since",
    "latest_of_author": "the asker's latest message",
    "author_spoke_since": "the replier spoke since",
    "partners": "the two were already talking",
    "c_asks": "answers a '?'",
    "c_question": "answers a detected question",
    "c_chatter": "the earlier message was small talk",
    "c_long": "answers a long message",
    "m_asks": "is itself a question",
    "m_advice": "reads like an answer",
    "m_fresh": "the replier's first words in a while",
    "adjacent": "the next message after it",
    "quiet": "a quiet channel",
    "adjacent_quiet": "the next message, in a quiet channel",
    "c_fresh": "the asker's first words in a while",
    "addressed_latest": "addressed to the asker, whose latest message it is",
    "addressed_distance": "addressed, messages since",
    "m_asker": "the replier asked a question of their own lately",
    "m_waiting": "the replier's own question is still waiting, and they address nobody",
    "m_owes": "the replier, naming nobody, was spoken to since their last words",
    "c_owed": "by the member who spoke to the replier",
    "spoke_since_other": "the replier spoke since, to someone else",
}
model.check(model.REPLY, REPLY_FEATURES)
_REPLY = model.REPLY  # bench/train.py swaps in the model it is fitting
MAX_MEMORY = 256  # messages a channel's memory may hold (bot/conversation.py)
_LOG1P = tuple(math.log1p(i) for i in range(MAX_MEMORY))  # log1p of a message distance
_QUIET_S = QUIET_WINDOW.total_seconds()


@dataclass(frozen=True, slots=True)
class Link:
    """The earlier message a message answers, with the model's score and its main reasons."""

    msg_id: str
    author: str
    at: datetime
    score: float
    seen: _Seen

    def why(self, msg: Message, ctx: ChannelContext) -> str:
        """The main reasons, from the full feature vector (computed only for a link that is used)."""
        x = next((x for c, x in candidates(ctx, msg) if c is self.seen), None)
        terms = _REPLY.terms(x) if x is not None else []
        shown = ", ".join(f"{REPLY_LABELS[f]} {w:+.1f}" for f, w in terms[:3])
        return f"reply model {model.Linear.probability(self.score):.0%}: {shown}"


class _Weights:
    """The reply model's weights as attributes (one lookup each on the hot path), and the cache of the
    terms that depend on an earlier message alone (its prior)."""

    def __init__(self, m: model.Linear) -> None:
        self.model = m
        self.w = w = dict(zip(m.features, m.weights, strict=True))
        self.bias, self.threshold = m.bias, m.threshold
        self.m_asks, self.m_advice, self.m_fresh, self.quiet = w["m_asks"], w["m_advice"], w["m_fresh"], w["quiet"]
        self.m_asker, self.m_waiting, self.m_owes, self.owed = w["m_asker"], w["m_waiting"], w["m_owes"], w["c_owed"]
        self.since_other = w["spoke_since_other"]
        self.addr, self.me, self.cother = w["addressed"], w["c_addressed_me"], w["c_addressed_other"]
        self.gap, self.dist, self.latest, self.since = w["gap"], w["distance"], w["latest_of_author"], w["author_spoke_since"]
        self.adist, self.alatest, self.partners = w["addressed_distance"], w["addressed_latest"], w["partners"]
        self.adj, self.adj_quiet = w["adjacent"], w["adjacent"] + w["adjacent_quiet"]
        self.priors: dict[tuple[bool, ...], float] = {}


_W: _Weights | None = None


def weights() -> _Weights:
    global _W
    if _W is None or _W.model is not _REPLY:
        _W = _Weights(_REPLY)
    return _W


def prior(asks: bool, is_question: bool, chatter: bool, long: bool, fresh: bool) -> float:
    """The reply model's terms that depend on an earlier message alone (kept with it in the memory)."""
    ws = weights()
    k = (asks, is_question, chatter, long, fresh)
    if (v := ws.priors.get(k)) is None:
        w = ws.w
        v = ws.priors[k] = (
            (w["c_asks"] if asks else 0.0)
            + (w["c_question"] if is_question else 0.0)
            + (w["c_chatter"] if chatter else 0.0)
            + (w["c_long"] if long else 0.0)
            + (w["c_fresh"] if fresh else 0.0)
        )
    return v


def _quiet(ctx: ChannelContext, now_ts: float) -> bool:
    recent = 0
    window = _QUIET_S * ctx.scale  # at the channel's pace
    for s in reversed(ctx._recent):
        if now_ts - s.ts > window or recent > QUIET_MAX:
            break
        recent += 1
    return recent <= QUIET_MAX


def _addressed_in(ctx: ChannelContext, n: int | None) -> tuple[str, ...]:
    """Whom the remembered message at position n addressed (nobody if it is no longer remembered)."""
    recent = ctx._recent
    if n is None or not recent or not 0 <= (i := n - recent[0].n) < len(recent):
        return ()
    return recent[i].mentions


def candidates(ctx: ChannelContext, msg: Message) -> Iterator[tuple[_Seen, list[float]]]:
    """Each earlier message msg could answer, with its features (REPLY_FEATURES order)."""
    now, me = msg.at, msg.author
    r = ctx.read(msg)
    mentions = r.mentions
    f = r.cues.features
    m_asks = f[0] if f else 0.0
    m_advice = f[7] if f else 0.0
    mine = ctx._last.get(me)
    m_fresh = 0.0 if ctx.spoke_recently(me, now) else 1.0
    m_asker = 1.0 if ctx.asked_recently(me, now) else 0.0
    m_waiting = 1.0 if not mentions and ctx.waiting(me, now) else 0.0
    owed = None if mentions else ctx.owed(me, now)
    to_others = _addressed_in(ctx, mine)
    partners = ctx.partners(me, now, CONVERSATION_WINDOW) if (mentions or mine is not None) else set()
    n_now = ctx._n
    quiet = 1.0 if _quiet(ctx, now.timestamp()) else 0.0
    taken = 0
    for c in reversed(ctx._recent):
        if taken >= MAX_CANDIDATES:
            break
        minutes = (now - c.at).total_seconds() / 60
        if minutes > ctx.horizon.total_seconds() / 60:
            break
        minutes /= ctx.scale  # the gap in the channel's own time (bot/conversation.py, pace)
        if c.author == me:
            continue
        taken += 1
        addressed = c.author in mentions
        if (mentions or taken > NEAR_CANDIDATES) and not addressed:
            continue  # an addressed message answers its addressees' messages only
        adjacent = 1.0 if c.n == n_now - 1 else 0.0
        latest = 1.0 if ctx._last.get(c.author) == c.n else 0.0
        distance = math.log1p(n_now - 1 - c.n)
        yield (
            c,
            [
                1.0 if addressed else 0.0,
                1.0 if me in c.mentions else 0.0,
                1.0 if c.mentions and me not in c.mentions else 0.0,
                math.log1p(max(0.0, minutes)),
                distance,
                latest,
                1.0 if mine is not None and mine > c.n else 0.0,
                1.0 if c.author in partners else 0.0,
                1.0 if c.asks else 0.0,
                1.0 if c.is_question else 0.0,
                1.0 if c.chatter else 0.0,
                1.0 if c.long else 0.0,
                m_asks,
                m_advice,
                m_fresh,
                adjacent,
                quiet,
                adjacent * quiet,
                1.0 if c.fresh else 0.0,
                latest if addressed else 0.0,
                distance if addressed else 0.0,
                m_asker,
                m_waiting,
                0.0 if owed is None else 1.0,
                1.0 if owed is not None and c.author == owed else 0.0,
                1.0 if mine is not None and mine > c.n and to_others and c.author not in to_others else 0.0,
            ],
        )


def link(ctx: ChannelContext, msg: Message) -> Link | None:
    """The earlier message msg most likely answers, if the model is sure enough."""
    me = msg.author
    r = ctx.read(msg)
    mentions = r.mentions
    f = r.cues.features
    W = weights()
    last_of = ctx._last
    mine = last_of.get(me)
    now_ts = msg.at.timestamp()
    quiet = _quiet(ctx, now_ts)
    base = W.bias + (W.m_asks * f[0] + W.m_advice * f[7] if f else 0.0)
    base += (0.0 if ctx.spoke_recently(me, msg.at) else W.m_fresh) + (W.quiet if quiet else 0.0)
    if ctx.asked_recently(me, msg.at):  # an asker of their own need, less often someone else's helper
        base += W.m_asker
        if not mentions and ctx.waiting(me, msg.at):  # nobody has answered them yet: likely their own follow-up
            base += W.m_waiting
    # Spoken to since their last words, and naming nobody: most likely a reply to that member.
    owed = None if mentions else ctx.owed(me, msg.at)
    if owed is not None:
        base += W.m_owes
    partners = ctx.partners(me, msg.at, CONVERSATION_WINDOW) if (mentions or mine is not None) else ()
    n_last = ctx._n - 1
    horizon = ctx.horizon.total_seconds()
    per_minute = 60.0 * ctx.scale  # gaps are weighed in the channel's own time (bot/conversation.py, pace)
    w_gap, w_dist, w_latest, w_me, w_cother = W.gap, W.dist, W.latest, W.me, W.cother
    w_adj = W.adj_quiet if quiet else W.adj
    since = W.since if mine is not None else 0.0
    addr_w = W.addr if mentions else 0.0
    best_s, best = -1e9, None
    taken = 0
    log1p = math.log1p
    # Unaddressed, only the NEAR_CANDIDATES latest count; addressed, the addressees' messages that far back.
    limit = MAX_CANDIDATES if mentions else NEAR_CANDIDATES
    mine_n = mine if mine is not None else -1  # "the replier spoke since c"
    to_others = _addressed_in(ctx, mine)  # whom the replier's latest message addressed (a helper juggling askers)
    w_since_other, w_owed = W.since_other, W.owed
    w_adist, w_alatest, w_partners = W.adist, W.alatest, W.partners
    for c in reversed(ctx._recent):
        if taken >= limit:
            break
        seconds = now_ts - c.ts
        if seconds > horizon:
            break
        author = c.author
        if author == me:
            continue
        taken += 1
        if mentions and author not in mentions:
            continue
        n = c.n
        dist = _LOG1P[n_last - n]  # (the memory holds at most MAX_MEMORY messages)
        sc = base + c.prior + (w_gap * log1p(seconds / per_minute) if seconds > 0 else 0.0) + w_dist * dist
        latest = last_of.get(author) == n
        if latest:
            sc += w_latest
        if mentions:  # (then c is by an addressee)
            sc += addr_w + w_adist * dist + (w_alatest if latest else 0.0)
        if c.mentions:
            sc += w_me if me in c.mentions else w_cother
        if n < mine_n:
            sc += since
            if to_others and author not in to_others:
                sc += w_since_other
        if author == owed:
            sc += w_owed
        if n == n_last:
            sc += w_adj
        if partners and author in partners:
            sc += w_partners
        if sc > best_s:
            best_s, best = sc, c
    if best is None or best_s < W.threshold:
        return None
    return Link(best.id, best.author, best.at, best_s, best)
