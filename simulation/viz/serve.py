"""Start the browser visualizer (``partnership viz``) on this machine, fully offline.

``--host 0.0.0.0`` serves a classroom over the local network: the command prints the address
students should open, and the page shows it in its header.  SIGTERM, SIGHUP and Ctrl+C stop the
``solara`` server this starts and wait for it, so nothing is left listening on the port.
"""

from __future__ import annotations

import argparse
import contextlib
import ipaddress
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

from simulation.viz import assets

APP = Path(__file__).resolve().parent.parent / "app.py"
STUDENT_URLS_ENV = "KEMITRAAN_STUDENT_URLS"  # read by the page (simulation/viz/page.py)
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP)
GRACE_S = 10.0


class StopRequestedError(Exception):
    """A stop signal arrived."""


def command(host: str, port: int, open_browser: bool) -> list[str]:
    """The ``solara run`` command line; production mode skips solara's phone-home check."""
    cmd = [
        sys.executable,
        "-m",
        "solara",
        "run",
        str(APP),
        "--host",
        host,
        "--port",
        str(port),
        "--production",
        "--no-check-version",  # it asks PyPI, and blocks start-up for a minute when offline
    ]
    if not open_browser:
        cmd.append("--no-open")
    return cmd


def lan_addresses() -> list[str]:
    """This machine's addresses on the local network (no packet is sent to find them)."""
    found: list[str] = []
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))  # UDP connect only picks the outgoing interface
            found.append(probe.getsockname()[0])
        except OSError:
            pass
    with contextlib.suppress(OSError):
        found += socket.gethostbyname_ex(socket.gethostname())[2]
    usable = [a for a in dict.fromkeys(found) if not ipaddress.ip_address(a).is_loopback]
    return usable


def student_urls(host: str, port: int) -> list[str]:
    """Addresses other machines can open, when the server listens beyond this machine."""
    if host in ("0.0.0.0", "::", ""):
        return [f"http://{a}:{port}/" for a in lan_addresses()]
    try:
        if ipaddress.ip_address(host).is_loopback:
            return []
    except ValueError:
        if host == "localhost":
            return []
    return [f"http://{host}:{port}/"]


def _raise_stop(signum: int, _frame: object) -> None:
    raise StopRequestedError(signum)


def stop(proc: subprocess.Popen) -> int:
    """Ask the server to stop (SIGTERM), wait, and kill it if it does not stop in time."""
    if proc.poll() is None:
        proc.terminate()
        try:
            return proc.wait(timeout=GRACE_S)
        except subprocess.TimeoutExpired:
            proc.kill()
    return proc.wait()


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = False) -> None:
    """Serve ``simulation/app.py`` at http://host:port/ until interrupted.

    Checks the offline asset cache first (fetching gaps from npm if it can), so a missing file
    is reported here rather than as a blank page in the classroom.
    """
    try:
        assets.ensure(quiet=False)
    except RuntimeError as err:
        raise SystemExit(f"viz: cannot serve the page offline: {err}") from err
    local = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    print(f"Partnership visualizer: open http://{local}:{port}/ (Ctrl+C stops it)", flush=True)
    env = assets.offline_env()
    env.setdefault("PYTHONUNBUFFERED", "1")
    urls = student_urls(host, port)
    if urls:
        print(f"Students open: {' or '.join(urls)}", flush=True)
        env[STUDENT_URLS_ENV] = " ".join(urls)
    previous = {s: signal.signal(s, _raise_stop) for s in STOP_SIGNALS}
    proc = None
    try:
        proc = subprocess.Popen(command(host, port, open_browser), env=env, cwd=os.getcwd())
        code = proc.wait()
    except (KeyboardInterrupt, StopRequestedError):
        return
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
        if proc is not None:
            stop(proc)
    if code != 0:
        raise SystemExit(f"viz: solara exited with status {code}")


def main(argv: list[str] | None = None) -> None:
    """``python -m simulation.viz.serve [--host H] [--port P] [--open]``."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--open", action="store_true", help="open a browser tab")
    args = parser.parse_args(argv)
    serve(args.host, args.port, args.open)


if __name__ == "__main__":
    main()
