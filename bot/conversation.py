"""Per-channel conversation memory for flat channels.

In a flat channel (IRC-like, a Slack channel used without threads, a Discord
channel without reply references) nothing but the text and the timing says who
answers whom. ``ChannelContext`` keeps a short, bounded memory of the channel (a
deque capped by count and by age, per-author times, and a roster of who is
around for plain-text addresses) and answers:

- ``read(msg)``: whom the message addresses, platform mentions and plain-text
  addresses alike (bot/addresses.py), and its text cues;
- for the detector: is this author already in a conversation, did they ask
  recently, is the member they name around?
- for the engine: which earlier message, if any, does this one answer
  (``link``), and so is it the first response to an open question
  (``reply_target``)? Both are the learned reply model of bot/replies.py.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from datetime import datetime, timedelta
from typing import Callable, Iterator, Sequence

from . import replies, reply_roles
from .addresses import ROSTER_HORIZON, Roster
from .cues import FEATURES as _TEXT_FEATURES
from .cues import TextCues, text_cues, without_names
from .events import Message
from .replies import (  # noqa: F401  (re-exported: the engine and older imports)
    CONVERSATION_WINDOW,
    ECHO_WINDOW,
    ECHO_WORDS,
    MAX_CANDIDATES,
    NEAR_CANDIDATES,
    NEVER_ANSWERS,
    REPLY_FEATURES,
    REPLY_LABELS,
    Link,
    Reading,
    _Seen,
)
from .reply_roles import OpenQuestion  # noqa: F401  (re-exported: the engine and older imports)

# A question by the same author this recently makes a new one a re-ask or follow-up.
REASK_WINDOW = timedelta(minutes=30)
# A question by the same author this long ago: a later ask may be the same need asked again.
EARLIER_WINDOW = timedelta(hours=3)
# The author's own recent substantive lines: the new one continues them.
MONOLOGUE_WINDOW = timedelta(minutes=5)

# The windows above are set for a busy help channel (a message every ~10 s). A Slack or
# Gitter channel may see one every few minutes, where "five minutes ago" is the previous
# turn and a conversation spans an hour. So every window stretches with the channel's
# pace: the mean gap between its last PACE_GAPS messages, the longest left out (one
# lunch break does not make a busy channel slow), against REF_GAP; never shorter than
# set, at most MAX_SCALE times longer.
REF_GAP = 20.0  # seconds: about #ubuntu's pace at its quieter hours (its typical gap is ~10 s)
PACE_GAPS = 16
MAX_GAP = 1800.0  # a longer silence counts as half an hour: the pace is of talk, not of sleep
MAX_SCALE = 48.0


_ZERO = timedelta(0)
_RESOLVED = _TEXT_FEATURES.index("resolved")
_SOMEONE = _TEXT_FEATURES.index("someone")


# Asking for help outright, not the "how to" or "is there a way" a helper's advice may also contain.
_PLEAS = frozenset({"need help", "can someone", "anyone know", "any ideas"})


def _pleads(cues: TextCues) -> bool:
    """Asks for help outright: "can anyone help", "any help with X?", "any ideas?" (bot/cues.py)."""
    return bool(cues.features) and bool(cues.features[_SOMEONE] or _PLEAS.intersection(cues.phrases))


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
        self.base_horizon = self.horizon = horizon
        self.scale = 1.0  # how much slower than a busy help channel this one talks (>= 1)
        self._gaps: deque[float] = deque(maxlen=PACE_GAPS)
        self._last_ts: float | None = None
        self._reask, self._earlier, self._monologue, self._conv_window = REASK_WINDOW, EARLIER_WINDOW, MONOLOGUE_WINDOW, CONVERSATION_WINDOW
        self._echo_window = ECHO_WINDOW
        self._recent: deque[_Seen] = deque(maxlen=min(max_messages, replies.MAX_MEMORY))
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
        self._probed: dict[str, datetime] = {}  # author -> their latest "anyone can help?" with no ask yet
        self._thanked: dict[str, datetime] = {}  # author -> when they said thanks / "fixed it" after asking
        self._conv: dict[str, datetime] = {}
        self._talk: dict[str, dict[str, datetime]] = {}
        self._addressed: dict[str, datetime] = {}  # member -> when someone else last addressed them
        self._addressed_by: dict[str, str] = {}  # member -> who that was
        self._spoke_to: dict[tuple[str, str], datetime] = {}  # (author, member) -> when author last addressed member
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
        at, me, n = msg.at, msg.author, self._n
        spoke = self._spoke.get(me)
        fresh = spoke is None or not _ZERO <= at - spoke <= self.horizon  # not spoke_recently(), inline
        chatter, asks, long = bool(cues.chatter), cues.asks, cues.words >= 12
        recent = self._recent
        ts = at.timestamp()
        prior = replies.prior(asks, is_question, chatter, long, fresh)
        recent.append(_Seen(msg.id, me, at, r.mentions, is_question, chatter, asks, long, fresh, n, ts, prior, cues, _pleads(cues)))
        self._last[me] = n
        self._n = n + 1
        self._spoke[me] = at
        if not chatter:
            self._said[me] = at
            if self._probed:
                self._probed.pop(me, None)  # the ask the probe announced has come
        elif cues.chatter == "probe":
            self._probed[me] = at
        if (cues.chatter == "thanks" or (cues.features and cues.features[_RESOLVED])) and me in self._askers:
            self._thanked[me] = at  # their need is met (or gone): a later ask is a new one
        if r.mentions and cues.chatter != "command":  # "!ask | alice" points alice at a bot's text: no talk between the two
            self._conv[me] = at
            mine = self._talk.setdefault(me, {})
            for other in r.mentions:
                self._conv[other] = at
                self._addressed[other] = at
                self._addressed_by[other] = me
                self._spoke_to[me, other] = at
                mine[other] = at
                self._talk.setdefault(other, {})[me] = at
        self.roster.see(msg.author, msg.author_name, msg.at)
        if is_question:
            self._askers[msg.author] = msg.at
            self._askers.move_to_end(msg.author)
            if len(self._askers) > self._max_askers:
                self._askers.popitem(last=False)
        # Age out old entries too, so a quiet channel forgets yesterday.
        if recent[0].at < (since := at - self.horizon):
            while recent and recent[0].at < since:
                recent.popleft()
        # Then learn the pace from this gap (after the age-out: a long silence does not keep the old talk).
        if (last := self._last_ts) is not None:
            gap = ts - last
            self._gaps.append(0.0 if gap < 0 else MAX_GAP if gap > MAX_GAP else gap)
            if len(self._gaps) < PACE_GAPS or not (n + 1) & 3:  # once warm, every 4th message is often enough
                self._keep_pace()
        self._last_ts = ts
        if len(self._spoke) > self._forget_at:
            self._forget(msg.at - self.horizon)
            # many voices all within the horizon: do not scan again on the very next message
            self._forget_at = max(4 * (self._recent.maxlen or 50), 2 * len(self._spoke))

    def _keep_pace(self) -> None:
        gaps = self._gaps
        if len(gaps) < 4:
            return  # too few to tell
        pace = (sum(gaps) - max(gaps)) / (len(gaps) - 1)
        scale = pace / REF_GAP
        scale = 1.0 if scale < 1.0 else MAX_SCALE if scale > MAX_SCALE else scale
        if abs(scale - self.scale) > 0.05 * self.scale:  # rescale the windows only on a real change of pace
            self.scale = scale
            self.horizon = self.base_horizon * scale
            self._reask, self._earlier = REASK_WINDOW * scale, EARLIER_WINDOW * scale
            self._monologue, self._conv_window = MONOLOGUE_WINDOW * scale, CONVERSATION_WINDOW * scale
            self.roster.horizon = ROSTER_HORIZON * scale  # "still here" for a plain-text address, too

    def window(self, base: timedelta) -> timedelta:
        """base stretched to this channel's pace."""
        return base if self.scale == 1.0 else base * self.scale

    def _forget(self, before: datetime) -> None:
        """Drop per-author times older than the horizon (bounded memory in a channel with many voices)."""
        first = self._recent[0].n if self._recent else self._n
        self._last = {a: n for a, n in self._last.items() if n >= first}
        for d in (self._spoke, self._said, self._conv, self._addressed, self._probed, self._thanked):
            for a in [a for a, t in d.items() if t < before]:
                del d[a]
        self._addressed_by = {a: b for a, b in self._addressed_by.items() if a in self._addressed}
        self._spoke_to = {k: t for k, t in self._spoke_to.items() if t >= before}
        for a in list(self._talk):
            talk = {p: t for p, t in self._talk[a].items() if t >= before}
            if talk:
                self._talk[a] = talk
            else:
                del self._talk[a]

    def __len__(self) -> int:
        return len(self._recent)

    @property
    def capacity(self) -> int:
        """How many messages the memory holds."""
        return self._recent.maxlen or 0

    def _back(self, now: datetime, window: timedelta) -> Iterator[_Seen]:
        """Remembered messages, newest first, no older than window (at this channel's pace) before now."""
        limit = min(self.window(window), self.horizon)
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
        return at is not None and timedelta(0) <= now - at <= self._reask

    def asked_at(self, author: str) -> datetime | None:
        """When author last asked a question (as far as this memory knows)."""
        return self._askers.get(author)

    def asked_earlier(self, author: str, now: datetime) -> bool:
        """Asked a question within EARLIER_WINDOW, but not within REASK_WINDOW (both at this channel's pace)."""
        at = self._askers.get(author)
        return at is not None and self._reask < now - at <= self._earlier

    def in_conversation(self, author: str, now: datetime) -> bool:
        """Addressed someone, or was addressed by someone else, lately."""
        return self._within(self._conv.get(author), now, self._conv_window)

    def addressed_since_spoke(self, author: str, now: datetime) -> bool:
        """Someone else addressed author after author's own latest message (within the horizon)."""
        at, spoke = self._addressed.get(author), self._spoke.get(author)
        return at is not None and spoke is not None and at > spoke and _ZERO <= now - at <= self.horizon

    def addressed_at(self, author: str, member: str) -> datetime | None:
        """When author last addressed member (within the memory)."""
        return self._spoke_to.get((author, member))

    def owed(self, author: str, now: datetime) -> str | None:
        """The member who addressed author after author's own latest words (author owes them a reply), if any."""
        return self._addressed_by.get(author) if self.addressed_since_spoke(author, now) else None

    def waiting(self, author: str, now: datetime) -> bool:
        """Asked lately, and nobody has addressed them since: their own question is still waiting."""
        asked = self._askers.get(author)
        if asked is None or not _ZERO <= now - asked <= self._reask:
            return False
        at = self._addressed.get(author)
        return at is None or at < asked

    def said_recently(self, author: str, now: datetime) -> bool:
        """Said something of substance (not a greeting or probe) lately."""
        return self._within(self._said.get(author), now, self._monologue)

    def thanked_since_ask(self, author: str, now: datetime) -> bool:
        """Said thanks (or that it is solved) after their latest question, within the horizon."""
        at, asked = self._thanked.get(author), self._askers.get(author)
        return at is not None and asked is not None and at >= asked and _ZERO <= now - at <= self.horizon

    def echoed(self, terms: frozenset[str], author: str, now: datetime) -> Iterator[_Seen]:
        """Other members' messages of the last few minutes, newest first, that terms (bot/cues.py: 4+
        letters, not common words) take up a word of: what a short question is about ("fluxbox is in ubuntu?")."""
        if terms:
            for s in self._back(now, self._echo_window):
                if s.author != author and not terms.isdisjoint(s.cues.terms):
                    yield s

    def echoes(self, terms: frozenset[str], author: str, now: datetime) -> bool:
        """terms take up a word of another member's message of the last few minutes (``echoed``)."""
        return next(self.echoed(terms, author, now), None) is not None

    def probed(self, author: str, now: datetime) -> bool:
        """Asked whether anyone can help (a probe) lately and has not said what about yet."""
        at = self._probed.get(author)
        return at is not None and _ZERO <= now - at <= self.horizon

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
        limit = min(self.window(window) if window else self.horizon, self.horizon)
        return {p for p, at in talk.items() if timedelta(0) <= now - at <= limit}

    # --- the reply model (bot/replies.py) --------------------------------------
    def candidates(self, msg: Message) -> Iterator[tuple[_Seen, list[float]]]:
        """Each earlier message msg could answer, with its features (REPLY_FEATURES order)."""
        return replies.candidates(self, msg)

    def link(self, msg: Message) -> Link | None:
        """The earlier message msg most likely answers, if the model is sure enough."""
        return replies.link(self, msg)

    def reply_target(self, msg: Message, open_questions: Sequence[OpenQuestion], *, own_question: bool | Callable[[], bool] = False) -> tuple[int, str] | None:
        """If msg is the first response to one of open_questions, (question key, reason)."""
        return reply_roles.reply_target(self, msg, open_questions, own_question=own_question)

    def reply_link(
        self, msg: Message, open_questions: Sequence[OpenQuestion], *, own_question: bool | Callable[[], bool] = False
    ) -> tuple[int, Link | reply_roles.Worded] | None:
        """reply_target with the link itself: its reason (``link.why``) worded only if the caller needs it."""
        return reply_roles.reply_link(self, msg, open_questions, own_question=own_question)
