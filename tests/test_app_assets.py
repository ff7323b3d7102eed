"""Offline front-end assets and the server command behind ``partnership viz``."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from simulation.viz import assets, serve


def test_every_required_asset_is_in_the_local_cache() -> None:
    assert assets.missing() == {}, f"run `make assets`; cache: {assets.cache_dir()}"


def test_offline_env_serves_from_the_cache_and_never_from_a_cdn() -> None:
    env = assets.offline_env({})
    assert env["SOLARA_ASSETS_PROXY"] == "True"
    assert Path(env["SOLARA_ASSETS_PROXY_CACHE_DIR"]) == assets.cache_dir()
    assert env["SOLARA_ASSETS_CDN"].startswith("http://127.0.0.1:")
    assert env["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] == "False"
    assert env["SOLARA_KERNEL_CULL_TIMEOUT"] == "30m"  # a vanished tab is freed, not kept a day
    assert (
        assets.offline_env({"SOLARA_KERNEL_CULL_TIMEOUT": "2h"})["SOLARA_KERNEL_CULL_TIMEOUT"]
        == "2h"
    )


def test_missing_files_are_listed_by_package(tmp_path: Path) -> None:
    (tmp_path / "requirejs@2.3.6").mkdir()
    (tmp_path / "requirejs@2.3.6" / "require.js").write_text("//")
    gaps = assets.missing(tmp_path)
    assert "requirejs@2.3.6" not in gaps
    assert set(gaps) == set(assets.REQUIRED) - {"requirejs@2.3.6"}


def test_ensure_explains_when_it_cannot_fetch(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(assets.shutil, "which", lambda _name: None)
    with pytest.raises(RuntimeError, match="npm is not installed"):
        assets.ensure(tmp_path, quiet=True)


def test_serve_command_is_offline_production_solara() -> None:
    cmd = serve.command("127.0.0.1", 8765, open_browser=False)
    assert cmd[:4] == [sys.executable, "-m", "solara", "run"]
    assert Path(cmd[4]) == serve.APP and serve.APP.is_file()
    for flag in ("--production", "--no-check-version", "--no-open"):
        assert flag in cmd
    assert "--no-open" not in serve.command("127.0.0.1", 8765, open_browser=True)
