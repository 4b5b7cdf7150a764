"""Question detector: is a top-level message a member question that needs a reply?

Target (DESIGN.md, "What counts as a member question"): the *first* message of
a member's request for help, information or an opinion. Replies, helpers'
clarifying questions, the asker's follow-ups and re-asks, greetings and bare
"anyone here?" probes, thanks, bot output and a `?` only inside a URL or code
are not.

The verdict is a sum of readable cues, each with a weight, so a moderator can
see why a message was (or was not) taken for a question:
- text cues of a request: a `?` ending a sentence (outside URLs/code), a question
  word or modal opening the message, help phrases ("anyone know", "how do i",
  "can't get X to work", "error", ...);
- text cues against: greeting/thanks/acknowledgement only, a bare "anyone
  here?" probe, a bot command, very short, advice phrasing ("you need to");
- flat-channel context (``ChannelContext``, optional): the author is already in
  a conversation (addressed someone or was addressed), already asked recently
  (a re-ask or follow-up), just said something, or the message names another
  member who is around (a reply), or is a short "what was that?" reaction; in
  favour: the author's first words in a while (newcomers ask, helpers answer).
  A forum topic (``starts_topic``) is judged as a fresh start, without the
  channel's chatter.
Weights were tuned on real #ubuntu IRC logs (bench/detection.py) but every rule
is a generic cue of chat help channels; no community-specific words.
Pure Python and regex only; about 20 µs per message.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

from .events import Message

if TYPE_CHECKING:  # only for annotations; conversation imports this module
    from .conversation import ChannelContext

THRESHOLD = 2.0  # score at or above which a message is a question
W_WH = 1.5  # opens with a question word, or "anyone ..."
W_MODAL = 1.0  # opens with "can/is/does ...": also how replies and asides start
W_PHRASES_MAX = 2.0  # help phrases add up to this much
W_FRESH = 1.5  # the author's first words in a while
W_STORY = 1.0  # ...and a long first-person account with no other cue
# Context penalties (flat channels).
P_ADDRESSED = 3.0  # names a member who is around: a reply
P_REASK = 4.0  # same author asked within REASK_WINDOW: a re-ask or follow-up
P_CONVERSING = 3.0  # author addressed someone or was addressed lately
P_NAMES = 1.0  # names a member not seen lately
P_MONOLOGUE = 1.5  # author said something of substance moments ago
P_DEICTIC = 2.5  # short '?' about "that/it": a reaction to what was just said
MIN_WORDS = 4  # fewer words than this: "very short"


@dataclass(frozen=True)
class Verdict:
    is_question: bool
    reasons: tuple[str, ...]
    score: float


# --- text clean-up ---------------------------------------------------------
# Code and links are not the member's words: a `?` in a query string or in a
# shell glob says nothing about asking.
_CODE_BLOCK = re.compile(r"```.*?(```|$)", re.S)
_INLINE_CODE = re.compile(r"`[^`\n]*`")
_URL = re.compile(r"<?(?:https?|ftp|mms|file)://[^\s>]+>?|<[^>\s]+\|[^>]*>|\bwww\.\S+", re.I)
_SLACK_MENTION = re.compile(r"<[@#!][^>]*>")  # <@U123>, <#C1|general>, <!here>
_DISCORD_MENTION = re.compile(r"<(?:@[!&]?|#)\d+>")
_QUOTE_LINE = re.compile(r"^\s*>.*$", re.M)  # quoted earlier text (markdown)
# Emoji as Slack/Discord write them (":wave:", "<:blob:123>", "<a:party:456>"): decoration, not words.
_EMOJI_CODE = re.compile(r"<a?:\w+:\d+>|:[a-z0-9_+'-]{1,40}:")
_SPACES = re.compile(r"\s+")


def clean(text: str) -> str:
    """The member's own prose: no code, URLs, platform mention tokens or quotes."""
    if "`" in text:
        text = _CODE_BLOCK.sub(" ", text)
        text = _INLINE_CODE.sub(" code ", text)
    if "://" in text or "www." in text or "|" in text:
        text = _URL.sub(" link ", text)
    if "<" in text:
        text = _SLACK_MENTION.sub(" ", text)
        text = _DISCORD_MENTION.sub(" ", text)
    if ">" in text:
        text = _QUOTE_LINE.sub(" ", text)
    if text.count(":") >= 2:
        text = _EMOJI_CODE.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


# --- lexical cues ----------------------------------------------------------
# All patterns run on the lower-cased text (cheaper than re.I).
_GREETING = re.compile(
    r"^(?:(?:hi|hello|hey|heya|hiya|howdy|hallo|hola|yo|sup|greetings|morning|evening|afternoon"
    r"|good\s+(?:morning|evening|afternoon|day|night)|g'?day|salut|ciao)\b"
    r"(?:\s*(?:there|all|everyone|everybody|everyne|guys|folks|people|ppl|y'?all|friends|team|again|you\s+all))*"
    r"[\s,.!?:;~)(-]*)+"
)
# What a message may open with before the real ask ("so,", "quick question:").
_LEAD = re.compile(
    r"^(?:(?:so|ok|okay|well|um+|uh+|hmm+|also|and|but|btw|anyway|guys|all|folks|please|pls|plz"
    r"|quick\s+question|question|q|a\s+question|newbie\s+question|noob\s+question|another\s+question)\b[\s,.:;!-]*)+"
)
_THANKS = re.compile(
    r"^(?:thanks|thank\s*(?:you|u)|thx|thnx|thanx|tnx|ty|tyvm|cheers|much\s+appreciated|appreciate\s+it)\b"
)
_ACK = re.compile(
    r"^(?:ok(?:ay)?|k|kk|yes|yeah|yep|yup|no|nope|nah|sure|right|cool|nice|great|lol|lmao|haha+|hehe+"
    r"|hm+|ah+|oh+|ic|i\s+see|np|done|same|exactly|indeed|true|agreed|wow|damn|yay|\W+)"
    r"(?:[\s,.!:;]+(?:ok(?:ay)?|thanks|then|man|dude|that|it|works?|now|lol|haha|sure|great|cool|yes|no))*[\s.!?:;)(-]*$"
)
# Bare probes: asking whether anyone is there / may one ask, with no actual ask.
_ANYONE = r"(?:any|some)\s*(?:one|body)"
_PROBE = re.compile(
    r"^(?:(?:is\s+)?(?:there\s+)?" + _ANYONE + r"\s*(?:here|around|there|alive|awake|online|home|out\s+there)?"
    r"|(?:can|could|would|will)\s+" + _ANYONE + r"\s+(?:please\s+)?(?:help|assist|answer)(?:\s+me)?(?:\s+(?:out|please|here))*"
    r"|" + _ANYONE + r"\s+(?:can|could|to|who\s+can|that\s+can|able\s+to|willing\s+to)\s+(?:help|answer|assist)(?:\s+me)?"
    r"|(?:i\s+)?(?:need|want|could\s+use)\s+(?:some\s+)?help(?:\s+(?:here|please|pls|plz))*"
    r"|help(?:\s+(?:me|please|pls|plz))*|(?:any|some)\s*help(?:\s+please)?"
    r"|(?:can|may)\s+i\s+ask\s+(?:a|some|you\s+a)?\s*(?:quick\s+)?questions?(?:\s+here)?"
    r"|i\s+have\s+a\s+(?:quick\s+|small\s+|little\s+)?question"
    r"|(?:hello|ping)|still\s+there|you\s+there)"
    r"[\s?!.:,)(-]*$"
)
# "!ban x", "/remind me": a command word, not a path like "/etc/fstab ..."
_BOT_COMMAND = re.compile(r"^[!/][a-z][\w-]*(?:\s|$)")
_WH = re.compile(r"^(?:how|what|what's|whats|why|where|where's|wheres|when|which|who|who's|whom|whose)\b")
_MODAL = re.compile(
    r"^(?:is|are|was|were|can|could|should|would|will|does|do|did|has|have|had|may|might|shall"
    r"|isn't|aren't|can't|cant|doesn't|doesnt|don't|dont|won't|wont|wouldn't|shouldn't)\b"
)
# Without a '?' these usually open a statement with the subject dropped ("was thinking ...").
_WEAK_MODAL = re.compile(r"^(?:was|were|had|has|have|might|may|shall)\b")
_SOMEONE = re.compile(
    r"^" + _ANYONE + r"\b|^any\s+(?:way|idea|ideas|suggestions?|tips?|clue|help|pointers?|advice)\b")
# Phrases of a request, anywhere in the text: (label, weight, cheap substring
# gate, pattern). Asking phrases weigh 1; trouble words ("error", "can't") only
# 0.5, as members also use them to tell stories and helpers to explain. The gate
# skips the regex for most messages, which keeps judge fast.
_HELP_PHRASES: tuple[tuple[str, float, tuple[str, ...], re.Pattern[str]], ...] = tuple(
    (label, weight, gate, re.compile(rx)) for label, weight, gate, rx in (
        ("how do i", 1.0, ("how",),
         r"\bhow\s+(?:do|can|would|should|could|does)\s+(?:i|you|one|we)\b|\bhow\s+to\b"),
        ("anyone know", 1.0, ("one", "body"),
         r"\bany\s*(?:one|body)\s+(?:here\s+)?(?:know|knows|familiar|has|have|had|got|tried|use|uses|using"
         r"|run|running|seen|experienced?|recommends?|able|can|could|else)\b"
         r"|\bsome\s*(?:one|body)\s+(?:here\s+)?(?:know|knows|familiar|tried|recommends?)\b"),
        ("can someone", 1.0, ("one", "body"), r"\b(?:can|could|would|will)\s+" + _ANYONE + r"\b"),
        ("is there a way", 1.0, ("is there", "is it", "way", "possible"),
         r"\bis\s+(?:there|it)\s+(?:a|an|any|some|possible)\b|\bany\s*way\s+to\b|\bpossible\s+to\b"),
        ("need help", 1.0, ("help", "advice", "assist", "suggestion"),
         r"\b(?:need|want|looking\s+for|seeking|could\s+use)\s+(?:some\s+|a\s+little\s+)?"
         r"(?:help|advice|assistance|suggestions?)\b|\bhelp\s+me\b|\bplease\s+help\b"),
        ("wants to know", 1.0, ("know", "ask", "curious", "wonder"),
         r"\b(?:want(?:ed)?\s+to\s+(?:know|ask)|(?:need|like)\s+to\s+know|curious|wondering)\b"),
        ("any ideas", 1.0, ("any", "what", "should"),
         r"\bany\s+(?:ideas?|suggestions?|tips?|clues?|hints?|pointers?|advice|thoughts|recommendations?)\b"
         r"|\bwhat\s+(?:should|can|do)\s+i\b"),
        ("recommend", 1.0, ("recommend", "suggest", "best", "alternative"),
         r"\b(?:recommend|suggest)(?:ations?|ed)?\b|\bwhat'?s\s+the\s+best\b|\bbest\s+way\b|\balternative\s+to\b"),
        ("trying to", 0.5, ("tr", "ing", "want", "need", "like", "wish", "wonder", "wanna"),
         r"\b(?:i'?m|i\s+am|im|i\s+was|been|i've\s+been)\s+(?:trying|attempting|looking|wondering|unable|having)\b"
         r"|\bi\s+(?:tried|want\s+to|wanna|need\s+to|would\s+like\s+to|wish\s+to|wonder)\b"
         r"|\bif\s+i\s+(?:want|wanted|need|wanna)\b"),
        ("can't", 0.5, ("n't", "nt ", "not", "unable", "fail"),
         r"\b(?:can'?t|cannot|can\s+not|couldn'?t|unable\s+to|not\s+able\s+to|failed\s+to|fails?\s+to)\b"),
        ("doesn't work", 0.5, ("n't", "nt ", "not", "stop", "keep", "never"),
         r"\b(?:doesn'?t|does\s+not|don'?t|do\s+not|won'?t|wouldn'?t|will\s+not|isn'?t|is\s+not|not|stopped"
         r"|stops|keeps?|never)\s+(?:seem\s+to\s+|even\s+)?(?:work|load|start|boot|recogni[sz]|detect|show"
         r"|respond|crash|freez|connect|mount|play|open|find|install|run|be\s+\w+ed)"),
        ("error", 0.5, ("err", "exception", "traceback", "segfault", "crash", "freez", "broke", "fail", "fatal"),
         r"\b(?:errors?|exception|traceback|segfault|crash(?:es|ed|ing)?|freez(?:e|es|ing)|broken|fails?"
         r"|failed|failing|fatal)\b"),
        ("problem", 0.5, ("problem", "issue", "trouble", "stuck"), r"\b(?:problems?|issues?|trouble|stuck)\b"),
    )
)
# "I fixed it", "never mind": a report, not a request.
_RESOLVED = re.compile(
    r"\b(?:fixed|solved|sorted\s+(?:it\s+)?out|figured\s+(?:it\s+)?out|works\s+now|working\s+now"
    r"|got\s+it\s+(?:working|to\s+work)|never\s*mind|nvm)\b"
)
_ADVICE = re.compile(
    r"^(?:you\s+(?:need|should|can|could|have|must|might|may|will|want)|try|use|just|run|type|install|check"
    r"|it'?s|that'?s|that\s+is|there'?s|there\s+is|it\s+is|yes|no|because|cause|maybe|probably|sounds)\b"
)
# A short question about something just said ("what was that for?").
_DEICTIC = re.compile(r"\b(?:that|this|it|those|these|them|there)\b")
_FIRST_PERSON = re.compile(r"\b(?:i|i'm|im|i've|my|me|mine)\b")
_SENTENCE_Q = re.compile(r"\?+(?:[\s\"')\]]|$)")  # a `?` that ends a sentence


@lru_cache(maxsize=8192)
def _name_pattern(name: str) -> re.Pattern[str]:
    # Cached here: a busy community has thousands of names, more than re's own cache holds.
    return re.compile(r"@?(?<![\w])" + re.escape(name) + r"(?![\w])[:,]?", re.I)


def without_names(text: str, names: tuple[str, ...] | list[str]) -> str:
    """text with the named members taken out ("alice: thanks!" -> ": thanks!"), so
    an address does not hide a greeting or a thanks. Platform mention tokens
    (<@U123>) are already dropped by clean()."""
    lowered = text.lower()
    for name in names:
        if name and name.lower() in lowered:
            text = _name_pattern(name).sub(" ", text)
    return text


@dataclass(frozen=True)
class TextCues:
    """What the text alone says; also used by ChannelContext to tell small talk."""

    body: str  # cleaned, lower-cased, greeting/lead stripped
    score: float
    reasons: tuple[str, ...]
    chatter: bool  # greeting, thanks, ack, probe, bot command: no ask of its own
    words: int = 0
    asks: bool = False  # has a sentence-final '?'


@lru_cache(maxsize=512)  # the engine asks about the same text from judge, reply_target and remember
def text_cues(text: str) -> TextCues:
    raw = text.strip()
    if raw.startswith("* "):  # an /me action: narration, not a request
        return TextCues("", -3.0, ("an action (/me)",), True)
    low = raw.lower()
    if _BOT_COMMAND.match(low):
        return TextCues("", -3.0, ("a bot command",), True)
    body = clean(low)
    greeted = False
    if m := _GREETING.match(body):
        if m.end() > 0:
            greeted = True
            body = body[m.end():]
    if m := _LEAD.match(body):
        body = body[m.end():]
    if not body or not any(c.isalnum() for c in body):
        return TextCues(body, -3.0, ("greeting only" if greeted else "no words of its own",), True)
    if _THANKS.match(body) and len(body) < 60:
        return TextCues(body, -3.0, ("thanks",), True)
    if _ACK.match(body):
        return TextCues(body, -3.0, ("acknowledgement only",), True)
    if _PROBE.match(body):
        return TextCues(body, -3.0, ("asks if anyone is there, without the question itself",), True)

    score = 0.0
    reasons: list[str] = []
    words = body.count(" ") + 1
    asks = "?" in body and _SENTENCE_Q.search(body) is not None
    if asks:
        score += 2.0
        reasons.append("ends with '?'" if body.rstrip(" .!)").endswith("?") else "has a sentence ending in '?'")
    if _WH.match(body):
        score += W_WH
        reasons.append("opens with a question word")
    elif _MODAL.match(body) and (asks or not _WEAK_MODAL.match(body)):
        score += W_MODAL
        reasons.append("opens like a question ('can/is/does ...')")
    elif _SOMEONE.match(body):
        score += W_WH
        reasons.append("asks the channel ('anyone ...')")
    phrases = [(label, w) for label, w, gate, rx in _HELP_PHRASES
               if any(g in body for g in gate) and rx.search(body)]
    if phrases:
        score += min(W_PHRASES_MAX, sum(w for _, w in phrases))
        reasons.append("asks for help: " + ", ".join(f"'{p}'" for p, _ in phrases))
    if _RESOLVED.search(body):
        score -= 1.5
        reasons.append("reports something solved")
    if _ADVICE.match(body):
        score -= 1.0
        reasons.append("reads like an answer or advice")
    if words < MIN_WORDS:
        score -= 1.0
        reasons.append("very short")
    return TextCues(body, score, tuple(reasons), False, words, asks)


def judge(msg: Message, ctx: ChannelContext | None = None) -> Verdict:
    """Is this top-level message a member question needing a reply? ctx is the
    flat-channel context BEFORE this message (None: no context, e.g. a first post
    in a thread/forum, judge text alone)."""
    if msg.author_is_bot:
        return Verdict(False, ("posted by a bot",), -10.0)
    cues = text_cues(without_names(msg.text, msg.mentions) if msg.mentions else msg.text)
    if cues.chatter:
        return Verdict(False, cues.reasons, cues.score)
    score = cues.score
    reasons = list(cues.reasons)
    # A long first-person account ("my wifi drops since ...") from someone not
    # already talking is often the request itself, even with no question cue.
    story = score <= 0 and cues.words >= 10 and _FIRST_PERSON.search(cues.body) is not None

    if msg.starts_topic:
        # A forum topic opens its own conversation: the flat channel's talk
        # says nothing about it, and a new topic is a fresh start by definition.
        if score > 0 or story:
            score += W_FRESH + (W_STORY if story else 0.0)
            reasons.append("opens a new topic")
    elif ctx is not None:
        now = msg.at
        deictic = cues.asks and cues.words <= 6 and _DEICTIC.search(cues.body) is not None
        if msg.mentions:
            # Naming a member who is around is talking to them: a reply or a
            # turn in their conversation, not a question to the channel.
            if any(ctx.spoke_recently(nick, now) for nick in msg.mentions):
                score -= P_ADDRESSED
                reasons.append("addressed to another member (a reply)")
            else:
                score -= P_NAMES
                reasons.append("names another member")
        if ctx.asked_recently(msg.author, now):
            score -= P_REASK
            reasons.append("same author asked recently (a re-ask or follow-up)")
        elif ctx.in_conversation(msg.author, now):
            score -= P_CONVERSING
            reasons.append("author is already in a conversation")
        elif ctx.said_recently(msg.author, now):
            score -= P_MONOLOGUE
            reasons.append("continues the author's own recent messages")
        elif (score > 0 or story) and not msg.mentions and not deictic:
            score += W_FRESH + (W_STORY if story else 0.0)
            reasons.append("author's first words in a while")
        if deictic:
            score -= P_DEICTIC
            reasons.append("short question about something said before")
    elif msg.mentions:
        score -= P_NAMES / 2  # no context: we cannot tell if it is a reply
        reasons.append("names another member")

    return Verdict(score >= THRESHOLD, tuple(reasons), round(score, 2))
