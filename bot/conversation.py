"""Per-channel conversation memory and the reply model for flat channels.

In a flat channel (IRC-like, a Slack channel used without threads, a Discord
channel without reply references) nothing but the text and the timing says who
answers whom. ``ChannelContext`` keeps a short, bounded memory of the channel (a
deque capped by count and by age, and a roster of who is around for plain-text
addresses) and answers:

- ``read(msg)``: whom the message addresses, platform mentions and plain-text
  addresses alike (bot/addresses.py), and its text cues;
- for the detector: is this author already in a conversation, did they ask
  recently, is the member they name around?
- for the engine: which earlier message, if any, does this one answer
  (``link``), and so is it the first response to an open question
  (``reply_target``)?

The reply model is learned (bot/model.py, fitted on real IRC reply links): each
earlier message by someone else within the horizon is a candidate, scored on
general cues every help channel has (addressed to its author, time and messages
since, whether its author has spoken again, whether the two have been talking,
whether it asked something); the best candidate is the message answered if its
score clears the threshold chosen on the dev split. Greetings, thanks, small
talk and a member's own new question never answer anyone.
"""

from __future__ import annotations

import math
from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Callable, Iterator, Sequence

from . import model
from .addresses import Roster
from .cues import TextCues, text_cues, without_names
from .events import Message

# An author who was addressed, or addressed someone, this recently is mid-conversation.
CONVERSATION_WINDOW = timedelta(minutes=10)
# A question by the same author this recently makes a new one a re-ask or follow-up.
REASK_WINDOW = timedelta(minutes=30)
# The author's own recent substantive lines: the new one continues them.
MONOLOGUE_WINDOW = timedelta(minutes=5)
# Earlier messages by others the reply model weighs: those by the members the message addresses, if
# it addresses anyone, up to MAX_CANDIDATES back; otherwise the NEAR_CANDIDATES latest. On the training split the latest 12 hold 91 % of reply links, 20 hold 96 %.
NEAR_CANDIDATES = 12
MAX_CANDIDATES = 24
# Chatter that never answers anyone; a bare acknowledgement answers only when addressed to the asker ("yes").
NEVER_ANSWERS = frozenset({"greeting", "thanks", "probe", "command", "action", "empty"})

REPLY_FEATURES = ("addressed", "c_addressed_me", "c_addressed_other", "gap", "distance",
                  "latest_of_author", "author_spoke_since", "partners", "c_asks", "c_question", "c_chatter",
                  "c_long", "m_asks", "m_advice", "m_fresh", "adjacent", "quiet", "adjacent_quiet", "c_fresh",
                  "addressed_latest", "addressed_distance")
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
}
QUIET_WINDOW = timedelta(minutes=5)  # "a quiet channel": at most QUIET_MAX messages in the last QUIET_WINDOW
QUIET_MAX = 4
model.check(model.REPLY, REPLY_FEATURES)
_REPLY = model.REPLY


@dataclass(frozen=True)
class OpenQuestion:
    key: int  # the engine's question id
    msg_id: str
    author: str
    at: datetime


@dataclass(frozen=True, slots=True)
class Reading:
    """One message as the core reads it in its channel."""

    mentions: tuple[str, ...]  # author ids addressed: platform mentions and plain-text addresses
    cues: TextCues  # of the text without the addresses


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
        return _why(msg, ctx, self.seen, self.score)


@dataclass(frozen=True, slots=True)
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


def _prior(w: dict[str, float], asks: bool, is_question: bool, chatter: bool, long: bool, fresh: bool) -> float:
    cache = _prior_cache.get(id(w))
    if cache is None:
        _prior_cache.clear()
        cache = _prior_cache[id(w)] = {}
    k = (asks, is_question, chatter, long, fresh)
    if (v := cache.get(k)) is None:
        v = cache[k] = _prior_terms(w, *k)
    return v


_prior_cache: dict[int, dict[tuple[bool, ...], float]] = {}


def _prior_terms(w: dict[str, float], asks: bool, is_question: bool, chatter: bool, long: bool, fresh: bool) -> float:
    return ((w["c_asks"] if asks else 0.0) + (w["c_question"] if is_question else 0.0)
            + (w["c_chatter"] if chatter else 0.0) + (w["c_long"] if long else 0.0) + (w["c_fresh"] if fresh else 0.0))


_ZERO = timedelta(0)
_LOG1P = tuple(math.log1p(i) for i in range(256))  # log1p of a message distance (the deque holds far fewer)


def read(msg: Message, roster: Roster | None) -> Reading:
    """Whom msg addresses and what its text says (without the address)."""
    mentions = tuple(msg.mentions)
    text = without_names(msg.text, mentions) if mentions else msg.text
    # A platform that says whom a message mentions is trusted: text addresses are for messages without that.
    if roster is not None and not mentions and not msg.author_is_bot:
        addr = roster.address(msg.text, msg.author, msg.at)
        if addr.ids:
            mentions = addr.ids
            text = addr.rest
    return Reading(mentions, text_cues(text))


class ChannelContext:
    """Bounded memory (a few dozen recent messages / minutes) of one flat channel."""

    def __init__(self, *, horizon: timedelta = timedelta(minutes=30), max_messages: int = 50):
        self.horizon = horizon
        self._recent: deque[_Seen] = deque(maxlen=max_messages)
        # Who asked when, kept apart from the message deque: in a busy channel
        # 50 messages span a few minutes, but a re-ask comes much later.
        # Capped at max_messages askers, oldest dropped first.
        self._askers: OrderedDict[str, datetime] = OrderedDict()
        self._max_askers = max_messages
        self._last: dict[str, int] = {}  # author -> position of their latest message (pruned with the deque)
        self._n = 0
        # Per-author times, for O(1) context questions: spoke, said something of substance,
        # addressed or was addressed; and who talked with whom when.
        self._spoke: dict[str, datetime] = {}
        self._said: dict[str, datetime] = {}
        self._conv: dict[str, datetime] = {}
        self._talk: dict[str, dict[str, datetime]] = {}
        self._forget_at = 4 * max_messages
        self.roster = Roster()
        self._read: tuple[Message, Reading] | None = None

    # --- memory --------------------------------------------------------------
    def read(self, msg: Message) -> Reading:
        """msg as read in this channel (memoised: judge, reply_target and remember all ask)."""
        if self._read is not None and self._read[0] is msg:
            return self._read[1]
        r = read(msg, self.roster)
        self._read = (msg, r)
        return r

    def remember(self, msg: Message, *, is_question: bool = False) -> None:
        """Record msg as the latest message of the channel (called after judge/reply_target)."""
        if msg.author_is_bot:
            return  # bots take no part in conversations
        r = self.read(msg)
        cues = r.cues
        fresh = not self.spoke_recently(msg.author, msg.at)
        chatter, asks, long = bool(cues.chatter), cues.asks, cues.words >= 12
        self._recent.append(_Seen(msg.id, msg.author, msg.at, r.mentions, is_question, chatter, asks, long, fresh,
                                  self._n, msg.at.timestamp(), _prior(_weights(), asks, is_question, chatter, long, fresh)))
        self._last[msg.author] = self._n
        self._n += 1
        at, me = msg.at, msg.author
        self._spoke[me] = at
        if not cues.chatter:
            self._said[me] = at
        if r.mentions:
            self._conv[me] = at
            mine = self._talk.setdefault(me, {})
            for other in r.mentions:
                self._conv[other] = at
                mine[other] = at
                self._talk.setdefault(other, {})[me] = at
        self.roster.see(msg.author, msg.author_name, msg.at)
        if is_question:
            self._askers[msg.author] = msg.at
            self._askers.move_to_end(msg.author)
            if len(self._askers) > self._max_askers:
                self._askers.popitem(last=False)
        # Age out old entries too, so a quiet channel forgets yesterday.
        while self._recent and msg.at - self._recent[0].at > self.horizon:
            self._recent.popleft()
        if len(self._spoke) > self._forget_at:
            self._forget(msg.at - self.horizon)
            # many voices all within the horizon: do not scan again on the very next message
            self._forget_at = max(4 * (self._recent.maxlen or 50), 2 * len(self._spoke))

    def _forget(self, before: datetime) -> None:
        """Drop per-author times older than the horizon (bounded memory in a channel with many voices)."""
        first = self._recent[0].n if self._recent else self._n
        self._last = {a: n for a, n in self._last.items() if n >= first}
        for d in (self._spoke, self._said, self._conv):
            for a in [a for a, t in d.items() if t < before]:
                del d[a]
        for a in list(self._talk):
            talk = {p: t for p, t in self._talk[a].items() if t >= before}
            if talk:
                self._talk[a] = talk
            else:
                del self._talk[a]

    def __len__(self) -> int:
        return len(self._recent)

    def _back(self, now: datetime, window: timedelta) -> Iterator[_Seen]:
        """Remembered messages, newest first, no older than window before now."""
        limit = min(window, self.horizon)
        for seen in reversed(self._recent):
            if now - seen.at > limit:
                return
            yield seen

    # --- what the detector asks ----------------------------------------------
    # Each answered from per-author times kept by remember(): O(1), no scan of the memory.
    def _within(self, at: datetime | None, now: datetime, window: timedelta) -> bool:
        return at is not None and _ZERO <= now - at <= (window if window < self.horizon else self.horizon)

    def spoke_recently(self, author: str, now: datetime) -> bool:
        at = self._spoke.get(author)
        return at is not None and _ZERO <= now - at <= self.horizon

    def asked_recently(self, author: str, now: datetime) -> bool:
        at = self._askers.get(author)
        return at is not None and timedelta(0) <= now - at <= REASK_WINDOW

    def in_conversation(self, author: str, now: datetime) -> bool:
        """Addressed someone, or was addressed by someone else, lately."""
        return self._within(self._conv.get(author), now, CONVERSATION_WINDOW)

    def said_recently(self, author: str, now: datetime) -> bool:
        """Said something of substance (not a greeting or probe) lately."""
        return self._within(self._said.get(author), now, MONOLOGUE_WINDOW)

    def others_spoke(self, author: str, now: datetime, window: timedelta = MONOLOGUE_WINDOW) -> bool:
        """Someone else said something lately (there is something to refer to)."""
        for s in self._back(now, window):
            if s.author != author:
                return True
        return False

    def partners(self, author: str, now: datetime, window: timedelta | None = None) -> set[str]:
        """Members author has exchanged addressed messages with lately."""
        talk = self._talk.get(author)
        if not talk:
            return set()
        limit = min(window or self.horizon, self.horizon)
        return {p for p, at in talk.items() if timedelta(0) <= now - at <= limit}

    # --- the reply model -------------------------------------------------------
    def candidates(self, msg: Message) -> Iterator[tuple[_Seen, list[float]]]:
        """Each earlier message msg could answer, with its features (REPLY_FEATURES order)."""
        now, me = msg.at, msg.author
        r = self.read(msg)
        mentions = r.mentions
        f = r.cues.features
        m_asks = f[0] if f else 0.0
        m_advice = f[7] if f else 0.0
        mine = self._last.get(me)
        m_fresh = 0.0 if self.spoke_recently(me, now) else 1.0
        partners = self.partners(me, now, CONVERSATION_WINDOW) if (mentions or mine is not None) else set()
        n_now = self._n
        recent = 0
        for s in reversed(self._recent):
            if now - s.at > QUIET_WINDOW or recent > QUIET_MAX:
                break
            recent += 1
        quiet = 1.0 if recent <= QUIET_MAX else 0.0
        taken = 0
        for c in reversed(self._recent):
            if taken >= MAX_CANDIDATES:
                break
            minutes = (now - c.at).total_seconds() / 60
            if minutes > self.horizon.total_seconds() / 60:
                break
            if c.author == me:
                continue
            taken += 1
            addressed = c.author in mentions
            if (mentions or taken > NEAR_CANDIDATES) and not addressed:
                continue  # an addressed message answers its addressees' messages only
            adjacent = 1.0 if c.n == n_now - 1 else 0.0
            latest = 1.0 if self._last.get(c.author) == c.n else 0.0
            distance = math.log1p(n_now - 1 - c.n)
            yield c, [
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
            ]

    def link(self, msg: Message) -> Link | None:
        """The earlier message msg most likely answers, if the model is sure enough.

        The hot path: the same score as ``_REPLY.score(x)`` over ``candidates()`` (a test holds
        them equal), computed inline with the message-level terms added once."""
        now, me = msg.at, msg.author
        r = self.read(msg)
        mentions = r.mentions
        f = r.cues.features
        w = _weights()
        mine = self._last.get(me)
        fresh = not self.spoke_recently(me, now)
        recent = 0
        for s in reversed(self._recent):
            if now - s.at > QUIET_WINDOW or recent > QUIET_MAX:
                break
            recent += 1
        quiet = recent <= QUIET_MAX
        base = _REPLY.bias + (w["m_asks"] * f[0] + w["m_advice"] * f[7] if f else 0.0)
        base += (w["m_fresh"] if fresh else 0.0) + (w["quiet"] if quiet else 0.0)
        partners = self.partners(me, now, CONVERSATION_WINDOW) if (mentions or mine is not None) else ()
        last_of = self._last
        n_last = self._n - 1
        horizon = self.horizon.total_seconds()
        now_ts = now.timestamp()
        w_addr, w_me, w_cother = w["addressed"], w["c_addressed_me"], w["c_addressed_other"]
        w_gap, w_dist, w_latest, w_since = w["gap"], w["distance"], w["latest_of_author"], w["author_spoke_since"]
        w_adist, w_alatest = w["addressed_distance"], w["addressed_latest"]
        w_adj = w["adjacent"] + (w["adjacent_quiet"] if quiet else 0.0)
        best_s, best = -1e9, None
        taken = 0
        log1p = math.log1p
        for c in reversed(self._recent):
            if taken >= MAX_CANDIDATES:
                break
            seconds = now_ts - c.ts
            if seconds > horizon:
                break
            if c.author == me:
                continue
            taken += 1
            if (mentions or taken > NEAR_CANDIDATES) and c.author not in mentions:
                continue
            dist = _LOG1P[min(255, n_last - c.n)]
            sc = base + c.prior + w_gap * log1p(max(0.0, seconds / 60)) + w_dist * dist
            latest = last_of.get(c.author) == c.n
            if latest:
                sc += w_latest
            if mentions:  # (then c is by an addressee)
                sc += w_addr + w_adist * dist + (w_alatest if latest else 0.0)
            if c.mentions:
                sc += w_me if me in c.mentions else w_cother
            if mine is not None and mine > c.n:
                sc += w_since
            if c.n == n_last:
                sc += w_adj
            if partners and c.author in partners:
                sc += w["partners"]
            if sc > best_s:
                best_s, best = sc, c
        if best is None or best_s < _REPLY.threshold:
            return None
        return Link(best.id, best.author, best.at, best_s, best)

    def reply_target(self, msg: Message, open_questions: Sequence[OpenQuestion], *,
                     own_question: bool | Callable[[], bool] = False) -> tuple[int, str] | None:
        """If msg (a top-level message from a human) is the first response to one of open_questions
        in this flat channel, return (question key, reason). Never the asker's own message.
        own_question: the detector judges msg a new question of its own (never an answer); a callable is
        asked only when that matters (an unaddressed message), so the detector need not always run first."""
        now = msg.at
        candidates = [q for q in open_questions
                      if q.author != msg.author and timedelta(0) <= now - q.at <= self.horizon]
        if not candidates:
            return None
        r = self.read(msg)
        kind = r.cues.chatter
        if kind in NEVER_ANSWERS:
            return None
        askers = {q.author for q in candidates}
        if not any(a in askers for a in r.mentions):
            if r.mentions:
                return None  # addressed to others: it answers their messages, not these questions
            if kind or (own_question() if callable(own_question) else own_question):
                return None  # "lol nice", or a new question of its own, addressed to nobody it could answer
            # Cheap first: a link can only reach an asker's message among the candidates the model weighs.
            near = 0
            for s in reversed(self._recent):
                if s.author in askers:
                    break
                if s.author != msg.author:
                    near += 1
                    if near >= NEAR_CANDIDATES:
                        return None
            else:
                return None
        hit = self.link(msg)
        if hit is None:
            return None
        # The message answered is the question itself, or the asker's follow-up after it.
        for q in reversed(candidates):
            if hit.msg_id == q.msg_id or (hit.author == q.author and hit.at >= q.at):
                return q.key, hit.why(msg, self)
        return None


_cache: tuple[model.Linear, dict[str, float]] | None = None


def _weights() -> dict[str, float]:
    global _cache
    if _cache is None or _cache[0] is not _REPLY:
        _cache = (_REPLY, dict(zip(_REPLY.features, _REPLY.weights)))
    return _cache[1]


def _why(msg: Message, ctx: ChannelContext, best: _Seen, score: float) -> str:
    """The main reasons of a link, from the full feature vector (rare: only for a link)."""
    x = next((x for c, x in ctx.candidates(msg) if c is best), None)
    terms = _REPLY.terms(x) if x is not None else []
    shown = ", ".join(f"{REPLY_LABELS[f]} {w:+.1f}" for f, w in terms[:3])
    return f"reply model {model.Linear.probability(score):.0%}: {shown}"
