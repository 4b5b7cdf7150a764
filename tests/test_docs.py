"""The README is part of the product: its commands exist and its examples run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import click
import pytest

from bot.cli import main
from bot.jsonl import to_event

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_commands():
    head = README[:1500]
    assert "make run" in head and "make test" in head


def test_every_cli_command_is_documented():
    ctx = click.Context(main)
    for name in main.list_commands(ctx):
        assert f"unanswered {name}" in README, f"README does not document `unanswered {name}`"
        command = main.get_command(ctx, name)
        assert command is not None, f"`unanswered {name}` is listed but cannot be loaded"
        for param in command.params:
            for opt in getattr(param, "opts", []):
                if opt.startswith("--") and opt not in ("--help", "--config", "--verbose"):
                    assert opt in README, f"README does not mention `unanswered {name} {opt}`"


def test_jsonl_examples_in_the_readme_are_valid_events():
    section = README.split("## The event format (jsonl)", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```json\n(.*?)```", section, re.S).group(1)
    kinds = [type(to_event(json.loads(line))).__name__ for line in block.strip().splitlines()]
    assert kinds == ["Message", "Edit", "Delete", "Reaction"]


@pytest.mark.parametrize("path", ["config.example.toml", "examples/demo/unanswered.toml"])
def test_toml_files_mentioned_in_the_readme_exist_and_load(path):
    from bot.config import load_settings

    assert path.split("/")[-1] in README
    load_settings(ROOT / path, environ={})


def test_readme_bench_figures_name_their_command():
    section = README.split("## Benchmarks", 1)[1].split("\n## ", 1)[0]
    assert "make bench" in section and "bench/run_all.py" in section
