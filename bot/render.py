"""Making member text safe to quote to staff.

Member text is untrusted. Before it is quoted in a DM it is *neutralised* here,
platform-independently: mention syntax of every platform becomes plain text, link
labels cannot hide their target, invisible and direction-changing characters are
removed, and the length is capped. Each transport then applies its own escaping
(Slack mrkdwn ``& < >``, Discord markdown) on top; neither step alone is trusted.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

ZWSP = "\u200b"  # breaks "@everyone" without changing how it reads

# Characters that reorder or hide text (bidi overrides, zero-width joiners, BOM...). A ZWSP right
# after "@" or "#" is the one we put there to break a mention: kept, so neutral text stays neutral
# when it is neutralised again (the door's step runs over text callers neutralised already).
_INVISIBLE = re.compile("(?<![@#!])\u200b|[\u200c-\u200f\u202a-\u202e\u2060-\u2069\ufeff\u00ad]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")

# Slack: <@U123|name>, <@U123>, <#C123|name>, <!channel>, <!subteam^S1|@team>, <http://x|label>
_SLACK_TOKEN = re.compile(r"<([@#!])([^<>|]*)(?:\|([^<>]*))?>")
_SLACK_LINK = re.compile(r"<((?:https?|mailto|ftp)[^<>|\s]*)(?:\|([^<>]*))?>")
# Discord: <@123>, <@!123>, <@&123>, <#123>, </cmd:123>
_DISCORD_TOKEN = re.compile(r"<(@[!&]?|#|/[\w -]+:)(\d+)>")
# Markdown links, the usual way to disguise a URL: [trusted.example](http://evil.example)
_MD_LINK = re.compile(r"\[([^\]\n]{0,200})\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
_BROADCAST = re.compile(r"@(everyone|here|channel)", re.IGNORECASE)
# What is left of a token's opening ("<!" in a channel named "<!") can close on a ">" of another
# string once a DM is put together ("#<!" … "> quote"); a ZWSP after the sigil keeps it from parsing.
_TOKEN_OPENING = re.compile("<([@#!])(?!\u200b)")


def _slack_token(m: re.Match[str]) -> str:
    sigil, target, label = m.group(1), m.group(2), m.group(3)
    if sigil == "!":
        # <!channel>, <!here>, <!everyone>, <!subteam^…|@team>, <!date^…|fallback>
        word = (label or target.split("^")[0]).lstrip("@")
        return "@" + ZWSP + word
    shown = label or target
    return ("@" if sigil == "@" else "#") + ZWSP + shown.lstrip("@#")


_MAX_PASSES = 8


def _inert(text: str) -> str:
    text = _SLACK_LINK.sub(lambda m: f"{m.group(2)} ({m.group(1)})" if m.group(2) and m.group(2) != m.group(1) else m.group(1), text)
    text = _SLACK_TOKEN.sub(_slack_token, text)
    text = _DISCORD_TOKEN.sub(lambda m: {"#": "#"}.get(m.group(1), "@") + ZWSP + ("role-" if m.group(1) == "@&" else "") + m.group(2), text)
    text = _MD_LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})" if m.group(1).strip() != m.group(2) else m.group(2), text)
    return _BROADCAST.sub(lambda m: "@" + ZWSP + m.group(1), text)


_BLANK_LINES = re.compile(r"\n{3,}")


@lru_cache(maxsize=4096)  # a nudge neutralises a dozen strings, and its labels, places and names come back
def neutralise(text: str, limit: int = 300) -> str:
    """Member text -> plain, inert text no longer than ``limit`` characters."""
    text = text or ""
    # Every step below is a no-op on the text it skips (checked by tests/core/test_neutralise.py):
    # ASCII is NFC already and holds no invisible character; no token, link or broadcast can form
    # without "<", "[" or "@". Each nudge neutralises a dozen strings, most of them plain ASCII.
    if not text.isascii():
        text = unicodedata.normalize("NFC", text)
        text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text.replace("\r\n", "\n").replace("\t", " "))
    if "<" in text or "[" in text or "@" in text:
        # One pass can assemble a new token from the pieces of others ("<[!here](!here)>" -> "<!here>"),
        # so repeat until nothing changes; neutral text is a fixed point, so this ends in a pass or two.
        for _ in range(_MAX_PASSES):
            before, text = text, _inert(text)
            if text == before:
                break
        text = _TOKEN_OPENING.sub("<\\1" + ZWSP, text)
    # Whatever nesting is left cannot form a markdown link without "](" next to each other.
    text = text.replace("](", "] (")
    if "\n\n\n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    text = text.strip()
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text


def one_line(text: str, limit: int = 80) -> str:
    flat = " ".join(neutralise(text, limit=limit * 2).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def plain_name(name: str | None, fallback: str) -> str:
    """A display name with no way to ping anyone."""
    return one_line(name or fallback, 60).lstrip("@") or fallback


def age(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 90:
        return f"{seconds}s"
    minutes = seconds // 60
    if minutes < 90:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"
    return f"{hours // 24}d{hours % 24}h"
