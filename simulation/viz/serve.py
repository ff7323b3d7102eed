"""Start the browser visualizer (``partnership viz``) on this machine, fully offline."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

from simulation.viz import assets

APP = Path(__file__).resolve().parent.parent / "app.py"


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


def serve(host: str = "127.0.0.1", port: int = 8765, open_browser: bool = False) -> None:
    """Serve ``simulation/app.py`` at http://host:port/ until interrupted (Ctrl+C).

    Checks the offline asset cache first (fetching gaps from npm if it can), so a missing file
    is reported here rather than as a blank page in the classroom.
    """
    try:
        assets.ensure(quiet=False)
    except RuntimeError as err:
        raise SystemExit(f"viz: cannot serve the page offline: {err}") from err
    url = f"http://{host}:{port}/"
    print(f"Partnership visualizer: open {url} in a browser (Ctrl+C stops it)", flush=True)
    env = assets.offline_env()
    env.setdefault("PYTHONUNBUFFERED", "1")
    proc = subprocess.Popen(command(host, port, open_browser), env=env, cwd=os.getcwd())
    try:
        code = proc.wait()
    except KeyboardInterrupt:
        proc.terminate()
        code = proc.wait()
        return
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
