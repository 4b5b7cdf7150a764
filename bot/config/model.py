"""The settings model: every table and key of unanswered.toml, with its type and default.

Values are parsed by ``bot.config.types``; problems are worded by ``bot.config.errors``.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .errors import ENV_PREFIX, SECRETS, _KeyedError, _shown, _shown_literal, _table
from .types import (
    AlertAfter,
    EscalateDuration,
    HealthAfter,
    PollInterval,
    QuietHours,
    RequestTimeout,
    TimeZoneName,
    TopicAge,
    WindowDuration,
    _parse_hhmm,
)

__all__ = ["ENV_PREFIX", "SECRETS"]  # re-exported for bot.config

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
            raise ValueError(f'{v!r} is not a Slack member id; copy it from the person\'s Slack profile (⋮ → Copy member ID), e.g. "U012AB3CD"')
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
    window: WindowDuration | None = None
    chain: list[str] = Field(default_factory=list, description="People nudged in turn")
    escalate_after: EscalateDuration | None = None
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
            raise ValueError('the channel is empty; write its id or name, e.g. "#help" or "C0123ABCD"')
        return v.strip()

    @model_validator(mode="after")
    def _forum_mode(self) -> "Route":
        # A forum topic is a question by nature (Discourse's own "unanswered" is every topic with no reply),
        # so forum routes default to "all"; chat channels default to "detect". Set mode to override.
        if self.platform == "forum" and "mode" not in self.model_fields_set:
            self.mode = "all"
        return self


class Defaults(Strict):
    window: WindowDuration = timedelta(hours=1)
    escalate_after: EscalateDuration = timedelta(minutes=30)
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
    interval: PollInterval = timedelta(minutes=5)
    timeout: RequestTimeout = Field(timedelta(seconds=20), description="Give up on one HTTP request after this long")
    bots: list[str] = Field(default_factory=list, description='Usernames whose posts never count as answers (Discourse\'s "system" always)')
    failing_alert_after: AlertAfter = Field(timedelta(hours=1), description="Tell staff (once) when the feed has failed this long")
    max_topic_age: TopicAge = Field(timedelta(days=14), description="Stop watching a topic's replies after this long")
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

    source_down_after: HealthAfter = Field(timedelta(minutes=10), description="Tell staff when a source has been disconnected or failing this long")
    dm_failures_alert: int = Field(3, ge=1, le=1000, description="Failed DMs in a row to one person before the other staff are told")
    scheduler_stall_after: HealthAfter = Field(timedelta(minutes=5), description="Tell staff when a due nudge has waited this long for the deadline loop")
    http_port: int | None = Field(None, ge=0, le=65535, description="Serve GET /healthz on this port (off when unset; 0 = any free port)")
    http_host: str = Field("127.0.0.1", description='Address /healthz listens on; "0.0.0.0" for hosting platforms\' probes')

    @field_validator("http_host")
    @classmethod
    def _host(cls, v: str) -> str:
        if not v.strip() or any(c.isspace() for c in v.strip()):
            raise ValueError('not an address to listen on; write "127.0.0.1" (this machine only) or "0.0.0.0" (all interfaces)')
        return v.strip()


class Demo(Strict):
    speed: float = Field(120.0, gt=0, description="Demo time runs this many times faster than real time")


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
                raise _KeyedError(
                    f"routes[{i}].channel", f"no [[feeds]] entry is named {_shown(route.channel)}; use one of {_shown_literal(str(sorted(feed_names)))}"
                )
        return self

    # -- derived views the core uses
    # (`is None`, not `or`: a value is never silently replaced by the default)
    def window_for(self, route: Route) -> timedelta:
        return self.defaults.window if route.window is None else route.window

    def escalate_after_for(self, route: Route) -> timedelta:
        return self.defaults.escalate_after if route.escalate_after is None else route.escalate_after

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
