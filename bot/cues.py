"""Text cues: what a message's words alone say, with no channel context.

Pure functions of the text (cached by text): the member's own prose (bot/prose.py:
``clean`` drops code, links, mention tokens and quotes); whether it is only chatter (a greeting,
thanks, an acknowledgement, a bare "anyone here?" probe, a bot command, an /me
action); and the binary/numeric features the learned models weigh
(``TextCues.features``). Judging a message in its channel's context lives in
``detect`` (is it a question?) and ``conversation`` (does it answer one?); both
read this module, which reads neither.

Not only English: the question marks of other scripts count (full-width ``？``,
``¿``, Arabic ``؟``), a sentence-final Chinese/Japanese question particle counts as
asking, and words are counted so that a CJK or Thai message, written without
spaces, is not "one word". The English phrase lists are extra cues on top: a
community in another language still gets the shape and context cues, and
``KNOWN_LANGUAGES`` says which languages have word lists (check-config warns about
routes in other languages).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property, lru_cache

from .prose import clean, count_words, terms_of, without_names  # noqa: F401  (re-exported: older imports)

KNOWN_LANGUAGES = ("en",)  # languages whose words (phrase lists below) the detector knows
MIN_WORDS = 4  # fewer words than this: "very short"
LONG_WORDS = 12  # this many words or more: a long message (an account of a problem, or an explanation)

# --- lexical cues ----------------------------------------------------------
_ALNUM = re.compile(r"[^\W_]")  # a letter or digit, any script
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
_THANKS = re.compile(r"^(?:thanks|thank\s*(?:you|u)|thx|thnx|thanx|tnx|ty|tyvm|cheers|much\s+appreciated|appreciate\s+it)\b")
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
    r"|(?:hello|ping)|still\s+there|you\s+there"
    r"|" + _ANYONE + r"\s+(?:here\s+)?(?:got|have|has|with|to\s+spare|spare)\s+(?:a\s+)?(?:minute|moment|sec|second|min)s?"
    r"(?:\s+(?:to\s+help|for\s+(?:a\s+)?(?:newbie|noob|n00b|beginner|question|me)))*"
    r"|" + _ANYONE + r"\s+(?:can|could)\s+(?:give\s+(?:me\s+)?(?:a\s+)?)?help(?:\s+me)?"
    r"|(?:can|may)\s+i\s+ask\s+(?:something|you\s+something|for\s+help))"
    r"[\s?!.:,)(-]*$"
)
# One sentence of a longer message that only asks for help: the message is a preamble
# ("Hi! I installed it last week. However, I need some help.") unless another sentence
# carries the ask or the trouble. The member's real question usually follows.
_CLAUSES = re.compile(r"[.!?;]+(?:\s+|$)|\.\.+|\s+(?:but|however)\s+")
_CLAUSE_LEAD = re.compile(r"^(?:however|but|so|and|now|anyway|alright|well|ok(?:ay)?)\b[\s,.:;!-]*")
_PREAMBLE_GATE = ("help", "question", "minute", "moment")
# "!ban x", "/remind me": a command word, not a path like "/etc/fstab ..."
_BOT_COMMAND = re.compile(r"^[!/][a-z][\w-]*(?:\s|$)")
_WH = re.compile(r"^(?:how|what|what's|whats|why|where|where's|wheres|when|which|who|who's|whom|whose)\b")
_MODAL = re.compile(
    r"^(?:is|are|was|were|can|could|should|would|will|does|do|did|has|have|had|may|might|shall"
    r"|isn't|aren't|can't|cant|doesn't|doesnt|don't|dont|won't|wont|wouldn't|shouldn't)\b"
)
# Without a '?' these usually open a statement with the subject dropped ("was thinking ...").
_WEAK_MODAL = re.compile(r"^(?:was|were|had|has|have|might|may|shall)\b")
_SOMEONE = re.compile(r"^" + _ANYONE + r"\b|^any\s+(?:way|idea|ideas|suggestions?|tips?|clue|help|pointers?|advice)\b")
# Phrases of a request, anywhere in the text: (label, weight, cheap substring
# gate, pattern). Asking phrases weigh 1; trouble words ("error", "can't") only
# 0.5, as members also use them to tell stories and helpers to explain. The gate
# skips the regex for most messages, which keeps judge fast.
_HELP_PHRASES: tuple[tuple[str, float, tuple[str, ...], re.Pattern[str]], ...] = tuple(
    (label, weight, gate, re.compile(rx))
    for label, weight, gate, rx in (
        ("how do i", 1.0, ("how",), r"\bhow\s+(?:do|can|would|should|could|does)\s+(?:i|you|one|we)\b|\bhow\s+to\b"),
        (
            "anyone know",
            1.0,
            ("one", "body"),
            r"\bany\s*(?:one|body)\s+(?:here\s+)?(?:know|knows|familiar|has|have|had|got|tried|use|uses|using"
            r"|run|running|seen|experienced?|recommends?|able|can|could|else)\b"
            r"|\bsome\s*(?:one|body)\s+(?:here\s+)?(?:know|knows|familiar|tried|recommends?)\b",
        ),
        ("can someone", 1.0, ("one", "body"), r"\b(?:can|could|would|will)\s+" + _ANYONE + r"\b"),
        (
            "is there a way",
            1.0,
            ("is there", "is it", "way", "possible"),
            r"\bis\s+(?:there|it)\s+(?:a|an|any|some|possible)\b|\bany\s*way\s+to\b|\bpossible\s+to\b",
        ),
        (
            "need help",
            1.0,
            ("help", "advice", "assist", "suggestion"),
            r"\b(?:need|want|looking\s+for|seeking|could\s+use)\s+(?:some\s+|a\s+little\s+)?"
            r"(?:help|advice|assistance|suggestions?)\b|\bhelp\s+me\b|\bplease\s+help\b",
        ),
        ("wants to know", 1.0, ("know", "ask", "curious", "wonder"), r"\b(?:want(?:ed)?\s+to\s+(?:know|ask)|(?:need|like)\s+to\s+know|curious|wondering)\b"),
        (
            "any ideas",
            1.0,
            ("any", "what", "should"),
            r"\bany\s+(?:ideas?|suggestions?|tips?|clues?|hints?|pointers?|advice|thoughts|recommendations?)\b"
            r"|\bwhat\s+(?:should|can|do)\s+i\b",
        ),
        (
            "recommend",
            1.0,
            ("recommend", "suggest", "best", "alternative"),
            r"\b(?:recommend|suggest)(?:ations?|ed)?\b|\bwhat'?s\s+the\s+best\b|\bbest\s+way\b|\balternative\s+to\b",
        ),
        (
            "trying to",
            0.5,
            ("tr", "ing", "want", "need", "like", "wish", "wonder", "wanna"),
            r"\b(?:i'?m|i\s+am|im|i\s+was|been|i've\s+been)\s+(?:trying|attempting|looking|wondering|unable|having)\b"
            r"|\bi\s+(?:tried|want\s+to|wanna|need\s+to|would\s+like\s+to|wish\s+to|wonder)\b"
            r"|\bif\s+i\s+(?:want|wanted|need|wanna)\b",
        ),
        (
            "can't",
            0.5,
            ("n't", "nt ", "not", "unable", "fail"),
            r"\b(?:can'?t|cannot|can\s+not|couldn'?t|unable\s+to|not\s+able\s+to|failed\s+to|fails?\s+to)\b",
        ),
        (
            "doesn't work",
            0.5,
            ("n't", "nt ", "not", "stop", "keep", "never"),
            r"\b(?:doesn'?t|does\s+not|don'?t|do\s+not|won'?t|wouldn'?t|will\s+not|isn'?t|is\s+not|not|stopped"
            r"|stops|keeps?|never)\s+(?:seem\s+to\s+|even\s+)?(?:work|load|start|boot|recogni[sz]|detect|show"
            r"|respond|crash|freez|connect|mount|play|open|find|install|run|be\s+\w+ed)",
        ),
        (
            "error",
            0.5,
            ("err", "exception", "traceback", "segfault", "crash", "freez", "broke", "fail", "fatal"),
            r"\b(?:errors?|exception|traceback|segfault|crash(?:es|ed|ing)?|freez(?:e|es|ing)|broken|fails?"
            r"|failed|failing|fatal)\b",
        ),
        ("problem", 0.5, ("problem", "issue", "trouble", "stuck"), r"\b(?:problems?|issues?|trouble|stuck)\b"),
    )
)
# Words that turn to a new matter ("another question:", "that reminds me...", "unrelated, but"):
# a member already talking who says this is starting a new request, not continuing. _TURN
# says so outright; _ASIDE ("btw", "also", "quick question") only hints at it.
_TURN_LEAD = r"^(?:(?:so|ok|okay|well|also|and|but|btw|anyway|oh)\b[\s,.:;!-]*)*"
_TURN = re.compile(
    _TURN_LEAD + r"(?:(?:an)?other|different|unrelated|separate)\s+(?:questions?|q|issue|problem|topic)\b"
    r"|^(?:that|which|this)\s+reminds\s+me|^speaking\s+of\b|^on\s+(?:an)?other\s+(?:note|topic|subject)|^(?:totally\s+|completely\s+)?unrelated\b"
)
_ASIDE = re.compile(
    _TURN_LEAD + r"(?:new|second|next|one\s+more|quick|other)\s+(?:questions?|q|issue|problem|topic|thing)\b"
    r"|^(?:by\s+the\s+way|btw|also|oh\s+and|and\s+also)\b"
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
_SECOND_PERSON = re.compile(r"\b(?:you|your|you're|youre|u|ur|yours)\b")
_END_Q = re.compile(r"[?？؟][\s?？؟!.)\"']*$")
_SENTENCE_Q = re.compile(r"\?+(?:[\s\"')\]]|$|(?=[^\x00-\x7f]))|[？¿؟]")  # a `?` that ends a sentence (any script)
# Chinese/Japanese questions often end with a particle rather than a mark ("...吗", "...ですか").
_CJK_PARTICLE = re.compile(r"(?:吗|嗎|呢|么|麼|ですか|ますか|でしょうか|かな|か)[\s。.!！]*$")


def _preamble(body: str) -> bool:
    """A sentence of body only asks for help and no other sentence asks or tells of trouble."""
    probe = False
    for clause in _CLAUSES.split(body):
        clause = _CLAUSE_LEAD.sub("", clause.strip())
        if not clause:
            continue
        if _PROBE.match(clause):
            probe = True
        elif "?" in clause or _WH.match(clause) or _MODAL.match(clause) or _SOMEONE.match(clause):
            return False
        elif any(any(g in clause for g in gate) and rx.search(clause) for _, _, gate, rx in _HELP_PHRASES):
            return False
    return probe


# The features every message has, in a fixed order (the learned weights are keyed by these names).
FEATURES = (
    "asks",
    "wh",
    "modal",
    "someone",
    "ask_phrase",
    "trouble",
    "resolved",
    "advice",
    "short",
    "long",
    "first_person",
    "deictic",
    "code",
    "ends_q",
    "you",
    "new_topic",
)
# How each feature reads in a moderator's "why" line.
LABELS = {
    "asks": "has a sentence ending in '?'",
    "wh": "opens with a question word",
    "modal": "opens like a question ('can/is/does ...')",
    "someone": "asks the channel ('anyone ...')",
    "ask_phrase": "asks for help",
    "trouble": "describes a problem",
    "resolved": "reports something solved",
    "advice": "reads like an answer or advice",
    "short": "very short",
    "long": "a long message",
    "first_person": "speaks of their own situation",
    "deictic": "short question about something just said",
    "code": "quotes code or a link",
    "ends_q": "ends with '?'",
    "you": "speaks to someone ('you')",
    "new_topic": "turns to a new matter ('another question', 'btw')",
}


@dataclass(frozen=True)
class TextCues:
    """What the text alone says."""

    body: str  # cleaned, lower-cased, greeting/lead stripped
    chatter: str = ""  # "greeting", "thanks", "ack", "probe", "command", "action", "empty": no ask of its own
    reason: str = ""  # readable why, for chatter
    words: int = 0
    features: tuple[float, ...] = ()  # aligned with FEATURES (empty for chatter)
    phrases: tuple[str, ...] = ()  # the help phrases found, for the "why" line
    turns: bool = False  # says outright it turns to a new matter ("another question: ...")

    @property
    def asks(self) -> bool:
        return bool(self.features) and self.features[0] > 0

    @cached_property
    def terms(self) -> frozenset[str]:
        """Its telling words (4+ letters, not common ones): what it is about. Worked out only when asked
        (a short question's echo), as most messages are never compared with another's words."""
        return frozenset() if self.chatter else terms_of(self.body)


def _chatter(body: str, kind: str, reason: str) -> TextCues:
    return TextCues(body, kind, reason)


@lru_cache(maxsize=2048)  # the engine asks about the same text from judge, reply_target and remember
def text_cues(text: str) -> TextCues:
    raw = text.strip()
    if raw.startswith("* "):  # an /me action: narration, not a request
        return _chatter("", "action", "an action (/me)")
    low = raw.lower()
    if _BOT_COMMAND.match(low):
        return _chatter("", "command", "a bot command")
    code = "`" in low or "://" in low or "www." in low
    body = clean(low)
    greeted = False
    if m := _GREETING.match(body):
        if m.end() > 0:
            greeted = True
            body = body[m.end() :]
    turns = _TURN.match(body) is not None
    new_topic = turns or _ASIDE.match(body) is not None
    if m := _LEAD.match(body):
        body = body[m.end() :]
    if not body or _ALNUM.search(body) is None:
        return _chatter(body, "greeting" if greeted else "empty", "greeting only" if greeted else "no words of its own")
    if _THANKS.match(body) and len(body) < 60:
        return _chatter(body, "thanks", "thanks")
    if _ACK.match(body):
        return _chatter(body, "ack", "acknowledgement only")
    if _PROBE.match(body):
        return _chatter(body, "probe", "asks if anyone is there, without the question itself")
    if any(g in body for g in _PREAMBLE_GATE) and _preamble(body):
        return _chatter(body, "probe", "asks for help, without the question itself")

    words = count_words(body)
    asks = ("?" in body or not body.isascii()) and (_SENTENCE_Q.search(body) is not None or (not body.isascii() and _CJK_PARTICLE.search(body) is not None))
    wh = modal = someone = 0.0
    if _WH.match(body):
        wh = 1.0
    elif _MODAL.match(body) and (asks or not _WEAK_MODAL.match(body)):
        modal = 1.0
    elif _SOMEONE.match(body):
        someone = 1.0
    ask_w = trouble_w = 0.0
    phrases: list[str] = []
    for label, weight, gate, rx in _HELP_PHRASES:
        if any(g in body for g in gate) and rx.search(body):
            phrases.append(label)
            if weight >= 1.0:
                ask_w += 1.0
            else:
                trouble_w += 1.0
    first_person = _FIRST_PERSON.search(body) is not None
    features = (
        1.0 if asks else 0.0,
        wh,
        modal,
        someone,
        min(2.0, ask_w),
        min(2.0, trouble_w),
        1.0 if _RESOLVED.search(body) else 0.0,
        1.0 if _ADVICE.match(body) else 0.0,
        1.0 if words < MIN_WORDS else 0.0,
        1.0 if words >= LONG_WORDS else 0.0,
        1.0 if first_person else 0.0,
        1.0 if asks and words <= 6 and _DEICTIC.search(body) is not None else 0.0,
        1.0 if code else 0.0,
        1.0 if asks and _END_Q.search(body) is not None else 0.0,
        1.0 if "u" in body and _SECOND_PERSON.search(body) is not None else 0.0,
        1.0 if new_topic else 0.0,
    )
    return TextCues(body, "", "", words, features, tuple(phrases), turns)
