"""Visualizer server memory per browser tab, printed as figures.

Starts ``python -m simulation.viz.serve`` on a free loopback port, then in rounds opens a batch
of tabs in headless Chromium (each steps its own model a few months, as a class would), closes
them, and reads the resident memory of the ``solara`` server process after each round.  Growth
from round to round divided by the tabs of a round is what a closed tab leaves behind.  Also
reports the memory while the tabs are open (what an open tab costs).

Run: ``python benchmarks/viz_memory.py [--rounds 4] [--tabs 8]`` (needs Debian's chromium).
"""

from __future__ import annotations

import argparse
import itertools
import os
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[1]
ARGS = ["--no-sandbox", "--headless", "--disable-gpu"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mib(pid: int) -> float:
    """Resident memory of ``pid`` in MiB (Linux /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def server_pid(parent: int) -> int:
    """The solara child of the ``serve`` process."""
    children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
    return int(children[0])


def wait_up(url: str, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit("the server exited")
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not answer")


def one_round(browser, url: str, tabs: int, months: int) -> None:
    contexts = []
    for _ in range(tabs):
        context = browser.new_context(viewport={"width": 1024, "height": 768})
        page = context.new_page()
        page.goto(url)
        page.wait_for_selector("svg.kemitraan-network")
        for month in range(1, months + 1):
            page.click(".kemitraan-step")
            page.wait_for_function(
                "t => document.querySelector('.kemitraan-month').innerText.endsWith(t)",
                arg=f" {month}",
            )
        contexts.append((context, page))
    for context, page in contexts:
        page.close(run_before_unload=True)  # as a browser closing a tab: the close beacon goes
        time.sleep(0.1)
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=4)
    parser.add_argument("--tabs", type=int, default=8)
    parser.add_argument("--months", type=int, default=5)
    parser.add_argument("--settle", type=float, default=5.0, help="seconds after closing tabs")
    args = parser.parse_args()
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    proc = subprocess.Popen(
        [sys.executable, "-m", "simulation.viz.serve", "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_up(url, proc)
        pid = server_pid(proc.pid)
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
            one_round(browser, url, 2, args.months)  # warm-up: imports, caches, first kernels
            time.sleep(args.settle)
            after = [rss_mib(pid)]
            for _ in range(args.rounds):
                one_round(browser, url, args.tabs, args.months)
                time.sleep(args.settle)
                after.append(rss_mib(pid))
            browser.close()
        growth = [(b - a) / args.tabs for a, b in itertools.pairwise(after)]
        print(f"server RSS after each round (MiB): {', '.join(f'{m:.1f}' for m in after)}")
        print(
            f"retained per closed tab: median {statistics.median(growth):.2f} MiB, "
            f"per round {', '.join(f'{g:.2f}' for g in growth)} "
            f"({args.rounds} rounds x {args.tabs} tabs, {args.months} months each)"
        )
    finally:
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
