"""A real headless Chromium (Debian's `chromium` + `chromium-driver`) driven by Selenium, or a clear skip.

Locally, no browser means the browser tests skip and say why; under CI=true a missing
browser is a failure (.ci/run installs it), so a green CI always means the pages were seen.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).resolve().parents[2] / "tests" / "artifacts"
CHROMIUM = ("chromium", "chromium-browser", "google-chrome")
DESKTOP, PHONE = (1280, 900), (390, 844)


def _missing(reason: str) -> None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true but {reason}: .ci/run installs chromium and chromium-driver (apt) and selenium (make test)")
    pytest.skip(reason + ": apt-get install -y chromium chromium-driver (Debian) to run the browser tests")


def chrome():
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _missing("selenium is not installed")
    binary = next((found for name in CHROMIUM if (found := shutil.which(name))), None)
    driver = shutil.which("chromedriver")
    if binary is None or driver is None:
        _missing("no headless Chromium found" if binary is None else "no chromedriver found")
    options = webdriver.ChromeOptions()
    options.binary_location = binary
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--hide-scrollbars", f"--window-size={DESKTOP[0]},{DESKTOP[1]}"):
        options.add_argument(arg)
    return webdriver.Chrome(service=Service(driver), options=options)


def set_width(browser, size: tuple[int, int]) -> None:
    """Make the *viewport* (not the window) this wide, as a phone's would be."""
    browser.set_window_size(*size)
    inner = browser.execute_script("return [window.innerWidth, window.innerHeight]")
    browser.set_window_size(size[0] + (size[0] - inner[0]), size[1] + (size[1] - inner[1]))


def screenshot(browser, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    # The whole page, not just the first screenful.
    height = browser.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
    width = browser.execute_script("return window.innerWidth")
    browser.set_window_size(browser.get_window_size()["width"], min(int(height) + 200, 6000))
    browser.save_screenshot(str(path))
    print(f"screenshot: {path} ({width} px wide)")
    return path


def load(browser, url: str, css: str, timeout: float = 30):
    """Open ``url`` and wait until ``css`` is on the page (a loaded machine can be slow to paint); returns the element."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import WebDriverWait

    for attempt in range(2):
        browser.get(url)
        try:
            found = WebDriverWait(browser, timeout).until(ready.presence_of_element_located((By.CSS_SELECTOR, css)))
            WebDriverWait(browser, timeout).until(
                lambda b: b.execute_script("return document.readyState === 'complete' && [...document.images].every(i => i.complete)")
            )
            return found
        except TimeoutException:
            if attempt:
                raise AssertionError(f"{url}: no {css!r} after {timeout}s; the page was: {browser.page_source[:500]!r}") from None
