"""What installs is what the tests ran against, and the plotting stack is optional."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([A-Za-z0-9.+!-]+)$")


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _constraints() -> dict[str, str]:
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        found = PIN.match(line.strip())
        assert found, f"constraints.txt: {line!r} is not name==version (no URLs, no ranges)"
        pins[_norm(found.group(1))] = found.group(2)
    return pins


def test_constraints_pin_every_installed_package_without_urls():
    pins = _constraints()
    assert "://" not in (ROOT / "constraints.txt").read_text(encoding="utf-8")
    installed = {_norm(d.metadata["Name"]): d.version for d in metadata.distributions()}
    skip = {"pip", "setuptools", "wheel", "unanswered"}
    missing = sorted(n for n in installed if n not in pins and n not in skip)
    assert not missing, f"installed but not pinned in constraints.txt (run `make constraints`): {missing}"
    for name in ("matplotlib", "numpy", "datasette", "tqdm", "aiohttp", "pydantic-core"):
        assert name in pins, name


def test_pyproject_gives_ranges_and_keeps_the_chart_and_dashboard_optional():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    core = project["dependencies"]
    assert not [d for d in core if "==" in d], "pyproject.toml gives ranges; exact versions live in constraints.txt"
    assert not [d for d in core if d.startswith(("matplotlib", "datasette", "selenium"))]
    extras = project["optional-dependencies"]
    assert extras["chart"][0].startswith("matplotlib>=") and extras["dashboard"][0].startswith("datasette>=")
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "-c constraints.txt" in makefile and "chart,dashboard,test" in makefile


_NO_MATPLOTLIB = """
import sys
sys.modules["matplotlib"] = None  # as if the `chart` extra were not installed
from bot.cli import main
main(sys.argv[1:], prog_name="unanswered")
"""


def _without_matplotlib(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", _NO_MATPLOTLIB, *args], cwd=cwd, capture_output=True, text=True, timeout=120)


def test_the_bot_runs_without_the_chart_extra(tmp_path):
    db = tmp_path / "t.db"
    made = _without_matplotlib("replay", "--db", str(db), str(ROOT / "examples" / "demo" / "community.jsonl"), cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    png = _without_matplotlib("digest", "--db", str(db), "--format", "png", "--out", str(tmp_path / "c.png"), cwd=tmp_path)
    assert png.returncode == 1
    assert "needs matplotlib, the optional `chart` extra" in png.stderr and "unanswered[chart]" in png.stderr
    assert not (tmp_path / "c.png").exists()
    page = _without_matplotlib("digest", "--db", str(db), "--format", "html", "--out", str(tmp_path / "d.html"), cwd=tmp_path)
    assert page.returncode == 0, page.stderr
    assert "the digest has no chart" in page.stderr
    assert "<h1>" in (tmp_path / "d.html").read_text(encoding="utf-8")
