"""Per-channel conversation memory and reply inference for flat channels.

In a flat channel (IRC-like, a Slack channel used without threads) nothing but
the text and the timing says who answers whom. ``ChannelContext`` keeps a short,
bounded memory of the channel (a deque capped by count and by age) and answers
two kinds of question:

- for the detector: is this author already in a conversation, did they ask
  recently, is the member they name around?
- for the engine: is this message a reply to one of the open questions?

Reply signals: the message names the asker (an address or an @mention) --
by far the strongest; or, in a quiet channel only, it is the next thing said
after the question, soon, by someone not busy in another conversation and not
asking something of their own. In a busy channel several conversations
interleave and adjacency is mostly coincidence (measured on real IRC logs:
bench/answered.py), so an unaddressed line there answers nobody.
"""

from __future__ import annotations

from collections import OrderedDict, deque
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Iterator, Sequence

from .detect import text_cues, without_names
from .events import Message

# An author who was addressed, or addressed someone, this recently is mid-conversation.
CONVERSATION_WINDOW = timedelta(minutes=10)
# A question by the same author this recently makes a new one a re-ask or follow-up.
REASK_WINDOW = timedelta(minutes=30)
# The author's own recent substantive lines: the new one continues them.
MONOLOGUE_WINDOW = timedelta(minutes=5)
# "The next message after the question" only counts as an answer this soon.
ADJACENT_WINDOW = timedelta(minutes=3)
# ...and only in a quiet channel: at most QUIET_MAX messages in QUIET_WINDOW before the question.
QUIET_WINDOW = timedelta(minutes=5)
QUIET_MAX = 4


@dataclass(frozen=True)
class OpenQuestion:
    key: int  # the engine's question id
    msg_id: str
    author: str
    at: datetime


@dataclass(frozen=True, slots=True)
class _Seen:
    id: str
    author: str
    at: datetime
    mentions: tuple[str, ...]
    is_question: bool
    chatter: bool  # greeting, thanks, ack, probe: says nothing of its own


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

    # --- memory --------------------------------------------------------------
    def remember(self, msg: Message, *, is_question: bool = False) -> None:
        """Record msg as the latest message of the channel (called after judge/reply_target)."""
        if msg.author_is_bot:
            return  # bots take no part in conversations
        chatter = text_cues(without_names(msg.text, msg.mentions) if msg.mentions else msg.text).chatter
        self._recent.append(_Seen(msg.id, msg.author, msg.at, tuple(msg.mentions), is_question, chatter))
        if is_question:
            self._askers[msg.author] = msg.at
            self._askers.move_to_end(msg.author)
            if len(self._askers) > self._max_askers:
                self._askers.popitem(last=False)
        # Age out old entries too, so a quiet channel forgets yesterday.
        while self._recent and msg.at - self._recent[0].at > self.horizon:
            self._recent.popleft()

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
    def spoke_recently(self, author: str, now: datetime) -> bool:
        return any(s.author == author for s in self._back(now, self.horizon))

    def asked_recently(self, author: str, now: datetime) -> bool:
        at = self._askers.get(author)
        return at is not None and timedelta(0) <= now - at <= REASK_WINDOW

    def in_conversation(self, author: str, now: datetime) -> bool:
        """Addressed someone, or was addressed by someone else, lately."""
        for s in self._back(now, CONVERSATION_WINDOW):
            if s.author == author:
                if s.mentions:
                    return True
            elif author in s.mentions:
                return True
        return False

    def said_recently(self, author: str, now: datetime) -> bool:
        """Said something of substance (not a greeting or probe) lately."""
        return any(s.author == author and not s.chatter for s in self._back(now, MONOLOGUE_WINDOW))

    def partners(self, author: str, now: datetime, window: timedelta | None = None) -> set[str]:
        """Members author has exchanged addressed messages with lately."""
        out: set[str] = set()
        for s in self._back(now, window or self.horizon):
            if s.author == author:
                out.update(s.mentions)
            elif author in s.mentions:
                out.add(s.author)
        return out

    # --- what the engine asks ----------------------------------------------
    def reply_target(self, msg: Message, open_questions: Sequence[OpenQuestion]) -> tuple[int, str] | None:
        """If msg (a top-level message from a human) is a reply to one of open_questions in this flat
        channel, return (question key, reason). Never the asker's own message."""
        now = msg.at
        candidates = [q for q in open_questions
                      if q.author != msg.author and timedelta(0) <= now - q.at <= self.horizon]
        if not candidates:
            return None
        # Open questions arrive in the order they were asked: newest last.
        latest_first = candidates[::-1]

        # 1. Naming the asker is the clearest sign (an IRC address, an @mention),
        #    unless it only greets or thanks them. Naming someone else answers nobody.
        if msg.mentions:
            target = next((q for q in latest_first if q.author in msg.mentions), None)
            if target is None:
                return None
            cues = text_cues(without_names(msg.text, msg.mentions))
            if cues.chatter and cues.reasons[0] in ("greeting only", "thanks"):
                return None
            return target.key, "mentions the asker"

        # 2. The next thing said after the question, soon, by someone not busy
        #    in another conversation -- only in a quiet channel: where several
        #    conversations interleave, adjacency is mostly coincidence.
        #    (Cheap checks first; every condition must hold.)
        last = self._recent[-1] if self._recent else None
        if last is None or now - last.at > ADJACENT_WINDOW:
            return None
        target = next((q for q in latest_first if last.id == q.msg_id or (last.author == q.author and last.at >= q.at)), None)
        if target is None or self._busy(target.at):
            return None
        cues = text_cues(msg.text)
        if cues.chatter or cues.score >= 1.0:
            return None  # greetings and thanks answer nobody; a question of their own is not an answer
        # An unaddressed line by someone who is talking with others (they
        # addressed each other lately) belongs to that talk. On real logs this
        # holds even when the partner is the asker: a follow-up exchange, not
        # the answer, so it is no signal of its own.
        if self.partners(msg.author, now, CONVERSATION_WINDOW):
            return None
        return target.key, "next message after the question, by another member"

    def _busy(self, at: datetime) -> bool:
        """Several messages in the minutes before ``at``: conversations interleave."""
        n = sum(1 for s in self._recent if timedelta(0) <= at - s.at <= QUIET_WINDOW)
        return n > QUIET_MAX
