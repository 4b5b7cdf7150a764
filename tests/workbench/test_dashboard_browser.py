"""The dashboard and the HTML digest, seen in a real headless Chromium at desktop and phone widths.

`unanswered dashboard` runs as a user runs it (a subprocess, Datasette on 127.0.0.1), on a
tracker made by replaying the bundled demo history. Screenshots are kept under
tests/artifacts/ (git-ignored); their paths are printed (pytest -s, or -rP).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main

from .browser import DESKTOP, PHONE, chrome, load, screenshot, set_width

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "demo"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_up(url: str, proc: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the dashboard exited early: {proc.stderr.read().decode()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                if answer.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"{url} did not come up in {timeout}s")


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dash")
    db = folder / "tracker.db"
    made = CliRunner().invoke(main, ["replay", str(DEMO / "community.jsonl"), "-c", str(DEMO / "unanswered.toml"), "--db", str(db)])
    assert made.exit_code == 0, made.output
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "dashboard", "-c", str(DEMO / "unanswered.toml"), "--db", str(db), "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=folder,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_up(url + "/tracker", proc)
        yield url, db
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
        with pytest.raises(OSError):  # nothing left listening
            urllib.request.urlopen(url, timeout=2)


def test_dashboard_is_local_and_read_only(dashboard):
    url, db = dashboard
    before = db.stat().st_mtime_ns
    with urllib.request.urlopen(url + "/tracker.json", timeout=5) as answer:
        assert answer.status == 200
    with urllib.request.urlopen(url + "/-/databases.json", timeout=5) as answer:
        import json

        (info,) = json.load(answer)
        assert info["is_mutable"] is False and info["name"] == "tracker"  # immutable mode, on a snapshot
    assert db.stat().st_mtime_ns == before  # the bot's own file was not written


@pytest.fixture(scope="module")
def browser():
    b = chrome()
    yield b
    b.quit()


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_open_questions_with_links_and_the_chart_in_a_browser(dashboard, browser, size):
    from selenium.webdriver.common.by import By

    url, _ = dashboard
    set_width(browser, size)
    load(browser, url + "/tracker/open_oldest_first", "table.rows-and-columns")
    assert "Open questions, oldest first" in browser.page_source
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns td a")]
    message_links = [x for x in links if x and x.startswith(("https://acme-synths.slack.com/", "https://discord.com/channels/"))]
    assert len(message_links) == 2, links  # the demo's two unanswered questions, each a link to the message
    cells = " ".join(td.text for td in browser.find_elements(By.CSS_SELECTOR, "table.rows-and-columns td"))
    assert "2026-01-05 14:08" in cells and "mod wheel" in cells  # readable times, the stored excerpt
    screenshot(browser, f"dashboard-open-questions-{size[0]}")

    image = load(browser, url + "/weekly", "img.chart")
    assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) >= 600
    assert browser.execute_script("return arguments[0].getBoundingClientRect().width", image) <= size[0]
    screenshot(browser, f"dashboard-weekly-{size[0]}")

    load(browser, url + "/tracker", "footer")
    names = browser.page_source
    for view in ("open_questions", "response_times", "nudges_and_actions", "audit_log", "people_to_thank"):
        assert view in names, view


@pytest.mark.parametrize("size", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_html_digest_reads_at_desktop_and_phone_width(dashboard, browser, size):
    from selenium.webdriver.common.by import By

    url, _ = dashboard
    set_width(browser, size)
    load(browser, url + "/assets/digest.html", "ol.unanswered")
    assert browser.execute_script("return window.innerWidth") == size[0]
    # Nothing is cut off or scrolls sideways, at either width.
    overflow = browser.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px wider than the {size[0]}px screen"
    image = browser.find_element(By.CSS_SELECTOR, "img.chart")
    assert browser.execute_script("return arguments[0].complete && arguments[0].naturalWidth", image) >= 600
    links = [a.get_attribute("href") for a in browser.find_elements(By.CSS_SELECTOR, "ol.unanswered a")]
    assert len(links) == 2 and all(x.startswith("https://") for x in links)
    for heading in ("By platform", "By channel / feed", "Newcomers vs returning members", "What the bot did"):
        assert heading in browser.find_element(By.TAG_NAME, "body").text
    # At phone width each table row is a card: every figure is still on screen.
    for cell in browser.find_elements(By.CSS_SELECTOR, "td"):
        box = browser.execute_script("const r = arguments[0].getBoundingClientRect(); return [r.left, r.right]", cell)
        assert box[0] >= 0 and box[1] <= size[0] + 0.5, (cell.text, box)
    screenshot(browser, f"digest-{size[0]}")


def test_without_datasette_the_dashboard_says_which_extra(tmp_path):
    code = "import sys; sys.modules['datasette'] = None\nfrom bot.cli import main\nmain(['dashboard', '--db', sys.argv[1]], prog_name='unanswered')"
    (tmp_path / "t.db").write_bytes(b"")
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path / "t.db")], capture_output=True, text=True, timeout=60, env={**os.environ})
    assert result.returncode == 1 and "unanswered[dashboard]" in result.stderr


def test_a_missing_browser_skips_locally_but_fails_under_ci(monkeypatch):
    from . import browser as b

    monkeypatch.setattr(b.shutil, "which", lambda name: None)
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no headless Chromium found: apt-get install"):
        b.chrome()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true but no headless Chromium found"):
        b.chrome()
