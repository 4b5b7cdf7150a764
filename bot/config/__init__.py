"""Configuration: a TOML file plus ``UNANSWERED_*`` environment overrides.

Settings are built in ``load_settings`` (called from the CLI), never at import
time. Secrets (tokens, signing secrets) come only from the environment; a secret
found in the file is an error, because config files get committed and pasted.
Every error names the key, the file and the fix (see ``ConfigError``).

One module per concern: ``types`` (value parsers and their bounds), ``model`` (the
tables and keys), ``loading`` (file + environment), ``errors`` (the wording),
``advice`` (warnings about valid but doubtful values).
"""

from __future__ import annotations

from .advice import config_warnings, zone_advice
from .errors import ENV_PREFIX, SECRETS, ConfigError
from .loading import DEFAULT_CONFIG, load_settings, unknown_variables
from .model import (
    Defaults,
    Demo,
    Digest,
    DiscordSettings,
    DiscourseAuth,
    DmPlatform,
    Feed,
    Handled,
    HealthSettings,
    Person,
    Platform,
    Route,
    Settings,
    SlackSettings,
    StaffChannel,
    Storage,
    Strict,
)
from .types import Duration, QuietHours, TimeZoneName, format_duration, parse_duration

__all__ = [
    "ConfigError",
    "DEFAULT_CONFIG",
    "Defaults",
    "Demo",
    "Digest",
    "DiscordSettings",
    "DmPlatform",
    "Duration",
    "ENV_PREFIX",
    "DiscourseAuth",
    "Feed",
    "Handled",
    "HealthSettings",
    "Person",
    "Platform",
    "QuietHours",
    "Route",
    "SECRETS",
    "Settings",
    "SlackSettings",
    "StaffChannel",
    "Storage",
    "Strict",
    "TimeZoneName",
    "config_warnings",
    "format_duration",
    "load_settings",
    "parse_duration",
    "unknown_variables",
    "zone_advice",
]
