"""A real browser for end-to-end tests: Debian's chromium, driven through Debian's chromedriver.

Nothing is downloaded: both paths are given to Selenium, which then never runs Selenium
Manager. CI installs the two packages (.ci/run); a machine without them fails these tests
with a message that says so, rather than skipping them.

A failed test leaves a screenshot and the page's HTML in test-artifacts/ (or $E2E_ARTIFACTS).
"""

import os
import re
from collections.abc import Generator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.selenium_manager import SeleniumManager

from tests.conftest import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
ARTIFACTS = Path(os.environ.get("E2E_ARTIFACTS") or ROOT / "test-artifacts")
# Longest wait for the page to reach a state; a wait ends as soon as the state is reached.
WAIT_SECONDS = 15

call_report_key = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep the outcome of the test's body on the item, for the browser fixture's teardown."""
    report = yield
    if report.when == "call":
        item.stash[call_report_key] = report
    return report


def _require(path: str, package: str) -> None:
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        pytest.fail(
            f"{path} is missing: the browser tests need Debian's {package} "
            "(apt-get install chromium chromium-driver; .ci/run installs them).",
            pytrace=False,
        )


def _no_selenium_manager(*args: object, **kwargs: object) -> None:
    raise AssertionError(
        "Selenium asked Selenium Manager for a driver or browser (a download): the browser "
        f"tests use {CHROMIUM} and {CHROMEDRIVER} only."
    )


@pytest.fixture
def browser(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Generator[webdriver.Chrome, None, None]:
    """Headless chromium; on failure, a screenshot and the HTML are saved and their paths
    printed."""
    _require(CHROMIUM, "chromium")
    _require(CHROMEDRIVER, "chromium-driver")
    # Given both paths, Selenium never runs Selenium Manager; should that change, fail
    # rather than fetch anything.
    monkeypatch.setattr(SeleniumManager, "binary_paths", _no_selenium_manager)
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,1024",
        # The tests only talk to the live server on this machine.
        "--no-proxy-server",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    # Explicit waits only (WebDriverWait): no implicit wait hides how long a page took.
    driver.implicitly_wait(0)
    try:
        yield driver
    finally:
        try:
            report = request.node.stash.get(call_report_key, None)
            if report is not None and report.failed:
                _save_artifacts(request, driver)
        finally:
            driver.quit()


def _save_artifacts(request: pytest.FixtureRequest, driver: webdriver.Chrome) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    stem = re.sub(r"[^\w.-]+", "_", request.node.nodeid).strip("_")
    screenshot = ARTIFACTS / f"{stem}.png"
    html = ARTIFACTS / f"{stem}.html"
    saved = driver.save_screenshot(str(screenshot))
    html.write_text(driver.page_source)
    capture = request.config.pluginmanager.getplugin("capturemanager")
    lines = (
        f"\n{request.node.nodeid} failed at {driver.current_url}",
        f"  screenshot: {screenshot}" if saved else "  screenshot: could not be taken",
        f"  page HTML:  {html}",
    )
    if capture is None:
        print(*lines, sep="\n")
    else:
        with capture.global_and_fixture_disabled():
            print(*lines, sep="\n")
