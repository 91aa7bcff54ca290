"""A runtime of its own for the page's tests, and a headless Chromium to drive the page.

The runtime gets its own database (a SQLite file, a PostgreSQL schema): the service tests'
session runtime imports the same taxonomy release, which cannot be replaced once candidates
hold evidence through it, so the two must not share one.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import httpx
import pytest

from embeddings import TextEncoder
from service.app import create_app
from service.runtime import Runtime
from service.serving import BackgroundServer
from tests.conftest import throwaway_postgres_schema
from tests.service.conftest import Tenant, open_test_runtime

if TYPE_CHECKING:
    from selenium.webdriver.chrome.webdriver import WebDriver

CHROMIUM = "chromium"
CHROMEDRIVER = "chromedriver"
BROWSER_SKIP_PREFIX = "browser test skipped: "
ENABLE_BROWSER_TESTS = (
    "install Debian's Chromium and its driver (sudo apt-get install chromium chromium-driver), "
    "or run bash .ci/run, which installs them and makes these tests required"
)


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def web_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The page's tests run on a fresh SQLite file and on a fresh PostgreSQL schema."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('web-sqlite') / 'credmatch.sqlite3'}"
        return
    with throwaway_postgres_schema("credmatch_web") as url:
        yield url


@pytest.fixture(scope="session")
def runtime(
    web_database_url: str,
    encoder: TextEncoder,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Runtime]:
    """Migrated database with the service tests' mini taxonomy imported."""
    data_dir = tmp_path_factory.mktemp("web-data")
    with open_test_runtime(web_database_url, encoder, data_dir) as opened:
        yield opened


@pytest.fixture
def tenant(runtime: Runtime) -> Tenant:
    """A new tenant per test."""
    return Tenant(runtime)


class Site:
    """The running app: its URL and an HTTP client for the JSON API."""

    def __init__(self, url: str, client: httpx.Client) -> None:
        self.url = url
        self.client = client


@pytest.fixture(scope="module")
def site(runtime: Runtime) -> Iterator[Site]:
    """The app (with the page) served on loopback, per test module."""
    app = create_app(runtime.settings, runtime=runtime)
    with BackgroundServer(app) as running, httpx.Client(base_url=running.url, timeout=60) as client:
        yield Site(running.url, client)


def _browser_required() -> bool:
    # CI must run the browser tests, never skip them.
    return os.environ.get("CI", "").lower() in {"1", "true"}


def _unavailable(reason: str) -> NoReturn:
    if _browser_required():
        pytest.fail(f"headless Chromium is required here (CI) but {reason}")
    pytest.skip(BROWSER_SKIP_PREFIX + reason)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say once, at the end, that the browser tests were skipped and how to run them."""
    skipped = [
        report
        for report in terminalreporter.stats.get("skipped", [])
        if BROWSER_SKIP_PREFIX in str(getattr(report, "longrepr", ""))
    ]
    if not skipped:
        return
    reason = str(skipped[0].longrepr[2]).split(BROWSER_SKIP_PREFIX, 1)[-1]
    terminalreporter.write_sep("=", "browser tests skipped", yellow=True, bold=True)
    terminalreporter.write_line(
        f"{len(skipped)} browser tests were skipped because {reason}.\n"
        f"To run them: {ENABLE_BROWSER_TESTS}."
    )
    # The short summary (-ra) would repeat the reason once per test function; point it here
    # instead, so that it folds into one line.
    here = str(Path(__file__).relative_to(terminalreporter.config.rootpath))
    for report in skipped:
        report.longrepr = (here, None, f"Skipped: {BROWSER_SKIP_PREFIX}see the section above")


@pytest.fixture(scope="session")
def chrome() -> Iterator[WebDriver]:
    """Debian's Chromium driven through its own chromedriver, headless and offline.

    Skips when Selenium, Chromium or chromedriver is missing (``apt-get install chromium
    chromium-driver``), unless the environment variable ``CI`` is set, where it fails.
    """
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        _unavailable("the selenium package is not installed")
    browser, driver = shutil.which(CHROMIUM), shutil.which(CHROMEDRIVER)
    if browser is None or driver is None:
        _unavailable(f"{CHROMIUM} or {CHROMEDRIVER} is not on PATH")
    options = webdriver.ChromeOptions()
    # Both paths given: Selenium Manager (which would download a driver) is never consulted.
    options.binary_location = browser
    for argument in (
        "--headless=new",
        "--no-sandbox",  # containers run tests as root, where the sandbox cannot start
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--window-size=1280,1024",
    ):
        options.add_argument(argument)
    try:
        started = webdriver.Chrome(options=options, service=Service(executable_path=driver))
    except Exception as exc:
        _unavailable(f"Chromium did not start: {exc}")
    try:
        yield started
    finally:
        started.quit()
