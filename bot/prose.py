"""A message's own prose: what is left of its text for the cues to read.

Code, links, platform mention tokens, quotes and emoji codes are not the member's words
(``clean``); an address is not either (``without_names``: "alice: thanks!" is thanks).
Words are counted in any script (``count_words``: CJK and Thai are written without
spaces), and ``terms_of`` picks the words that say what a text is about. Pure functions
of the text; bot/cues.py reads them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from .addresses import COMMON_WORDS

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


# Scripts written without spaces between words: count characters, not spaces.
_UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\u0e00-\u0e7f\u0e80-\u0eff\u1780-\u17ff]+")
CHARS_PER_WORD = 2  # a rough average for Chinese/Japanese words (Thai and Khmer run longer; near enough)


def count_words(text: str) -> int:
    """Words in text, for any script: spaces separate words, except in CJK/Thai runs,
    where every CHARS_PER_WORD characters count as one."""
    words = text.count(" ") + 1 if text else 0
    if not text.isascii():
        for run in _UNSPACED.findall(text):
            words += (len(run) - 1) // CHARS_PER_WORD
    return words


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
            if name.isascii() and "@" not in name and len(lowered) == len(text):
                text = _cut_name(text, name, lowered)  # a busy community has thousands of names: no regex each
            else:
                text = _name_pattern(name).sub(" ", text)
            lowered = text.lower()
    return text


def _is_word(ch: str) -> bool:  # re's \w
    return ch.isalnum() or ch == "_"


def _cut_name(text: str, name: str, low: str) -> str:
    """_name_pattern(name).sub(" ", text) for an ASCII name, without compiling a pattern
    (low: text lower-cased, of the same length)."""
    key = name.lower()
    out: list[str] = []
    start = i = 0
    n = len(key)
    while (i := low.find(key, i)) >= 0:
        end = i + n
        if (i and _is_word(low[i - 1])) or (end < len(low) and _is_word(low[end])):
            i += 1
            continue
        cut = i - 1 if i > start and low[i - 1] == "@" else i
        if end < len(low) and low[end] in ":,":
            end += 1
        out.append(text[start:cut])
        out.append(" ")
        start = i = end
    if not out:
        return text
    out.append(text[start:])
    return "".join(out)


_TERM = re.compile(r"[^\W\d_][\w.+-]{3,}")  # a word of 4+ characters, starting with a letter


def terms_of(body: str) -> frozenset[str]:
    """The words that say what a text is about: 4+ letters, not common English ("fluxbox", "grub.cfg")."""
    return frozenset(w for w in _TERM.findall(body) if w not in COMMON_WORDS)
