"""How config problems are worded: every one names the key, the file and the fix, and never a secret."""

from __future__ import annotations

import os
import re
from contextvars import ContextVar
from typing import Any, Mapping

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

ENV_PREFIX = "UNANSWERED_"

# Secret fields: (section, key) -> environment variable that must carry it.
SECRETS = {
    ("slack", "bot_token"): "UNANSWERED_SLACK__BOT_TOKEN",
    ("slack", "app_token"): "UNANSWERED_SLACK__APP_TOKEN",
    ("slack", "signing_secret"): "UNANSWERED_SLACK__SIGNING_SECRET",
    ("discord", "token"): "UNANSWERED_DISCORD__TOKEN",
    ("discourse", "api_key"): "UNANSWERED_DISCOURSE__API_KEY",
    ("discourse", "api_username"): "UNANSWERED_DISCOURSE__API_USERNAME",
}

# The environment the settings are being read from (load_settings sets it for the duration of
# one load): the secrets in it are never quoted back. Unset: the process environment.
ENVIRON: ContextVar[Mapping[str, str] | None] = ContextVar("unanswered_config_environ", default=None)


class _KeyedError(ValueError):
    """A cross-field error that knows which key it is about."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.message = message


class ConfigError(Exception):
    """A configuration problem, already phrased for a person: key, file, fix."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _key(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part in ("function-after[_from_text(), QuietHours]",) or "[" in str(part) and "(" in str(part):
            continue
        else:
            text = str(part)
            # A key with spaces, newlines or a huge name is quoted (short): a problem stays one readable line.
            out += ("." if out else "") + (text if text.isprintable() and text.strip() == text and 0 < len(text) <= 60 else _shown(text))
    return out


def _env_name(loc: tuple[Any, ...]) -> str:
    return ENV_PREFIX + "__".join(str(p).upper() for p in loc if not isinstance(p, int))


# Token shapes (Slack xoxb-/xapp-..., Discord's three dotted parts): never quoted back, wherever they were written.
_SECRET_SHAPE = re.compile(r"xox[a-z]-|xapp-|[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}")
_SHOWN_LIMIT = 60
# Our validators start their message with the value's repr, in either kind of quotes.
_LEADING_REPR = re.compile(r"""^(?:'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")""")


def _shown(value: Any) -> str:
    """A bad value as a problem line quotes it: short, and never a secret."""
    if isinstance(value, str) and (_SECRET_SHAPE.search(value) or value in _secret_values()):
        return "(a value shaped like a secret, not shown)"
    text = repr(value)
    return text if len(text) <= _SHOWN_LIMIT else text[: _SHOWN_LIMIT - 1] + "…"


def _shown_literal(literal: str) -> str:
    if _SECRET_SHAPE.search(literal) or any(v in literal for v in _secret_values()):
        return "(a value shaped like a secret, not shown)"
    return literal if len(literal) <= _SHOWN_LIMIT else literal[: _SHOWN_LIMIT - 2] + "…" + literal[0]


def _table(name: str) -> str:
    """A name as it would go in a [people.<name>] header, or a placeholder when it is long or odd."""
    return name if re.fullmatch(r"[\w-]{1,40}", name) else "<name>"


def _secret_values() -> set[str]:
    environ = ENVIRON.get()
    environ = os.environ if environ is None else environ
    return {environ[env] for env in SECRETS.values() if environ.get(env)}


def _hint(error: ErrorDetails, known: list[str]) -> str:
    kind = error["type"]
    if kind == "extra_forbidden":
        return "unknown key; remove it or check its spelling" + (f" (keys allowed here: {', '.join(known)})" if known else "")
    if kind == "missing":
        return "this key is required; add it"
    if kind == "literal_error":
        return f"{_shown(error['input'])} is not allowed; {error['msg'].lower()}"
    if kind == "value_error":
        message = str(error["ctx"].get("error", error["msg"])) if error.get("ctx") else error["msg"]
        # Our validators quote the value (repr): shorten it, or hide it if it looks like a token.
        whole = repr(error.get("input"))
        if message.startswith(whole):
            return _shown(error.get("input")) + message[len(whole) :]
        return _LEADING_REPR.sub(lambda m: _shown_literal(m.group(0)), message, count=1)  # a piece of it
    return f"{error['msg']} (got {_shown(error.get('input'))})"


def _allowed_keys(loc: tuple[Any, ...], root: type[BaseModel]) -> list[str]:
    """The field names valid at the parent of ``loc`` in the ``root`` model (for "did you mean" help).

    The model is passed in (by loading.py), not imported: the model imports this module's helpers."""
    model: Any = root
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            if model is root or not hasattr(model, "model_fields"):
                return []
            continue
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        model = next((a for a in (ann, *args) if isinstance(a, type) and issubclass(a, BaseModel)), None)
    if model is None or not hasattr(model, "model_fields"):
        return []
    return sorted(model.model_fields)


def _env_json_problem(message: str, where: str) -> str:
    found = re.search(r'field "(\w+)"', message)
    field = found.group(1) if found else "settings"
    env = ENV_PREFIX + field.upper()
    return (
        f"{where}: {field} (set by environment variable {env}): not valid JSON; a whole section set from the "
        f"environment must be JSON, or set one key at a time with {env}__<KEY>"
    )


def _describe(exc: ValidationError, where: str, environ: Mapping[str, str], root: type[BaseModel]) -> list[str]:
    """Each validation error as one problem line; ``root`` is the settings model that was validated."""
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        ctx_error = (error.get("ctx") or {}).get("error")
        if isinstance(ctx_error, _KeyedError):
            problems.append(f"{where}: {ctx_error.key}: {ctx_error.message}")
            continue
        key = _key(loc)
        env = _env_name(loc)
        origin = f" (set by environment variable {env})" if env in environ else ""
        problems.append(f"{where}: {key}{origin}: {_hint(error, _allowed_keys(loc, root))}")
    return problems
