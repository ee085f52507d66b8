"""The HTML page in a real browser: headless Chromium from the Debian packages (chromium,
chromium-driver; .ci/run installs them), driven by selenium. No request may leave the page,
the key numbers are in the DOM, and the page prints. ``CHAINPROOF_UPDATE_SCREENSHOT=1``
writes the screenshot to docs/report-screenshot.png (look at it before committing it)."""

from __future__ import annotations

import base64
import json
import os
import shutil
from pathlib import Path

import pytest

from chainproof.fileio import atomic_write_bytes
from chainproof.report.html import ReportPage
from chainproof.report.run import ReportRequest, make_report
from tests.docs_helpers import ROOT
from tests.report.known import NOW, known_project

CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")
SCREENSHOT = ROOT / "docs" / "report-screenshot.png"

pytestmark = pytest.mark.skipif(
    not (CHROMIUM and DRIVER), reason="no chromium and chromium-driver (.ci/run installs them)"
)


def _driver(profile: Path):  # type: ignore[no-untyped-def]
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        "--window-size=1000,1200",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    return webdriver.Chrome(options=options, service=Service(executable_path=str(DRIVER)))


def _requests(driver) -> list[str]:  # type: ignore[no-untyped-def]
    """Every URL the browser asked for, from the DevTools log, but its own chrome:// pages
    (the new tab it starts with) and data: URLs, which never leave the machine."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            url = message["params"]["request"]["url"]
            if not url.startswith(("chrome://", "data:")):
                urls.append(url)
    return urls


def test_the_page_in_chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from selenium.webdriver.common.by import By

    monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must not look for a driver

    repo, db = known_project(tmp_path)
    page = tmp_path / "report.html"
    page.write_text(ReportPage().render(make_report(ReportRequest(repo, db=db, now=NOW))))
    driver = _driver(tmp_path / "profile")
    try:
        _requests(driver)  # what the browser did before it opened the page
        driver.get(page.as_uri())
        text = {
            key: driver.find_element(By.CSS_SELECTOR, f'[data-figure="{key}"] .value').text
            for key in ("open-total", "open-high", "mean-days", "expired")
        }
        assert text == {"open-total": "1", "open-high": "0", "mean-days": "15.7", "expired": "1"}
        summary = driver.find_element(By.ID, "summary").text
        assert "1 medium-severity advisory is open; the oldest for 10 days." in summary
        assert "3 findings were resolved, in 15.7 days on average (median 18)." in summary
        assert driver.find_element(By.ID, "verdict").text == "Attention: some advisories are open."
        cells = [c.text for c in driver.find_elements(By.CSS_SELECTOR, "#open-table td")]
        assert cells[:3] == ["Medium", "ADV-B", "beta"]
        expired = driver.find_element(By.CSS_SELECTOR, "#exceptions-table td.expired")
        assert expired.text == "Expired"
        # accessible: one h1, charts with a title and a description, column headers
        assert len(driver.find_elements(By.TAG_NAME, "h1")) == 1
        charts = driver.find_elements(By.CSS_SELECTOR, "svg[role=img]")
        assert len(charts) == 2
        for chart in charts:
            assert chart.get_attribute("aria-labelledby")
        for table in driver.find_elements(By.TAG_NAME, "table"):
            assert table.find_elements(By.TAG_NAME, "th")
        # nothing but the page itself was requested
        assert _requests(driver) == [page.as_uri()]
        assert driver.execute_script("return performance.getEntriesByType('resource').length") == 0
        height = driver.execute_script("return document.documentElement.scrollHeight")
        driver.set_window_size(1000, int(height) + 40)
        png = driver.get_screenshot_as_png()
        pdf = base64.b64decode(driver.print_page())
    finally:
        driver.quit()
    assert png.startswith(b"\x89PNG")
    assert len(png) > 20_000
    assert pdf.startswith(b"%PDF")
    (tmp_path / "screenshot.png").write_bytes(png)
    if os.environ.get("CHAINPROOF_UPDATE_SCREENSHOT") == "1":
        atomic_write_bytes(SCREENSHOT, png)
