"""Plain-text addresses: "alice: try this", "bob, yes", "@carol", "dave you need ...".

Many messages reach the core with no mention metadata: IRC and Matrix bridges,
exports, an ``@name`` typed without picking it from autocomplete, the habit of
writing ``name: ...``. A person reads those as addressed to that member; so does
the core, treating them exactly like a platform mention. Live events, catch-up
and every replay format pass through here alike (``ChannelContext.read``).

Only members seen recently in the same channel can be addressed (you talk to
people who are there), and the forms are strict so that ordinary words do not
become addresses:
- ``@name`` anywhere;
- ``name:`` / ``name,`` / ``name>`` opening the message (``name :`` too), and
  ``..., name`` closing it;
- the name alone as the first or last word ("swj you should ...", "thanks bob2"),
  only when the name is not a common word: a member called "will" or "help" is
  addressed only as ``will:``; nor is a last word after a preposition or article
  ("does it run on ubuntu?" with a member ``ubuntu_`` around).
The typed name may differ from the nick the way people type them: case, the
decoration IRC nicks carry (``|QuaD-`` typed ``quad``, ``bob_`` or ``bob2``
typed ``bob``) and, with ``:`` or ``@``, a unique shortening of at least three
letters (``rand:`` for ``randabis-laptop``).
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache

ROSTER_HORIZON = timedelta(hours=3)  # a member this long silent is no longer "here"
MAX_NAMES = 1000  # per channel; least recently seen dropped first
MIN_PREFIX = 3
_RESEE = timedelta(minutes=1)  # a shortening must keep at least this many letters

_DECOR = "_|^`-[]{}\\~'\"."
_TRAIL = re.compile(r"[\d_|^`\-\[\]{}\\~]+$")
# "name:", "name,", "name :" opening the message; group 2 is the punctuation.
_OPENING = re.compile(r"^\s*@?([^\s:,@>»]{1,40})\s?([:,>»])(?:\s|$)")
_FIRST_WORD = re.compile(r"^\s*([^\s:,@!?.]{2,40})(?:\s+\S|\s*$)")
_AT = re.compile(r"(?<![\w@])@([^\s:,!?@()<>]{1,40})")
# Words too common to read as an address when written bare, without ':' (English; chat words).
COMMON_WORDS = frozenset(
    """
a about above after again against all almost also although always am an and another any anyone anything
anyway are around as ask at away back bad be because been before being best better between big both
but by can cannot cause check come could day did do does doing done down each either else even ever every
everyone exactly few find first fix for free from get give go going good got great guess had hard has
have he hello help her here hey hi him his how however i idea if in instead into is it its just keep
kind know last later least left let like likely little look lot love make many may maybe me mean might
mine more most much must my need never new next nice no none nope not nothing now of off oh ok okay old
on once one only or other our out over own perhaps please plus pretty probably problem put quite rather
read real really right run said same say see seems set she should since so some someone something
sometimes soon sorry start still such sudo sure take tell than thank thanks that the their them then
there these they thing think this those though thought through thx to today too true try two under
unless until up us use used using very wait want was way we well were what whatever when where whether
which while who why will wish with without wonder work works would wow yeah yes yet yo you your
lol hmm hm ah oh ha haha heh np ty brb afk k kk yep yup nah hey sup dude man guys folks all
""".split()
)


# A word after one of these is the object of the sentence ("works on ubuntu?", "use the gimp"),
# not a name called out at its end, even when a member goes by that word.
_OBJECT_BEFORE = frozenset(
    "on in with for of to from about under using than like into at by over onto via without "
    "the a an my your his her its our their this that these those some any".split()
)


@lru_cache(maxsize=16384)  # every message looks up its author and a typed name or two
def key(name: str) -> str:
    """The form people type a name in: lower case, no decoration, no trailing digits."""
    low = name.lower().strip(_DECOR)
    short = _TRAIL.sub("", low)
    return short if len(short) >= 2 else low


@lru_cache(maxsize=8192)
def _forms(author: str, name: str | None) -> tuple[tuple[str, str], ...]:
    """(typed key, lower-cased full name) for every name a member can be addressed by."""
    out = []
    for full in dict.fromkeys((author, name) if name else (author,)):
        if not full:
            continue
        names = [full]
        if " " in full.strip():  # a display name: people type its first word
            names.append(full.split()[0])
        for n in names:
            k = key(n)
            if k:
                out.append((k, n.lower()))
    return tuple(dict.fromkeys(out))  # "U123" named "u123": one form, not two


@dataclass(frozen=True, slots=True)
class Address:
    ids: tuple[str, ...]  # the addressed members' author ids, in text order
    rest: str  # the text with the address taken out (so "alice: thanks" still reads as thanks)


NONE = Address((), "")


class Roster:
    """Who has spoken in one channel lately, by every name they can be addressed by."""

    def __init__(self, *, horizon: timedelta = ROSTER_HORIZON, max_names: int = MAX_NAMES) -> None:
        self.horizon = horizon
        self.max_names = max_names
        self._seen: OrderedDict[str, tuple[str, datetime]] = OrderedDict()  # typed key -> (author id, last seen)
        self._exact: OrderedDict[str, tuple[str, datetime]] = OrderedDict()  # full name, lower-cased -> the same

    def see(self, author: str, name: str | None, at: datetime) -> None:
        last = self._seen.get(key(author))
        if last is not None and last[0] == author and timedelta(0) <= at - last[1] < _RESEE:
            return  # seen under a minute ago: the roster is precise enough (its horizon is hours)
        hit = (author, at)
        seen, exact = self._seen, self._exact
        for k, full in _forms(author, name):
            seen[k] = hit
            seen.move_to_end(k)
            if full != k:  # most names are typed as they are written: one entry serves both
                exact[full] = hit
                exact.move_to_end(full)
        if len(seen) > self.max_names or len(exact) > self.max_names:
            for d in (seen, exact):
                while len(d) > self.max_names:
                    d.popitem(last=False)

    def __len__(self) -> int:
        return len(self._seen)

    def resolve(self, typed: str, at: datetime, *, prefix: bool = False) -> str | None:
        """The author id a typed name stands for, if they were seen recently."""
        low = typed.lower()
        hit = self._exact.get(low)
        k = key(low)
        if hit is None or (k == low and (h2 := self._seen.get(k)) is not None and h2[1] > hit[1]):
            hit = self._seen.get(k) if hit is None else h2
        if hit is None and prefix and len(k) >= MIN_PREFIX and k not in COMMON_WORDS:
            # a unique shortening: the most recently seen name that starts with it
            for name in reversed(self._seen):
                if name.startswith(k):
                    hit = self._seen[name]
                    break
        if hit is None or at - hit[1] > self.horizon:
            return None
        return hit[0]

    def address(self, text: str, author: str, at: datetime) -> Address:
        """Members text addresses (never its own author), and the text without the address."""
        if not self._seen or not text:
            return NONE
        ids: list[str] = []
        rest = text
        m = _OPENING.match(text)
        if m and m.group(2) != ":" and m.group(1).lower().strip(_DECOR) in COMMON_WORDS:
            m = None  # "so, how do I ...": a common word addresses only as "so:"
        if m:
            who = self.resolve(m.group(1), at, prefix=m.group(2) == ":" or text.lstrip().startswith("@"))
            if who is not None:
                ids.append(who)
                rest = text[m.end() :]
        elif m := _FIRST_WORD.match(text):
            typed = m.group(1)
            if typed.lower().strip(_DECOR) not in COMMON_WORDS and (who := self.resolve(typed, at)) is not None:
                ids.append(who)
                rest = text[m.end(1) :]
        if "@" in rest:
            for m in _AT.finditer(rest):
                who = self.resolve(m.group(1), at, prefix=True)
                if who is not None and who not in ids:
                    ids.append(who)
            if ids:
                rest = _AT.sub(" ", rest)
        tail = rest.rstrip(" .!?:)")
        if tail and (cut := max(tail.rfind(" "), tail.rfind(","))) < len(tail) - 2:
            typed = tail[cut + 1 :].lstrip("@")
            head = tail[: cut + 1].rstrip()
            comma = head.endswith(",")
            # "..., bob" always; "thanks bob2" only for a name that is not a common word nor an object
            bare = typed.lower().strip(_DECOR) not in COMMON_WORDS and head[head.rfind(" ") + 1 :].lower() not in _OBJECT_BEFORE
            if (comma or bare) and (who := self.resolve(typed, at)):
                if who not in ids:
                    ids.append(who)
                    rest = tail[: cut + 1].rstrip(" ,")
        ids = [i for i in ids if i != author]
        return Address(tuple(ids), rest) if ids else NONE
