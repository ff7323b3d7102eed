"""Offline front-end assets: the visualizer must render on a classroom laptop with no network.

Solara's page loads its JavaScript, CSS and fonts through its own ``/_solara/cdn`` route, which
serves files from a local cache directory and only falls back to a public CDN on a miss.  The
``solara-assets`` wheel (pinned in ``requirements.lock``) fills that cache at install time; this
module checks that every file the page needs is there, fetches any missing package from the npm
registry with ``npm pack`` as a fallback, and builds the environment that makes a cache miss fail
loudly on this machine instead of reaching for the internet.

Run ``python -m simulation.viz.assets`` (``make assets``) to check and repair the cache.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

# Files the page requests, per npm package, for solara 1.58.2 with ipywidgets 8 and
# ipyvuetify 1 (see solara/server/templates/solara.html.j2).  Update together with the solara pin;
# the browser test fails on any /_solara/cdn request that is not served, so a gap shows up there.
REQUIRED: dict[str, tuple[str, ...]] = {
    "@widgetti/solara-vuetify-app@10.1.1": (
        "dist/main8.css",
        "dist/fonts.css",
        "dist/solara-vuetify-app8.min.js",
        "dist/solara-vuetify-app8.js",
    ),
    "@widgetti/vue-grid-layout@2.3.13-alpha.2": ("dist/vue-grid-layout.umd.min.js",),
    "requirejs@2.3.6": ("require.js",),
    "font-awesome@4.5.0": ("css/font-awesome.min.css", "fonts/fontawesome-webfont.woff2"),
}

# Where solara would fetch a missed file from.  Pointing it at a closed local port turns a missing
# asset into an immediate, visible 500 instead of a hang or a silent download.
DEAD_CDN = "http://127.0.0.1:9/offline-asset-missing/"


def cache_dir() -> Path:
    """The directory solara serves ``/_solara/cdn`` from (``solara-assets`` installs into it)."""
    env = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    return Path(env) if env else Path(sys.prefix) / "share" / "solara" / "cdn"


def offline_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """Environment for a solara server that never contacts a host other than this machine."""
    env = dict(os.environ if base is None else base)
    env.update(
        {
            "SOLARA_ASSETS_PROXY": "True",
            "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache_dir()),
            "SOLARA_ASSETS_CDN": DEAD_CDN,
            "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "False",
            "SOLARA_THEME_SHOW_BANNER": "False",
            # solara warns about samesite cookies on plain http; on localhost that is expected
            "PYTHONWARNINGS": "ignore:Cookies with samesite=none",
            "MPLBACKEND": "Agg",
        }
    )
    # A tab closed normally frees its model at once; one that vanished without closing (a
    # phone locked, a browser killed) is kept this long for a reconnect, then freed (solara's
    # own default is a day, which a class of forty phones would fill memory with).
    env.setdefault("SOLARA_KERNEL_CULL_TIMEOUT", "30m")
    return env


def missing(root: Path | None = None) -> dict[str, list[str]]:
    """Required files absent from the cache, by package (empty when the page can render)."""
    root = cache_dir() if root is None else root
    gaps: dict[str, list[str]] = {}
    for package, files in REQUIRED.items():
        absent = [f for f in files if not (root / package / f).is_file()]
        if absent:
            gaps[package] = absent
    return gaps


def fetch_with_npm(package: str, root: Path) -> None:
    """Unpack ``package`` (``name@version``) from the npm registry into ``root/package/``."""
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError(
            f"{package} is missing from {root} and npm is not installed to fetch it; "
            "install the pinned requirements (solara-assets) or Node.js/npm"
        )
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [npm, "pack", "--silent", "--pack-destination", tmp, package],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise RuntimeError(f"npm pack {package} failed: {done.stderr.strip()}")
        tarball = next(Path(tmp).glob("*.tgz"))
        dest = root / package
        dest.mkdir(parents=True, exist_ok=True)
        with tarfile.open(tarball) as tar:
            for member in tar.getmembers():
                # npm tarballs hold everything under "package/"
                name = member.name.split("/", 1)[1] if "/" in member.name else ""
                if not name or not (member.isfile() or member.isdir()):
                    continue
                member.name = name
                tar.extract(member, dest, filter="data")


def ensure(root: Path | None = None, *, quiet: bool = False) -> Path:
    """Make the cache complete (idempotent) and return its path; raise if it cannot be."""
    root = cache_dir() if root is None else root
    for package in missing(root):
        if not quiet:
            print(f"assets: fetching {package} from the npm registry", file=sys.stderr)
        fetch_with_npm(package, root)
    gaps = missing(root)
    if gaps:
        raise RuntimeError(f"assets still missing in {root}: {gaps}")
    return root


def main() -> int:
    """Check and repair the offline asset cache; print where it is."""
    try:
        root = ensure()
    except RuntimeError as err:
        print(f"assets: {err}", file=sys.stderr)
        return 1
    print(f"assets: offline front-end files ready in {root}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
