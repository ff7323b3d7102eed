"""Fixtures for the end-to-end test: the real `partnership viz` server and headless Chromium.

The server is started exactly as an educator starts it (``python -m simulation.viz.serve``),
and the browser may reach only this machine: any other request is aborted and recorded, so
the test proves the page needs no internet.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--headless",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
LOCAL_PREFIXES = ("http://127.0.0.1", "http://localhost", "ws://127.0.0.1", "ws://localhost")


def chromium_path() -> str | None:
    """Debian's chromium (``.ci/run`` installs it); CHROMIUM_PATH overrides."""
    path = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
    return path if Path(path).is_file() else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def viz_url() -> Iterator[str]:
    """Start the visualizer on a free port; stop it (and its solara child) afterwards."""
    port = _free_port()
    log = (ROOT / "test-artifacts").joinpath("viz-server.log")
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("w") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "simulation.viz.serve", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so we stop exactly what we started
        )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 90
    try:
        while True:
            if proc.poll() is not None:
                pytest.fail(f"viz server exited with {proc.returncode}:\n{log.read_text()}")
            try:
                with urllib.request.urlopen(url, timeout=2) as resp:
                    if resp.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"viz server did not answer within 90 s:\n{log.read_text()}")
            time.sleep(0.5)
        yield url
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium driven by Playwright (Playwright's own browsers are not used)."""
    path = chromium_path()
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is not installed; .ci/run installs it (apt-get install chromium)")
        pytest.skip("chromium not installed (apt-get install chromium)")
    with sync_playwright() as pw:
        instance = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@dataclass
class Traffic:
    """Requests the page tried to make off this machine, and local ones that failed."""

    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


def open_tab(browser, url: str, width: int = 1400, height: int = 1000):
    """A fresh tab (a fresh model) at ``url``; every non-local request is aborted and recorded.

    Returns the page, its traffic record and its browser context (close it when done).
    """
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(30_000)
    traffic = Traffic()

    def route(r) -> None:
        url = r.request.url
        if url.startswith(LOCAL_PREFIXES) or url.startswith(("data:", "blob:")):
            r.continue_()
        else:
            traffic.blocked.append(url)
            r.abort()

    page.route("**/*", route)
    page.on(
        "response",
        lambda resp: resp.status >= 400 and traffic.failed.append(f"{resp.status} {resp.url}"),
    )
    page.on("requestfailed", lambda req: traffic.failed.append(f"failed {req.url}"))
    page.on("pageerror", lambda err: traffic.errors.append(str(err)))
    page.goto(url)
    page.wait_for_selector(".kemitraan-main svg.kemitraan-network", state="visible")
    return page, traffic, context


@pytest.fixture
def offline_page(browser, viz_url):
    """A fresh tab at 1400x1000."""
    page, traffic, context = open_tab(browser, viz_url)
    yield page, traffic
    context.close()


@pytest.fixture
def tab(browser, viz_url):
    """Opens tabs of any size (and address query) and closes them after the test."""
    contexts = []

    def make(width: int = 1400, height: int = 1000, query: str = ""):
        page, traffic, context = open_tab(browser, viz_url + query, width, height)
        contexts.append(context)
        return page, traffic

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def shots() -> Path:
    """Where screenshots go (kept as CI artifacts; gitignored)."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    return SHOTS


def pytest_configure(config: pytest.Config) -> None:
    """Register the marker (select with ``-m browser``, skip with ``-m 'not browser'``)."""
    config.addinivalue_line("markers", "browser: end-to-end test in headless Chromium")
