"""Configuration: a TOML file plus ``UNANSWERED_*`` environment overrides.

Settings are built in ``load_settings`` (called from the CLI), never at import
time. Secrets (tokens, signing secrets) come only from the environment; a secret
found in the file is an error, because config files get committed and pasted.

Every error names the key, the file and the fix (see ``ConfigError``).
"""

from __future__ import annotations

import os
import re
import tomllib
from datetime import time, timedelta
from pathlib import Path
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    SecretStr,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict, TomlConfigSettingsSource
from pydantic_settings.exceptions import SettingsError

DEFAULT_CONFIG = Path("unanswered.toml")
ENV_PREFIX = "UNANSWERED_"

# ---------------------------------------------------------------- value types

_DURATION_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|s)")
_UNITS = {"d": 86400, "h": 3600, "m": 60, "s": 1}


def parse_duration(value: Any) -> timedelta:
    """'45m', '2h', '1h30m', '1d', '90s' -> timedelta. Bare numbers are refused: '60' is ambiguous."""
    if isinstance(value, timedelta):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a duration; write a number and a unit in quotes, e.g. \"45m\", \"2h\", \"1d\"")
    text = value.strip().lower().replace(" ", "")
    pos, total = 0, 0.0
    for m in _DURATION_PART.finditer(text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * _UNITS[m.group(2)]
        pos = m.end()
    if not text or pos != len(text):
        raise ValueError(f"{value!r} is not a duration; write a number and a unit, e.g. \"45m\", \"2h\", \"1h30m\", \"1d\"")
    return timedelta(seconds=total)


def format_duration(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds and seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    parts = []
    for unit, size in (("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts) or "0s"


Duration = Annotated[timedelta, BeforeValidator(parse_duration), PlainSerializer(format_duration, return_type=str)]


def _check_zone(value: Any) -> str:
    try:
        ZoneInfo(str(value))
    except Exception:  # not found, a bad name, one too long for a file (OSError), "a.b.c…" deeper than imports go (RecursionError)
        raise ValueError(
            f"{value!r} is not a time zone; use an IANA name such as \"Europe/Berlin\", \"America/New_York\" or \"UTC\""
        ) from None
    return str(value)


TimeZoneName = Annotated[str, BeforeValidator(_check_zone)]

_HHMM = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*$")


def _parse_hhmm(text: str) -> time:
    m = _HHMM.match(text)
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(f"{text!r} is not a time of day; write 24-hour \"HH:MM\", e.g. \"22:00\"")
    return time(int(m.group(1)), int(m.group(2)))


class QuietHours(BaseModel):
    """A daily span in the person's own time zone, e.g. 22:00-08:00 (may cross midnight)."""

    start: time
    end: time

    @model_validator(mode="before")
    @classmethod
    def _from_text(cls, value: Any) -> Any:
        if isinstance(value, str):
            if "-" not in value:
                raise ValueError(f"{value!r} is not a span; write \"HH:MM-HH:MM\", e.g. \"22:00-08:00\"")
            a, b = value.split("-", 1)
            return {"start": _parse_hhmm(a), "end": _parse_hhmm(b)}
        return value

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


# ---------------------------------------------------------------- the model

Platform = Literal["slack", "discord", "forum"]
DmPlatform = Literal["slack", "discord"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Person(Strict):
    """A moderator the bot may DM. Named by the table key, e.g. [people.alice]."""

    display_name: str | None = Field(None, description="How the person is named in DMs and status")
    slack: str | None = Field(None, description="Slack member id, e.g. U012AB3CD")
    discord: str | None = Field(None, description="Discord user id (a number)")
    timezone: TimeZoneName = "UTC"
    quiet_hours: QuietHours | None = None
    notify_via: DmPlatform | None = Field(None, description="Platform to DM on; default: the question's own")

    @field_validator("slack")
    @classmethod
    def _slack_id(cls, v: str | None) -> str | None:
        if v is not None and not re.fullmatch(r"[UW][A-Z0-9]{2,}", v):
            raise ValueError(f"{v!r} is not a Slack member id; copy it from the person's Slack profile (⋮ → Copy member ID), e.g. \"U012AB3CD\"")
        return v

    @field_validator("discord")
    @classmethod
    def _discord_id(cls, v: Any) -> str | None:
        if v is None:
            return None
        v = str(v)
        if not v.isdigit():
            raise ValueError(f"{v!r} is not a Discord user id; enable Developer Mode, right-click the user → Copy User ID (a long number, in quotes)")
        return v


class Route(Strict):
    """A watched channel or feed and what happens to its questions."""

    platform: Platform
    channel: str = Field(description="Channel id (C…/a number), name (#help) or, for forums, the feed name")
    mode: Literal["all", "detect", "off"] = "detect"
    window: Duration | None = None
    chain: list[str] = Field(default_factory=list, description="People nudged in turn")
    escalate_after: Duration | None = None
    repeat: bool = False
    max_nudges: int = Field(6, ge=1, le=100)
    during_quiet_hours: Literal["wait", "next-awake"] | None = None
    notify_via: DmPlatform | None = None
    # The members' language, e.g. "en", "ja" (optional): check-config says when the detector does not know it.
    language: str | None = Field(None, description='Members\' language, e.g. "en", "de", "ja"')

    @field_validator("channel")
    @classmethod
    def _channel(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("the channel is empty; write its id or name, e.g. \"#help\" or \"C0123ABCD\"")
        return v.strip()

    @model_validator(mode="after")
    def _forum_mode(self) -> "Route":
        # A forum topic is a question by nature (Discourse's own "unanswered" is every topic with no reply),
        # so forum routes default to "all"; chat channels default to "detect". Set mode to override.
        if self.platform == "forum" and "mode" not in self.model_fields_set:
            self.mode = "all"
        return self


class Defaults(Strict):
    window: Duration = timedelta(hours=1)
    escalate_after: Duration = timedelta(minutes=30)
    during_quiet_hours: Literal["wait", "next-awake"] = "wait"
    # Staff posts are announcements and answers, not member questions.
    staff_can_ask: bool = False


class Handled(Strict):
    """What counts as handled besides a reply (opt-in)."""

    reactions: list[str] = Field(default_factory=list, description='e.g. ["white_check_mark", "✅"]')
    by: Literal["staff", "anyone"] = "staff"


class Storage(Strict):
    path: Path = Path("data/unanswered.db")
    retention_days: int = Field(90, ge=1)
    audit_retention_days: int = Field(365, ge=1)


class StaffChannel(Strict):
    platform: DmPlatform
    channel: str


class SlackSettings(Strict):
    mode: Literal["socket", "http"] = "socket"
    http_port: int = Field(3000, ge=1, le=65535)
    api_url: str | None = Field(None, description="Override the Web API base URL (tests, proxies)")
    bot_token: SecretStr | None = None
    app_token: SecretStr | None = None
    signing_secret: SecretStr | None = None


class DiscordSettings(Strict):
    api_url: str | None = Field(None, description="Override the REST API base URL (tests, proxies)")
    token: SecretStr | None = None


class Feed(Strict):
    name: str
    url: str
    kind: Literal["auto", "discourse", "rss"] = Field("auto", description='"auto": Discourse if the feed looks like it, else generic RSS/Atom')
    interval: Duration = timedelta(minutes=5)
    timeout: Duration = Field(timedelta(seconds=20), description="Give up on one HTTP request after this long")
    bots: list[str] = Field(default_factory=list, description='Usernames whose posts never count as answers (Discourse\'s "system" always)')
    failing_alert_after: Duration = Field(timedelta(hours=1), description="Tell staff (once) when the feed has failed this long")
    max_topic_age: Duration = Field(timedelta(days=14), description="Stop watching a topic's replies after this long")
    max_bytes: int = Field(5_000_000, ge=10_000, le=100_000_000, description="Refuse responses larger than this")


class DiscourseAuth(Strict):
    """A Discourse API key for private categories: UNANSWERED_DISCOURSE__API_KEY and __API_USERNAME, env only."""

    api_key: SecretStr | None = Field(None, description="Sent as Api-Key to the Discourse forum of the feeds; env only")
    api_username: str | None = Field(None, description="Sent as Api-Username with the key (a staff or bot account)")
    host: str | None = Field(None, description="The forum host the key belongs to; needed when feeds name several Discourse hosts")


class Digest(Strict):
    enabled: bool = True
    day: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    time: str = "09:00"
    timezone: TimeZoneName = "UTC"
    recipients: list[str] | None = Field(None, description="People who get it; default: everyone in [people]")

    @field_validator("time")
    @classmethod
    def _time(cls, v: str) -> str:
        _parse_hhmm(v)
        return v


class HealthSettings(Strict):
    """The bot watching itself: when staff are told that something is wrong (and, once, that it works again)."""

    source_down_after: Duration = Field(timedelta(minutes=10), description="Tell staff when a source has been disconnected or failing this long")
    dm_failures_alert: int = Field(3, ge=1, le=1000, description="Failed DMs in a row to one person before the other staff are told")
    scheduler_stall_after: Duration = Field(timedelta(minutes=5), description="Tell staff when a due nudge has waited this long for the deadline loop")
    http_port: int | None = Field(None, ge=0, le=65535, description="Serve GET /healthz on this port (off when unset; 0 = any free port)")
    http_host: str = Field("127.0.0.1", description="Address /healthz listens on; \"0.0.0.0\" for hosting platforms' probes")

    @field_validator("source_down_after", "scheduler_stall_after")
    @classmethod
    def _positive(cls, v: timedelta) -> timedelta:
        if v <= timedelta(0):
            raise ValueError("must be longer than zero, e.g. \"10m\"")
        return v

    @field_validator("http_host")
    @classmethod
    def _host(cls, v: str) -> str:
        if not v.strip() or any(c.isspace() for c in v.strip()):
            raise ValueError("not an address to listen on; write \"127.0.0.1\" (this machine only) or \"0.0.0.0\" (all interfaces)")
        return v.strip()


class Demo(Strict):
    speed: float = Field(120.0, gt=0, description="Demo time runs this many times faster than real time")


# Secret fields: (section, key) -> environment variable that must carry it.
SECRETS = {
    ("slack", "bot_token"): "UNANSWERED_SLACK__BOT_TOKEN",
    ("slack", "app_token"): "UNANSWERED_SLACK__APP_TOKEN",
    ("slack", "signing_secret"): "UNANSWERED_SLACK__SIGNING_SECRET",
    ("discord", "token"): "UNANSWERED_DISCORD__TOKEN",
    ("discourse", "api_key"): "UNANSWERED_DISCOURSE__API_KEY",
    ("discourse", "api_username"): "UNANSWERED_DISCOURSE__API_USERNAME",
}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX,
        env_nested_delimiter="__",
        extra="forbid",
        validate_default=True,
    )

    people: dict[str, Person] = Field(default_factory=dict)
    routes: list[Route] = Field(default_factory=list)
    defaults: Defaults = Field(default_factory=Defaults)
    handled: Handled = Field(default_factory=Handled)
    storage: Storage = Field(default_factory=Storage)
    staff_channels: dict[str, StaffChannel] = Field(default_factory=dict)
    slack: SlackSettings = Field(default_factory=SlackSettings)
    discord: DiscordSettings = Field(default_factory=DiscordSettings)
    feeds: list[Feed] = Field(default_factory=list)
    discourse: DiscourseAuth = Field(default_factory=DiscourseAuth)
    digest: Digest = Field(default_factory=Digest)
    health: HealthSettings = Field(default_factory=HealthSettings)
    demo: Demo = Field(default_factory=Demo)

    @model_validator(mode="after")
    def _references(self) -> "Settings":
        names = sorted(self.people)
        for i, route in enumerate(self.routes):
            for j, who in enumerate(route.chain):
                if who not in self.people:
                    known = _shown_literal(", ".join(names)) if names else "none yet"
                    raise _KeyedError(
                        f"routes[{i}].chain[{j}]",
                        f"{_shown(who)} is not a configured person (configured: {known}); add a [people.{_table(who)}] table or fix the name",
                    )
        for name in self.digest.recipients or []:
            if name not in self.people:
                raise _KeyedError("digest.recipients", f"{_shown(name)} is not a configured person; add [people.{_table(name)}] or remove it")
        feed_names = {f.name for f in self.feeds}
        for i, route in enumerate(self.routes):
            if route.platform == "forum" and self.feeds and route.channel not in feed_names:
                raise _KeyedError(f"routes[{i}].channel", f"no [[feeds]] entry is named {_shown(route.channel)}; use one of {_shown_literal(str(sorted(feed_names)))}")
        return self

    # -- derived views the core uses
    def window_for(self, route: Route) -> timedelta:
        return route.window or self.defaults.window

    def escalate_after_for(self, route: Route) -> timedelta:
        return route.escalate_after or self.defaults.escalate_after

    def quiet_policy_for(self, route: Route) -> str:
        return route.during_quiet_hours or self.defaults.during_quiet_hours

    def staff_ids(self, platform: str) -> dict[str, str]:
        """platform user id -> person name, for every configured person."""
        out = {}
        for name, person in self.people.items():
            pid = getattr(person, platform, None) if platform in ("slack", "discord") else None
            if pid:
                out[pid] = name
        return out


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


# ---------------------------------------------------------------- loading


def _bound_settings(path: Path | None) -> type[Settings]:
    """A Settings subclass reading ``path``: sources are init > env > TOML."""

    class FileSettings(Settings):
        @classmethod
        def settings_customise_sources(
            cls,
            settings_cls: type[BaseSettings],
            init_settings: PydanticBaseSettingsSource,
            env_settings: PydanticBaseSettingsSource,
            dotenv_settings: PydanticBaseSettingsSource,
            file_secret_settings: PydanticBaseSettingsSource,
        ) -> tuple[PydanticBaseSettingsSource, ...]:
            sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
            if path is not None:
                sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
            return tuple(sources)

    FileSettings.__name__ = "Settings"
    return FileSettings


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
    return {os.environ[env] for env in SECRETS.values() if os.environ.get(env)}


def _hint(error: dict[str, Any], known: list[str]) -> str:
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
            return _shown(error.get("input")) + message[len(whole):]
        return _LEADING_REPR.sub(lambda m: _shown_literal(m.group(0)), message, count=1)  # a piece of it
    return f"{error['msg']} (got {_shown(error.get('input'))})"


def _allowed_keys(loc: tuple[Any, ...]) -> list[str]:
    """The field names valid at the parent of ``loc`` (for "did you mean" help)."""
    model: Any = Settings
    for part in loc[:-1]:
        if isinstance(part, int) or model is None:
            continue
        field = getattr(model, "model_fields", {}).get(part)
        if field is None:
            if model is Settings or not hasattr(model, "model_fields"):
                return []
            continue
        ann = field.annotation
        args = getattr(ann, "__args__", ())
        model = next((a for a in (ann, *args) if isinstance(a, type) and issubclass(a, BaseModel)), None)
    if model is None or not hasattr(model, "model_fields"):
        return []
    return sorted(model.model_fields)


def load_settings(path: Path | str | None = None, *, environ: dict[str, str] | None = None) -> tuple[Settings, Path | None]:
    """Read settings; returns (settings, the file actually read or None).

    ``path`` None means the default ``./unanswered.toml`` if it exists, else built-in defaults.
    """
    explicit = path is not None
    file = Path(path) if path is not None else DEFAULT_CONFIG
    where = str(file)
    if not file.exists():
        if explicit:
            raise ConfigError([f"{where}: no such file; check the path, or copy config.example.toml to {where} and edit it"])
        file = None  # built-in defaults
    if file is not None:
        try:
            # Bytes decoded as they are: read_text would turn a lone "\r" into a newline, and the
            # settings source (which reads bytes) would then fail where this check passed.
            raw = tomllib.loads(file.read_bytes().decode("utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError([f"{where}: not valid TOML: {exc}; fix the syntax at that line (strings need quotes, tables [name])"]) from None
        except UnicodeDecodeError:
            raise ConfigError([f"{where}: not UTF-8 text; save the file as UTF-8"]) from None
        problems = []
        for (section, key), env in SECRETS.items():
            if isinstance(raw.get(section), dict) and key in raw[section]:
                problems.append(
                    f"{where}: {section}.{key}: secrets are never read from the config file; "
                    f"delete this line and set the environment variable {env} instead"
                )
        if problems:
            raise ConfigError(problems)

    env_before = None
    if environ is not None:
        env_before = dict(os.environ)
        os.environ.clear()
        os.environ.update(environ)
    try:
        settings = _bound_settings(file)()
    except ValidationError as exc:
        raise ConfigError(_describe(exc, where if file else "(built-in defaults and environment)")) from None
    except _KeyedError as exc:
        raise ConfigError([f"{where}: {exc.key}: {exc.message}"]) from None
    except SettingsError as exc:  # an UNANSWERED_<SECTION> variable that is not JSON
        raise ConfigError([_env_json_problem(str(exc), where if file else "(environment)")]) from None
    finally:
        if env_before is not None:
            os.environ.clear()
            os.environ.update(env_before)
    return _storage_beside(settings, file, environ), file


def _storage_beside(settings: Settings, file: Path | None, environ: dict[str, str] | None) -> Settings:
    """A relative storage.path is relative to the config file's folder, not to wherever the command ran.

    (Set by UNANSWERED_STORAGE__PATH it stays relative to the working folder, as a shell user expects.)
    """
    path = settings.storage.path
    from_env = "UNANSWERED_STORAGE__PATH" in (os.environ if environ is None else environ)
    if file is None or path.is_absolute() or from_env:
        return settings
    beside = file.resolve().parent / path
    return settings.model_copy(update={"storage": settings.storage.model_copy(update={"path": beside})})


def _env_json_problem(message: str, where: str) -> str:
    found = re.search(r'field "(\w+)"', message)
    field = found.group(1) if found else "settings"
    env = ENV_PREFIX + field.upper()
    return (f"{where}: {field} (set by environment variable {env}): not valid JSON; a whole section set from the "
            f"environment must be JSON, or set one key at a time with {env}__<KEY>")


def _describe(exc: ValidationError, where: str) -> list[str]:
    problems = []
    for error in exc.errors():
        loc = tuple(error["loc"])
        ctx_error = (error.get("ctx") or {}).get("error")
        if isinstance(ctx_error, _KeyedError):
            problems.append(f"{where}: {ctx_error.key}: {ctx_error.message}")
            continue
        key = _key(loc)
        env = _env_name(loc)
        origin = f" (set by environment variable {env})" if env in os.environ else ""
        problems.append(f"{where}: {key}{origin}: {_hint(error, _allowed_keys(loc))}")
    return problems
