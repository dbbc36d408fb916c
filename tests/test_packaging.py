"""The suite as a package: each part importable on its own with no I/O and no
threads at import time, and the code ruff-clean."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import pytest

from tests.conftest import REPO

PACKAGES = ["durable", "protocol", "hardware", "camera", "powerlist", "chinese_text",
            "sync", "seal_controller", "kiosk", "county", "device", "provision", "village_edge"]


def test_importing_every_module_opens_no_file_and_starts_no_thread(tmp_path) -> None:  # type: ignore[no-untyped-def]
    result = subprocess.run(
        [sys.executable, str(REPO / "tests/programs/import_audit.py")],
        cwd=tmp_path, capture_output=True, text=True, timeout=120,
        env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert "hardware.lock" in report["imported"] and "village_edge.cli" in report["imported"]
    assert report["opened"] == []
    assert report["new_threads"] == 0
    assert list(tmp_path.iterdir()) == []  # nothing written to the home or working directory


@pytest.mark.parametrize("package", PACKAGES)
def test_each_package_imports_on_its_own(package: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", f"import {package}"], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr


def test_the_console_command_is_installed() -> None:
    command = shutil.which("village-edge", path=str(REPO / ".venv/bin")) or shutil.which(
        "village-edge"
    )
    assert command, "village-edge is not on PATH: pip install -e '.[test]'"
    result = subprocess.run([command, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    for name in ("doctor", "hw", "demo"):
        assert name in result.stdout


def test_ruff_finds_nothing() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--no-cache", str(REPO)],
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_types_check_strictly() -> None:
    """mypy --strict over every package (the settings are in pyproject.toml)."""
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--no-error-summary"],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
