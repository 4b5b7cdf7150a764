"""Reading the settings: the TOML file, then ``UNANSWERED_*`` environment overrides.

The environment is passed in explicitly (``environ``; the process environment by
default) and read through our own settings source: nothing here changes
``os.environ``. A variable with our prefix that names no setting is an error (a
misspelt override must not be ignored), with the closest real name as the fix.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from pathlib import Path
from typing import Any, Mapping, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, TomlConfigSettingsSource
from pydantic_settings.exceptions import SettingsError
from pydantic_settings.sources.utils import parse_env_vars

from .errors import ENV_PREFIX, ENVIRON, SECRETS, ConfigError, _describe, _env_json_problem, _KeyedError
from .model import Settings

DEFAULT_CONFIG = Path("unanswered.toml")
# Variables with our prefix that are not settings: read elsewhere, on purpose.
OTHER_VARIABLES = frozenset(
    {
        "UNANSWERED_TEST_CRASH_POINT",  # the crash trials' hook (tests/reliability/crashing_bot.py)
        "UNANSWERED_IRC_DATA",  # where the bench scripts find the dev split (choosing, reporting)
        "UNANSWERED_IRC_TRAIN",  # where `make train` finds the training split
        "UNANSWERED_TRAINING",  # set by bench/train.py while it refits bot/model.json
        "UNANSWERED_TRAIN_TARGET",  # bench/train.py's choice of question target
    }
)


class _EnvSource(EnvSettingsSource):
    """pydantic-settings' environment source, reading the mapping it is given instead of os.environ."""

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ  # before super().__init__, which loads the variables
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


def _bound_settings(path: Path | None, environ: Mapping[str, str]) -> type[Settings]:
    """A Settings subclass reading ``path`` and ``environ``: sources are init > env > TOML."""

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
            sources: list[PydanticBaseSettingsSource] = [init_settings, _EnvSource(settings_cls, environ)]
            if path is not None:
                sources.append(TomlConfigSettingsSource(settings_cls, toml_file=path))
            return tuple(sources)

    FileSettings.__name__ = "Settings"
    return FileSettings


# ---------------------------------------------------------------- environment variable names


def _model_in(annotation: Any) -> type[BaseModel] | None:
    for candidate in (annotation, *get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _dict_of_model(annotation: Any) -> type[BaseModel] | None:
    if get_origin(annotation) is dict:
        return _model_in(get_args(annotation)[1])
    return None


def _env_name_known(name: str) -> bool:
    """Does UNANSWERED_A__B__C name a setting (a section, a key, or a key of a named table)?"""
    parts = name[len(ENV_PREFIX) :].lower().split("__")
    model: type[BaseModel] = Settings
    i = 0
    while True:
        field = model.model_fields.get(parts[i])
        if field is None:
            return False
        i += 1
        if i == len(parts):
            return True
        sub = _model_in(field.annotation)
        table = _dict_of_model(field.annotation)
        if table is not None:  # [people.<name>]: any name, then one of its keys
            i += 1
            if i == len(parts):
                return True
            sub = table
        if sub is None:
            return False  # a value (or a list) has no keys below it
        model = sub


def _env_names(parts: list[str]) -> list[str]:
    """Every variable name a setting can be set by (named tables as in ``parts``), for suggestions."""
    out = []
    for key, field in Settings.model_fields.items():
        out.append(ENV_PREFIX + key.upper())
        table = _dict_of_model(field.annotation)
        sub = _model_in(field.annotation) if table is None else table
        if sub is None:
            continue
        middle = "__" + (parts[1].upper() if table is not None and len(parts) > 2 else "<NAME>") if table is not None else ""
        out += [f"{ENV_PREFIX}{key.upper()}{middle}__{k.upper()}" for k in sub.model_fields]
    return out


def unknown_variables(environ: Mapping[str, str]) -> list[str]:
    """A problem line for each ``UNANSWERED_*`` variable that names no setting (values are never shown)."""
    problems = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in OTHER_VARIABLES or _env_name_known(upper):
            continue
        parts = upper[len(ENV_PREFIX) :].lower().split("__")
        close = difflib.get_close_matches(upper, _env_names(parts), n=1, cutoff=0.6)
        fix = f"did you mean {close[0]}? Rename it" if close else "no setting has this name; check it against config.example.toml"
        problems.append(f"(environment): {name}: unknown variable, so it would be ignored; {fix}, or unset it")
    return problems


# ---------------------------------------------------------------- loading


def load_settings(path: Path | str | None = None, *, environ: Mapping[str, str] | None = None) -> tuple[Settings, Path | None]:
    """Read settings; returns (settings, the file actually read or None).

    ``path`` None means the default ``./unanswered.toml`` if it exists, else built-in defaults.
    ``environ`` is the environment to read overrides and secrets from (default: the process's).
    """
    env: Mapping[str, str] = dict(os.environ) if environ is None else environ
    explicit = path is not None
    candidate = Path(path) if path is not None else DEFAULT_CONFIG
    where = str(candidate)
    file: Path | None = candidate
    if not candidate.exists():
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
        for (section, key), var in SECRETS.items():
            if isinstance(raw.get(section), dict) and key in raw[section]:
                problems.append(
                    f"{where}: {section}.{key}: secrets are never read from the config file; delete this line and set the environment variable {var} instead"
                )
        if problems:
            raise ConfigError(problems)
    unknown = unknown_variables(env)
    if unknown:
        raise ConfigError(unknown)

    token = ENVIRON.set(env)
    try:
        settings = _bound_settings(file, env)()
    except ValidationError as exc:
        raise ConfigError(_describe(exc, where if file else "(built-in defaults and environment)", env, Settings)) from None
    except _KeyedError as exc:
        raise ConfigError([f"{where}: {exc.key}: {exc.message}"]) from None
    except SettingsError as exc:  # an UNANSWERED_<SECTION> variable that is not JSON
        raise ConfigError([_env_json_problem(str(exc), where if file else "(environment)")]) from None
    finally:
        ENVIRON.reset(token)
    return _storage_beside(settings, file, env), file


def _storage_beside(settings: Settings, file: Path | None, environ: Mapping[str, str]) -> Settings:
    """A relative storage.path is relative to the config file's folder, not to wherever the command ran.

    (Set by UNANSWERED_STORAGE__PATH it stays relative to the working folder, as a shell user expects.)
    """
    path = settings.storage.path
    if file is None or path.is_absolute() or "UNANSWERED_STORAGE__PATH" in environ:
        return settings
    beside = file.resolve().parent / path
    return settings.model_copy(update={"storage": settings.storage.model_copy(update={"path": beside})})
