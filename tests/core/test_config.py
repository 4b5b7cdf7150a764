"""Configuration: every problem names the key, the file and the fix; secrets only from the environment."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.config import ConfigError, Settings, load_settings, parse_duration

ROOT = Path(__file__).resolve().parents[2]


def problems(make_settings, toml: str, **env: str) -> list[str]:
    with pytest.raises(ConfigError) as info:
        make_settings(toml, **env)
    return info.value.problems


@pytest.mark.parametrize("text,expected", [("45m", 45 * 60), ("2h", 7200), ("1h30m", 5400), ("1d", 86400), ("90s", 90), ("1.5h", 5400)])
def test_durations(text, expected):
    assert parse_duration(text) == timedelta(seconds=expected)


@pytest.mark.parametrize("bad", ["", "60", "forty minutes", "1x", "h1", 60])
def test_bad_durations_say_how_to_write_one(bad):
    with pytest.raises(ValueError, match='e.g. "45m"'):
        parse_duration(bad)


def test_defaults_without_a_file(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings, path = load_settings(None, environ={})
    assert path is None
    assert settings.defaults.window == timedelta(hours=1)
    assert settings.storage.path == Path("data/unanswered.db")
    assert settings.routes == []


def test_example_config_is_valid():
    settings, _ = load_settings(ROOT / "config.example.toml", environ={})
    assert settings.routes[0].chain == ["alice", "bob"]
    assert settings.window_for(settings.routes[0]) == timedelta(minutes=45)
    assert settings.window_for(settings.routes[1]) == timedelta(hours=1)


def test_bad_duration_names_key_and_file(make_settings, tmp_path):
    found = problems(make_settings, '[[routes]]\nplatform = "slack"\nchannel = "#help"\nwindow = "soonish"\n')
    assert len(found) == 1
    assert str(tmp_path / "unanswered.toml") in found[0]
    assert "routes[0].window" in found[0]
    assert '"45m"' in found[0]


def test_unknown_key_lists_allowed_keys(make_settings):
    (line,) = problems(make_settings, "[storage]\npaht = 'x.db'\n")
    assert "storage.paht" in line and "unknown key" in line and "path" in line


def test_bad_time_zone_and_quiet_hours(make_settings):
    found = problems(make_settings, '[people.al]\ntimezone = "Mars/Olympus"\nquiet_hours = "22:00"\n')
    assert any("people.al.timezone" in p and "IANA" in p for p in found)
    assert any("people.al.quiet_hours" in p and "HH:MM-HH:MM" in p for p in found)


def test_chain_must_name_configured_people(make_settings):
    (line,) = problems(make_settings, '[people.alice]\n[[routes]]\nplatform = "slack"\nchannel = "C1"\nchain = ["alice", "zed"]\n')
    assert "routes[0].chain[1]" in line and "'zed'" in line and "[people.zed]" in line


def test_bad_mode_lists_choices(make_settings):
    (line,) = problems(make_settings, '[[routes]]\nplatform = "slack"\nchannel = "C1"\nmode = "sometimes"\n')
    assert "routes[0].mode" in line and "'all'" in line and "'detect'" in line


def test_secret_in_file_is_refused(make_settings):
    (line,) = problems(make_settings, '[slack]\nbot_token = "xoxb-1234-secret"\n')
    assert "UNANSWERED_SLACK__BOT_TOKEN" in line
    assert "xoxb-1234-secret" not in line  # never echo a secret back


def test_environment_overrides_one_nested_key(make_settings):
    settings = make_settings('[defaults]\nwindow = "2h"\n', UNANSWERED_DEFAULTS__WINDOW="15m", UNANSWERED_SLACK__BOT_TOKEN="xoxb-from-env")
    assert settings.defaults.window == timedelta(minutes=15)
    assert settings.slack.bot_token.get_secret_value() == "xoxb-from-env"
    assert "xoxb-from-env" not in repr(settings)


def test_bad_environment_value_names_the_variable(make_settings):
    (line,) = problems(make_settings, "", UNANSWERED_DEFAULTS__WINDOW="whenever")
    assert "UNANSWERED_DEFAULTS__WINDOW" in line


def test_invalid_toml_is_explained(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[people.alice\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(bad)


def test_missing_explicit_file(tmp_path):
    with pytest.raises(ConfigError, match="no such file"):
        load_settings(tmp_path / "nope.toml")


def test_check_config_exits_2_and_prints_key(tmp_path):
    bad = tmp_path / "u.toml"
    bad.write_text('[defaults]\nwindow = "forever"\n')
    result = CliRunner().invoke(main, ["check-config", "--config", str(bad)])
    assert result.exit_code == 2
    assert "defaults.window" in result.output and str(bad) in result.output


def test_check_config_summary(tmp_path):
    result = CliRunner().invoke(main, ["check-config", "--config", str(ROOT / "examples/demo/unanswered.toml")])
    assert result.exit_code == 0, result.output
    assert "alice → bob" in result.output and result.output.rstrip().splitlines()[-1].startswith("OK")


def _fields(model: type, prefix: str = "") -> set[str]:
    from pydantic import BaseModel

    out = set()
    for name, field in model.model_fields.items():
        out.add(name)
        for arg in (field.annotation, *getattr(field.annotation, "__args__", ())):
            for sub in (arg, *getattr(arg, "__args__", ())):
                if isinstance(sub, type) and issubclass(sub, BaseModel) and sub.__name__ != "QuietHours":
                    out |= _fields(sub)
    return out


def test_every_setting_is_documented_in_the_example():
    text = (ROOT / "config.example.toml").read_text()
    documented = set(re.findall(r"^\s*#?\s*(\w+)\s*=", text, re.M))
    for table in re.findall(r"^\s*#?\s*\[{1,2}([\w.]+)\]{1,2}", text, re.M):
        documented |= set(table.split("."))
    missing = sorted(_fields(Settings) - documented)
    assert not missing, f"config.example.toml does not mention: {missing}"
