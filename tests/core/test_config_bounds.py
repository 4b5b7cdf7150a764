"""Config values that used to pass check-config and then break the bot, and overrides that were ignored.

Durations are bounded (and zero is never silently replaced by the default), doubtful
zones are warned about with the IANA name to use, a misspelt ``UNANSWERED_*``
variable is an error with the close match, and at run time one route's bad value
never stops the nudges of the others.
"""

from __future__ import annotations

import os
from datetime import timedelta

import pytest
from click.testing import CliRunner

from bot.cli import EXIT_CONFIG, main
from bot.config import ConfigError, load_settings, unknown_variables, zone_advice

from .helpers import BASE_TOML, at, build, msg


def write(tmp_path, text: str):
    path = tmp_path / "unanswered.toml"
    path.write_text(text, encoding="utf-8")
    return path


def problems(tmp_path, text: str, environ: dict[str, str] | None = None) -> list[str]:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as exc:
        load_settings(path, environ=environ or {})
    return [p.replace(str(path), "FILE") for p in exc.value.problems]


@pytest.mark.parametrize(
    "key,value,why",
    [
        ("window", "0s", "too short"),
        ("window", "0m", "too short"),
        ("window", "999999999d", "too long"),
        ("window", "99999999999d", "far too long"),
        ("window", "366d", "too long"),
        ("escalate_after", "0s", "too short"),
        ("escalate_after", "99999999h", "too long"),
        ("escalate_after", "31d", "too long"),
    ],
)
def test_a_route_duration_out_of_bounds_is_an_error_naming_key_file_and_fix(tmp_path, key, value, why):
    text = BASE_TOML.replace('chain = ["alice", "bob"]', f'chain = ["alice", "bob"]\n{key} = "{value}"')
    (problem,) = problems(tmp_path, text)
    assert problem.startswith(f"FILE: routes[0].{key}: '{value}' is {why}"), problem
    assert "e.g." in problem  # the fix


def test_zero_in_defaults_is_an_error_too_never_the_default(tmp_path):
    (problem,) = problems(tmp_path, BASE_TOML.replace('window = "1h"', 'window = "0s"'))
    assert problem == "FILE: defaults.window: '0s' is too short: it must be longer than zero and at most 365d; write e.g. \"1h\""


def test_the_limits_themselves_are_allowed_and_used_as_written(tmp_path):
    text = BASE_TOML.replace('chain = ["alice", "bob"]', 'chain = ["alice", "bob"]\nwindow = "365d"\nescalate_after = "30d"')
    settings, _ = load_settings(write(tmp_path, text), environ={})
    route = settings.routes[0]
    assert settings.window_for(route) == timedelta(days=365) and settings.escalate_after_for(route) == timedelta(days=30)


@pytest.mark.parametrize(
    "section,key,value",
    [
        ("feeds", "interval", "0s"),
        ("feeds", "timeout", "1h"),
        ("feeds", "max_topic_age", "10m"),
        ("health", "source_down_after", "0s"),
        ("health", "scheduler_stall_after", "30d"),
    ],
)
def test_other_durations_are_bounded(tmp_path, section, key, value):
    if section == "feeds":
        text = BASE_TOML + f'\n[[feeds]]\nname = "f"\nurl = "https://forum.example.org/latest.rss"\n{key} = "{value}"\n'
        where = f"feeds[0].{key}"
    else:
        text = BASE_TOML + f'\n[health]\n{key} = "{value}"\n'
        where = f"health.{key}"
    (problem,) = problems(tmp_path, text)
    assert problem.startswith(f"FILE: {where}: '{value}' is too"), problem


@pytest.mark.parametrize(
    "zone,advice",
    [
        ("EST", '"America/New_York"'),
        ("Etc/GMT+9", "UTC-9"),
        ("Etc/GMT-9", '"Asia/Tokyo" for UTC+9'),
        ("US/Eastern", '"America/New_York"'),
        ("Asia/Calcutta", '"Asia/Kolkata"'),
    ],
)
def test_fixed_offset_and_legacy_zones_are_warned_about_with_the_zone_to_use(tmp_path, zone, advice):
    text = BASE_TOML.replace('slack = "UALICE"\ntimezone = "UTC"', f'slack = "UALICE"\ntimezone = "{zone}"')
    path = write(tmp_path, text)
    result = CliRunner().invoke(main, ["check-config", "-c", str(path)], env={k: None for k in os.environ if k.startswith("UNANSWERED_")})
    assert result.exit_code == 0, result.output
    (line,) = [x for x in result.output.splitlines() if "people.alice.timezone" in x]
    assert line.startswith("warning: people.alice.timezone: ") and advice in line


def test_good_zones_get_no_advice():
    assert [zone_advice(z) for z in ("UTC", "Europe/Berlin", "Asia/Tokyo", "America/Argentina/Buenos_Aires")] == [None] * 4


@pytest.mark.parametrize(
    "name,suggestion",
    [
        ("UNANSWERED_DEFUALTS__WINDOW", "UNANSWERED_DEFAULTS__WINDOW"),
        ("UNANSWERED_PEOPLE__ALICE__SLAK", "UNANSWERED_PEOPLE__ALICE__SLACK"),
        ("UNANSWERED_SLACK__BOT_TOKN", "UNANSWERED_SLACK__BOT_TOKEN"),
        ("unanswered_defaults__windw", "UNANSWERED_DEFAULTS__WINDOW"),
    ],
)
def test_a_misspelt_environment_override_is_an_error_with_the_close_match(tmp_path, name, suggestion):
    (problem,) = problems(tmp_path, BASE_TOML, {name: "xoxb-secret-value-never-shown"})
    assert problem == f"(environment): {name}: unknown variable, so it would be ignored; did you mean {suggestion}? Rename it, or unset it"


def test_real_overrides_and_the_test_hook_are_not_reported():
    names = {
        "UNANSWERED_DEFAULTS__WINDOW": "2h",
        "UNANSWERED_PEOPLE__ALICE__SLACK": "U1",
        "UNANSWERED_DIGEST": "{}",
        "UNANSWERED_SLACK__BOT_TOKEN": "x",
        "UNANSWERED_TEST_CRASH_POINT": "after-audit:1",
        "UNANSWERED_IRC_DATA": "/d",
        "OTHER": "1",
    }
    assert unknown_variables(names) == []
    assert len(unknown_variables({"UNANSWERED_DEFAULTS__WINDOW__X": "1", "UNANSWERED_": "1", "UNANSWERED_ROUTES__0__WINDOW": "1"})) == 3


@pytest.mark.parametrize("command", [["check-config"], ["run", "--dry-run"]])
def test_check_config_and_run_exit_non_zero_on_a_misspelt_variable(tmp_path, command):
    path = write(tmp_path, BASE_TOML)
    env = {k: None for k in os.environ if k.startswith("UNANSWERED_")} | {"UNANSWERED_DEFUALTS__WINDOW": "2h"}
    result = CliRunner().invoke(main, [*command, "-c", str(path)], env=env)
    assert result.exit_code == EXIT_CONFIG
    assert "did you mean UNANSWERED_DEFAULTS__WINDOW?" in result.output


def test_load_settings_reads_the_environment_it_is_given_and_leaves_os_environ_alone(tmp_path, monkeypatch):
    monkeypatch.setenv("UNANSWERED_DEFAULTS__WINDOW", "3h")
    before = dict(os.environ)
    settings, _ = load_settings(write(tmp_path, BASE_TOML), environ={"UNANSWERED_DEFAULTS__WINDOW": "2h"})
    assert settings.defaults.window == timedelta(hours=2)  # the given environment, not the process's
    assert dict(os.environ) == before
    settings, _ = load_settings(write(tmp_path, BASE_TOML), environ={})
    assert settings.defaults.window == timedelta(hours=1)  # not even the process's 3h leaks in
    assert load_settings(write(tmp_path, BASE_TOML))[0].defaults.window == timedelta(hours=3)  # default: the process's


TWO_ROUTES = (
    BASE_TOML
    + """
[[routes]]
platform = "slack"
channel = "C2"
mode = "all"
chain = ["bob"]
"""
)


async def test_at_run_time_a_route_whose_value_breaks_its_nudge_does_not_stop_the_others(make_settings, tracker, clock):
    settings = make_settings(TWO_ROUTES)
    # A value no config can hold any more, as if it came from a bug: escalation past the end of time.
    settings.routes[0].escalate_after = timedelta.max
    dog, transport = build(settings, tracker, clock)
    dog.ingest(msg("1.0", "UMEMBER", 0, channel="C1"))
    dog.ingest(msg("2.0", "UMEMBER2", 1, channel="C2", text="anyone around"))
    clock.set(at(62))
    assert await dog.tick() == 1
    assert transport.recipients() == ["bob"]  # route C2's nudge went out
    assert dog.failed_fires == 1
    broken = tracker.question(tracker.question_at("slack", "C1", "1.0")["id"])
    assert broken.next_due == at(63)  # looked at again later, not dropped
