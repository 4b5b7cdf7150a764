"""Question detector: is a top-level message a member question that needs a reply?

Target: the *first* message of a member's request for help, information or an
opinion. Replies, helpers' clarifying questions, the asker's follow-ups and
re-asks, greetings and bare "anyone here?" probes, thanks, bot output and a `?`
only inside a URL or code are not.

Two layers, so a moderator can see why a message was (or was not) taken for a
question:
- rules that settle a message outright: bot output; chatter (greeting, thanks,
  acknowledgement, bare probe, bot command, /me action: bot/cues.py); and, over
  the score, a request put to the whole room ("does anyone know ...?") addressed
  to nobody by a member not asking again is a question;
- otherwise a learned linear score (bot/model.py, fitted on real IRC logs, the
  threshold chosen on a separate split) over general features: the text's shape
  (bot/cues.py: a sentence-final question mark of any script, a question word or
  modal opening, help phrases, length, first person...) and the flat channel's
  context (``ChannelContext``): the message addresses a member who is around (a
  reply), the author asked recently (a re-ask), is already in a conversation,
  just said something, or speaks for the first time in a while. A forum topic
  (``starts_topic``) is judged as a fresh start, without the channel's chatter.
The reasons list every feature that moved the score, with its weight.
Pure Python; a few µs per message (bench/detection.py measures it).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Sequence

from . import model
from .conversation import ECHO_WORDS, ChannelContext
from .cues import FEATURES as TEXT_FEATURES
from .cues import LABELS as TEXT_LABELS
from .cues import TextCues, clean, text_cues, without_names  # noqa: F401  (re-exported: older imports)
from .events import Message

CONTEXT_FEATURES = (
    "addressed_around",
    "names_other",
    "asked_recently",
    "in_conversation",
    "said_recently",
    "fresh",
    "fresh_asks",
    "story",
    "busy_asks",
    "answers_back",
    "returning",
    "asked_earlier",
    "after_probe",
    "thanked",
    "echoes",
)
CONTEXT_LABELS = {
    "addressed_around": "addressed to another member (a reply)",
    "names_other": "names another member",
    "asked_recently": "same author asked recently (a re-ask or follow-up)",
    "in_conversation": "author is already in a conversation",
    "said_recently": "continues the author's own recent messages",
    "fresh": "author's first words in a while",
    "fresh_asks": "a newcomer's ask",
    "story": "a long first-person account",
    "busy_asks": "a question of its own from a member already talking",
    "answers_back": "someone spoke to the author since their last words (a reply)",
    "returning": "author spoke earlier in the last half hour",
    "asked_earlier": "same author asked in the last hours (a re-ask)",
    "after_probe": "follows the author's own 'can anyone help?'",
    "thanked": "the author's last question was settled (they said thanks)",
    "echoes": "a short question repeating a word someone else just said (about that)",
}
FEATURES = TEXT_FEATURES + CONTEXT_FEATURES
LABELS = {**TEXT_LABELS, **CONTEXT_LABELS}
model.check(model.QUESTION, FEATURES)
_Q = model.QUESTION
THRESHOLD = _Q.threshold
_ASKS, _WH, _MODAL, _SOMEONE, _PHRASE = 0, 1, 2, 3, 4
_SHORT, _LONG, _FIRST_PERSON, _DEICTIC = 8, 9, 10, 11


class Verdict:
    """is_question, score, and the readable reasons (built only when someone reads them: the hot path
    of a busy channel judges every message, but a moderator reads the reasons of few)."""

    __slots__ = ("is_question", "score", "_reasons", "_x", "_cues", "_topic", "_room")

    def __init__(
        self,
        is_question: bool,
        reasons: tuple[str, ...] | None,
        score: float,
        *,
        x: list[float] | None = None,
        cues: TextCues | None = None,
        topic: bool = False,
        room: bool = False,
    ) -> None:
        self.is_question, self.score = is_question, score
        self._reasons, self._x, self._cues, self._topic, self._room = reasons, x, cues, topic, room

    @property
    def reasons(self) -> tuple[str, ...]:
        if self._reasons is None:
            phrases = self._cues.phrases if self._cues is not None else ()
            self._reasons = _reasons_of(tuple(self._x or ()), phrases, self._topic, self._room)
        return self._reasons

    def __repr__(self) -> str:
        return f"Verdict(is_question={self.is_question}, reasons={self.reasons!r}, score={self.score})"


def features(msg: Message, ctx: ChannelContext | None) -> tuple[TextCues, list[float]]:
    """msg's text cues and its feature vector (FEATURES order); cues.chatter set means no vector."""
    if ctx is not None:
        r = ctx.read(msg)
        cues, mentions = r.cues, r.mentions
    else:
        mentions = msg.mentions
        cues = text_cues(without_names(msg.text, mentions) if mentions else msg.text)
    if cues.chatter:
        return cues, []
    f = cues.features
    asking = bool(f[_ASKS] or f[_WH] or f[_MODAL] or f[_SOMEONE] or f[_PHRASE])
    story = bool(f[_LONG] and f[_FIRST_PERSON])
    around = names = asked = conversing = monologue = fresh = back = returning = earlier = probed = thanked = 0.0
    if msg.starts_topic:
        # A forum topic opens its own conversation: the flat channel's talk says nothing about it.
        fresh = 1.0
    elif ctx is not None:
        now = msg.at
        if mentions:
            if any(ctx.spoke_recently(who, now) for who in mentions):
                around = 1.0
            else:
                names = 1.0
        if ctx.asked_recently(msg.author, now):
            asked = 1.0
        elif ctx.in_conversation(msg.author, now):
            conversing = 1.0
        elif ctx.said_recently(msg.author, now):
            monologue = 1.0
        elif not mentions:
            fresh = 1.0
        if not fresh and ctx.addressed_since_spoke(msg.author, now):
            back = 1.0
        if not f[_SHORT] and ctx.probed(msg.author, now):
            probed = 1.0  # the ask a probe announced is a sentence, not "saying" or "ok so"
        if ctx.thanked_since_ask(msg.author, now):
            thanked = 1.0
        if fresh:  # none of the above: but were they here a while ago, or did they ask already?
            returning = 1.0 if ctx.spoke_recently(msg.author, now) else 0.0
            earlier = 1.0 if ctx.asked_earlier(msg.author, now) else 0.0
    elif mentions:
        names = 1.0
    else:
        fresh = 1.0  # judged alone (no channel to read): a standalone post, like a first message
    x = list(f)
    if x[_DEICTIC] and (ctx is None or msg.starts_topic or not ctx.others_spoke(msg.author, msg.at)):
        x[_DEICTIC] = 0.0  # "how do I fix this?" with nothing said before is about the asker's own thing
    busy_asks = 1.0 if (asked or conversing or monologue) and asking and f[_ASKS] else 0.0
    fresh_asks, fresh_story = (1.0 if fresh and asking else 0.0), (1.0 if fresh and story else 0.0)
    echo = 0.0
    if ctx is not None and f[_ASKS] and cues.words <= ECHO_WORDS and not msg.starts_topic and ctx.echoes(cues.terms, msg.author, msg.at):
        echo = 1.0
    x += [around, names, asked, conversing, monologue, fresh, fresh_asks, fresh_story, busy_asks, back, returning, earlier, probed, thanked, echo]
    return cues, x


def judge(msg: Message, ctx: ChannelContext | None = None) -> Verdict:
    """Is this top-level message a member question needing a reply? ctx is the
    flat-channel context BEFORE this message (None: no context, e.g. a first post
    in a thread/forum, judge text alone)."""
    if msg.author_is_bot:
        return Verdict(False, ("posted by a bot",), -10.0)
    cues, x = features(msg, ctx)
    if not x:
        return Verdict(False, (cues.reason,), -3.0)
    score = _Q.score(x)
    if score < _Q.threshold and _asks_the_room(x, cues):
        # A rule over the learned score: in the training split's proxy (a conversation start) a member who
        # is already talking and asks everyone "does anyone know ...?" often continues a topic, but it is a
        # request put to the room all the same, and if nobody takes it up a moderator should know.
        return Verdict(True, None, round(score, 2), x=x, cues=cues, topic=msg.starts_topic, room=True)
    return Verdict(score >= _Q.threshold, None, round(score, 2), x=x, cues=cues, topic=msg.starts_topic)


ROOM_REASON = "asks the whole room ('anyone know ...?', 'another question: ...'), addressed to no one"
_T = len(TEXT_FEATURES)
_AROUND, _NAMES, _ASKED = _T, _T + 1, _T + 2
_ROOM = frozenset({"anyone know", "can someone"})


def _asks_the_room(x: list[float], cues: TextCues) -> bool:
    """ "does anyone know ...?", "anyone using X here?": a request put to everyone with a '?', addressed
    to nobody, and not the author asking again what they asked minutes ago. Or a request its author
    announces as a new one ("another question: is ...?"), addressed to nobody."""
    if x[_AROUND] or x[_NAMES]:
        return False
    if cues.turns and (x[_ASKS] or x[_WH] or x[_MODAL]):
        return True
    return bool(not x[_ASKED] and (x[_SOMEONE] or _ROOM.intersection(cues.phrases)) and x[_ASKS])


# Every stored question carries its reasons, and the features take few values (mostly 0/1): the same
# vectors come back again and again, so their reasons are kept rather than weighed and worded anew.
@lru_cache(maxsize=4096)
def _reasons_of(x: tuple[float, ...], phrases: tuple[str, ...], topic: bool, room: bool) -> tuple[str, ...]:
    reasons = _reasons(x, phrases, topic)
    return (ROOM_REASON,) + reasons if room else reasons


def _reasons(x: Sequence[float], phrases: tuple[str, ...], topic: bool) -> tuple[str, ...]:
    reasons = []
    for name, w in _Q.terms(x):
        label = LABELS[name]
        if name == "ask_phrase" and phrases:
            label += ": " + ", ".join(f"'{p}'" for p in phrases)
        elif name == "fresh" and topic:
            label = "opens a new topic"
        reasons.append(f"{label} ({w:+.1f})")
    return tuple(reasons)
