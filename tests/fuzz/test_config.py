"""Fuzzing configuration loading: every bad value is a clear ConfigError.

The example configuration (config.example.toml, parsed) is mutated (values of the
wrong type, unknown keys, out-of-range numbers, odd Unicode, huge strings),
written back as TOML to a temporary file and read by the real ``load_settings``.
It either loads, or raises ``ConfigError`` whose every problem is one line that
starts with the file and names a key (or the TOML syntax error); never a
traceback, never pydantic's own dump.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import ConfigError, Settings, load_settings

from .profile import FUZZ
from .strategies import mutated, odd_text

EXAMPLE = tomllib.loads((Path(__file__).parents[2] / "config.example.toml").read_text(encoding="utf-8"))
PYDANTIC_LEAKS = ("pydantic", "Traceback", "validation error", "input_value", "input_type", "For further information", "type=")


# ------------------------------------------------------------------ writing TOML (tomllib cannot)


def toml_string(text: str) -> str:
    out = []
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)  # a lone surrogate stays: the file is then not UTF-8, which must be reported too
    return '"' + "".join(out) + '"'


def toml_value(value: Any) -> str | None:
    if value is None:
        return None  # TOML has no null: the key is left out
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(v for v in map(toml_value, value) if v is not None) + "]"
    if isinstance(value, dict):
        pairs = [(toml_string(str(k)), toml_value(v)) for k, v in value.items()]
        return "{" + ", ".join(f"{k} = {v}" for k, v in pairs if v is not None) + "}"
    return toml_string(str(value))


def dump(doc: Any) -> str:
    """A document as top-level keys with inline values (valid TOML for any nesting)."""
    if not isinstance(doc, dict):
        doc = {"value": doc}
    lines = [f"{toml_string(str(k))} = {v}" for k, v in ((k, toml_value(v)) for k, v in doc.items()) if v is not None]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------ the properties


def assert_clear(problems: list[str], where: str, doc: Any) -> None:
    assert problems, "a ConfigError with no problem in it"
    top = set(doc) if isinstance(doc, dict) else set()
    for problem in problems:
        assert "\n" not in problem, f"a problem spanning lines: {problem[:200]!r}"
        assert problem.startswith(where + ": "), f"a problem that does not name the file: {problem[:200]!r}"
        assert not any(leak in problem for leak in PYDANTIC_LEAKS), f"pydantic's own words: {problem[:300]!r}"
        assert len(problem) < 1000, f"a problem too long to read ({len(problem)} characters)"
        rest = problem[len(where) + 2 :]
        if rest.startswith(("not valid TOML", "not UTF-8")):
            continue
        keys = {str(k) for k in top} | set(Settings.model_fields)
        assert any(rest.startswith((k, repr(k)[:30])) for k in keys), f"a problem that names no key: {problem[:200]!r}"


def load(tmp: Path, text: str | bytes, **env: str) -> tuple[Settings | None, list[str]]:
    path = tmp / "unanswered.toml"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", errors="surrogatepass"))
    try:
        settings, _ = load_settings(path, environ={k: v for k, v in os.environ.items() if not k.startswith("UNANSWERED_")} | env)
    except ConfigError as exc:
        return None, exc.problems
    return settings, []


def test_the_writer_round_trips_the_example(tmp_path):
    assert tomllib.loads(dump(EXAMPLE)) == EXAMPLE
    settings, problems = load(tmp_path, dump(EXAMPLE))
    assert problems == [] and settings is not None


# Values a person might plausibly write in the wrong place.
PLAUSIBLE = st.one_of(
    st.sampled_from(
        [
            "45",
            "45 min",
            "-1h",
            "0s",
            "1h30",
            "h",
            "25:00-08:00",
            "22:00",
            "Europe/Nowhere",
            "utc",
            "#help",
            "",
            " ",
            "U012AB3CD",
            "123456789012345678",
            "slack",
            "discord",
            "forum",
            "mon",
            "funday",
            "9:00am",
            "xoxb-not-here",
            "detect",
            "all",
            "off",
            "next-awake",
            "staff",
            "anyone",
            "/dev/null/x.db",
        ]
    ),
    st.integers(-10, 10**6),
    st.floats(),
    st.booleans(),
    odd_text,
    st.lists(st.sampled_from(["alice", "bob", "carol", "", 5]), max_size=3),
)


@st.composite
def configs(draw: st.DrawFn) -> Any:
    doc = draw(mutated(EXAMPLE, max_mutations=5))
    # Plus a few plausible-but-wrong values at real keys (random junk rarely lands on a Literal).
    if isinstance(doc, dict):
        for _ in range(draw(st.integers(0, 3))):
            tables = [(k, v) for k, v in doc.items() if isinstance(v, dict)]
            if not tables:
                break
            _, table = draw(st.sampled_from(tables))
            keys = [k for k in table if not isinstance(table[k], dict)] or list(table) or ["window"]
            table[draw(st.sampled_from(keys))] = draw(PLAUSIBLE)
    return doc


@FUZZ
@given(configs())
def test_every_bad_value_is_a_clear_config_error(tmp_path_factory, doc):
    tmp = tmp_path_factory.mktemp("config")
    _, problems = load(tmp, dump(doc))
    if problems:
        assert_clear(problems, str(tmp / "unanswered.toml"), doc)


@FUZZ
@given(st.binary(max_size=200) | st.text(max_size=200).map(lambda t: t.encode("utf-8")))
def test_any_bytes_are_a_config_or_a_clear_error(tmp_path_factory, raw):
    tmp = tmp_path_factory.mktemp("config")
    _, problems = load(tmp, raw)
    if problems:
        assert_clear(problems, str(tmp / "unanswered.toml"), _lenient(raw))


def _lenient(raw: bytes) -> Any:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
        return {}


ENV_KEYS = [
    "UNANSWERED_DEFAULTS__WINDOW",
    "UNANSWERED_STORAGE__RETENTION_DAYS",
    "UNANSWERED_SLACK__MODE",
    "UNANSWERED_SLACK__HTTP_PORT",
    "UNANSWERED_DIGEST__DAY",
    "UNANSWERED_DEFAULTS__STAFF_CAN_ASK",
    "UNANSWERED_PEOPLE",
]


@FUZZ
@given(st.dictionaries(st.sampled_from(ENV_KEYS), PLAUSIBLE.map(str).map(lambda s: re.sub("[\x00\ud800-\udfff]", "", s)), max_size=3))
def test_bad_environment_overrides_name_their_variable(tmp_path_factory, env):
    tmp = tmp_path_factory.mktemp("config")
    _, problems = load(tmp, dump(EXAMPLE), **env)
    where = str(tmp / "unanswered.toml")
    if problems:
        assert_clear(problems, where, EXAMPLE)
        for problem in problems:
            named = re.search(r"set by environment variable (UNANSWERED_\w+)", problem)
            assert named is None or named.group(1) in env


SECRET = "xoxb-FAKE-SECRET-0000000000-abcdefabcdef"


@pytest.mark.parametrize("where", ["slack.bot_token", "slack.app_token", "slack.signing_secret", "discord.token"])
def test_a_secret_in_the_file_is_refused_without_echoing_it(tmp_path, where):
    section, key = where.split(".")
    doc = {**EXAMPLE, section: {**EXAMPLE.get(section, {}), key: SECRET}}
    _, problems = load(tmp_path, dump(doc))
    assert problems and all(SECRET not in p for p in problems)
    assert any(where in p and "UNANSWERED_" in p for p in problems)


@pytest.mark.parametrize(
    "misplaced",
    [
        {"slack": SECRET},
        {"slack": {"token": SECRET}},
        {"discord": {"bot_token": SECRET}},
        {"people": {"alice": {"slack": SECRET}}},
        {"feeds": [{"name": "x", "url": SECRET, "interval": SECRET}]},
        {"defaults": {"window": SECRET}},
    ],
)
def test_a_secret_written_at_the_wrong_key_is_not_echoed(tmp_path, misplaced):
    doc = {**EXAMPLE, **misplaced}
    _, problems = load(tmp_path, dump(doc))
    assert problems
    assert all(SECRET not in p and SECRET[:20] not in p for p in problems), problems
