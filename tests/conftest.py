"""Shared fixtures: a real SQLite tracker, a fake clock, settings built from TOML text."""

from __future__ import annotations

import textwrap
from datetime import datetime, timezone
from pathlib import Path

import pytest

from bot.clock import FakeClock
from bot.config import Settings, load_settings
from bot.store import Tracker

T0 = datetime(2026, 1, 5, 10, 0, tzinfo=timezone.utc)  # a Monday


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def tracker(tmp_path: Path):
    t = Tracker(tmp_path / "unanswered.db")
    yield t
    t.close()


@pytest.fixture
def make_settings(tmp_path: Path, monkeypatch):
    """make_settings('''toml text''', **env) -> Settings read through the real loader.

    Functions in ``make_settings.listeners`` get every Settings built: the fake platforms
    use it to take their staff ids from the config in force (``use_config``).
    """
    listeners: list = []

    def build(toml: str = "", **env: str) -> Settings:
        for key in list(__import__("os").environ):
            if key.startswith("UNANSWERED_"):
                monkeypatch.delenv(key)
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        path = tmp_path / "unanswered.toml"
        path.write_text(textwrap.dedent(toml), encoding="utf-8")
        settings, _ = load_settings(path)
        for listener in listeners:
            listener(settings)
        return settings

    build.listeners = listeners  # type: ignore[attr-defined]  # an attribute on the fixture function: tests add listeners
    return build
