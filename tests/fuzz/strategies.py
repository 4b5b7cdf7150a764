"""Hypothesis strategies: realistic payloads, mangled.

Random JSON alone rarely gets past a translator's first check, so the payload
strategies start from valid fixtures (the same shapes the adapter tests use) and
mutate them: keys deleted, values swapped for junk of the wrong type, huge or odd
Unicode strings, nested junk, ids and times pushed out of range. A share of
examples is left untouched or only lightly changed, so valid paths stay covered.
"""

from __future__ import annotations

import copy
from typing import Any

from hypothesis import strategies as st

# ------------------------------------------------------------------ text

# Characters that hide, reorder or break text: zero-width, bidi overrides and isolates,
# BOM, soft hyphen, NUL and other controls, a lone surrogate (valid in JSON "\ud800").
ODD_CHARS = [
    "\u200b",
    "\u200c",
    "\u200d",
    "\u200e",
    "\u200f",
    "\u202a",
    "\u202b",
    "\u202c",
    "\u202d",
    "\u202e",
    "\u2060",
    "\u2066",
    "\u2067",
    "\u2068",
    "\u2069",
    "\ufeff",
    "\u00ad",
    "\x00",
    "\x07",
    "\x1b",
    "\x7f",
    "\x85",
    "\r",
    "\n",
    "\t",
    "\u2028",
    "\u2029",
    "\ud800",
    "\udfff",
    "＠",
    "﹫",
    "\uff1c",
    "\uff1e",
    "ｅ",
]

odd_text = st.text(alphabet=st.one_of(st.characters(codec=None), st.sampled_from(ODD_CHARS)), max_size=40)
huge_text = st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=4), st.integers(2_000, 60_000))

SCALAR_EDGES = [
    "",
    " ",
    "0",
    "-1",
    "1e999",
    "NaN",
    "Infinity",
    "null",
    "true",
    "[]",
    "{}",
    "None",
    "1767607200.000100",
    "99999999999999999999.999999",
    "0000000000.000000",
    "-5.5",
    "1.2.3",
    "2026-01-05T10:00:00Z",
    "0001-01-01T00:00:00+01:00",
    "9999-12-31T23:59:59-01:00",
    "2026-13-45T99:99:99",
    "123456789012345678",
    "18446744073709551616",
    "١٢٣",
    "²³",
    "0x1F",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=2**63 - 2, max_value=2**200),
    st.floats(),  # includes nan and +-inf, which Python's json happily reads
    odd_text,
    huge_text,
    st.sampled_from(SCALAR_EDGES),
)

junk = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


# ------------------------------------------------------------------ mutation


def _paths(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a nested dict/list that holds a value."""
    out: list[tuple[Any, ...]] = []
    if isinstance(obj, dict):
        for key, value in obj.items():
            out.append(path + (key,))
            out += _paths(value, path + (key,))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            out.append(path + (i,))
            out += _paths(value, path + (i,))
    return out


def _containers(obj: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path] if isinstance(obj, (dict, list)) else []
    if isinstance(obj, dict):
        for key, value in obj.items():
            out += _containers(value, path + (key,))
    elif isinstance(obj, list):
        for i, value in enumerate(obj):
            out += _containers(value, path + (i,))
    return out


def _at(obj: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        obj = obj[part]
    return obj


def _retype(value: Any, how: str) -> Any:
    """The same value, in a shape a careless producer might send instead."""
    if how == "str":
        return str(value)
    if how == "list":
        return [value]
    if how == "dict":
        return {"value": value}
    if how == "int":
        try:
            return int(float(value))
        except (TypeError, ValueError, OverflowError):
            return 0
    if how == "float":
        try:
            return float(value)
        except (TypeError, ValueError, OverflowError):
            return 1e308
    if how == "bool":
        return not value
    if how == "empty":
        return type(value)() if isinstance(value, (str, list, dict)) else None
    if how == "grow":
        return value * 5000 if isinstance(value, str) and len(value) < 100 else value  # once: repeated growth would eat the memory
    return value


RETYPINGS = ["str", "list", "dict", "int", "float", "bool", "empty", "grow"]
OPERATIONS = ["delete", "junk", "retype", "odd", "add", "digits"]


@st.composite
def mutated(draw: st.DrawFn, base: Any, max_mutations: int = 4) -> Any:
    """``base`` (a valid payload) with 0..max_mutations random mutations applied."""
    obj = copy.deepcopy(base)
    for _ in range(draw(st.integers(0, max_mutations))):
        op = draw(st.sampled_from(OPERATIONS))
        paths = _paths(obj)
        if op == "add" or not paths:
            containers = _containers(obj)
            if not containers:
                return draw(junk)
            where = _at(obj, draw(st.sampled_from(containers)))
            if isinstance(where, dict):
                where[draw(st.text(max_size=10) | st.sampled_from(sorted(map(str, where)) or ["x"]))] = draw(junk)
            else:
                where.insert(draw(st.integers(0, len(where))), draw(junk))
            continue
        path = draw(st.sampled_from(paths))
        parent, key = _at(obj, path[:-1]), path[-1]
        if op == "delete":
            del parent[key]
        elif op == "junk":
            parent[key] = draw(junk)
        elif op == "retype":
            parent[key] = _retype(parent[key], draw(st.sampled_from(RETYPINGS)))
        elif op == "odd" and isinstance(parent[key], str):
            text = parent[key]
            at = draw(st.integers(0, len(text)))
            parent[key] = text[:at] + draw(st.text(st.sampled_from(ODD_CHARS), min_size=1, max_size=4)) + text[at:]
        elif op == "odd" and isinstance(parent[key], list) and len(parent[key]) < 50:
            parent[key] = parent[key] * draw(st.integers(2, 20))  # the same entry many times
        elif op == "digits" and isinstance(parent[key], (str, int)):
            # ids and timestamps: other digits, out of range, signed, fractional
            parent[key] = draw(st.sampled_from(["0", "-1", "1" * 40, "9" * 25, "1.5", "+7", " 12", "12 ", "1_000"]) | st.integers(-(2**70), 2**70).map(str))
    return obj


def payloads(*bases: Any, max_mutations: int = 4) -> st.SearchStrategy[Any]:
    """Mutations of the given fixtures, and now and then something else entirely."""
    realistic = st.sampled_from(bases).flatmap(lambda b: mutated(b, max_mutations))
    return st.one_of(realistic, realistic, realistic, junk)  # mostly near-valid: that is where bugs hide


# ------------------------------------------------------------------ hostile member text

# Every way of pinging, linking or hiding we know of, across Slack, Discord and markdown.
MENTION_FRAGMENTS = [
    "@everyone",
    "@here",
    "@channel",
    "@Everyone",
    "@HERE",
    "@\u200beveryone",
    "@\u200deveryone",
    "@ everyone",
    "<!channel>",
    "<!here>",
    "<!everyone>",
    "<!here|here>",
    "<!subteam^S0123|@mods>",
    "<!date^1392734382^{date}|x>",
    "<@U012AB3CD>",
    "<@U012AB3CD|alice>",
    "<@W0ABCDEF>",
    "<#C0123ABCD>",
    "<#C0123ABCD|general>",
    "<@123456789012345678>",
    "<@!123456789012345678>",
    "<@&123456789012345678>",
    "<#123456789012345678>",
    "</deploy:123456789012345678>",
    "<t:1767607200:R>",
    "[trusted.example](http://evil.example)",
    "[https://bank.example](https://evil.example/login)",
    "[a](<http://evil.example>)",
    '[a](http://evil.example "title")',
    "<http://evil.example|trusted.example>",
    "<https://evil.example|https://bank.example>",
    "<mailto:x@evil.example|support>",
    "[[nested](x)](http://evil.example)",
    "`",
    "```",
    "``<!channel>``",
    "*",
    "_",
    "~",
    "|",
    "||spoiler||",
    "> ",
    "# ",
    "\\",
    "&lt;!channel&gt;",
    "&amp;",
    "&",
    "<",
    ">",
    "[",
    "]",
    "(",
    ")",
    "!",
    "@",
    "#",
    ":",
    "^",
    "http://evil.example",
    "https://ok.example/a?b=c",
]

hostile_text = st.lists(
    st.one_of(
        st.sampled_from(MENTION_FRAGMENTS),
        st.sampled_from(ODD_CHARS),
        st.text(alphabet=st.characters(codec="utf-8"), max_size=6),
    ),
    max_size=24,
).map("".join)
