"""The SD image recipe (image/pi-gen/stage-village-edge) and every shell
script in the repository: ``bash -n`` and ``shellcheck``; the stage installs
through setup.sh with the role and downloads no prebuilt binaries."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO

STAGE = REPO / "image/pi-gen/stage-village-edge"
SKIP_DIRS = {".git", ".venv", "__pycache__", ".pytest_cache", ".ruff_cache", "node_modules"}
# Sourced by bash, without a shebang of their own.
FRAGMENTS = [REPO / "image/pi-gen/config.example", STAGE / "EXPORT_IMAGE"]
DOWNLOADS = re.compile(r"\b(curl|wget|git\s+clone|pip\s+download)\b|https?://")


def shell_scripts() -> list[Path]:
    found = []
    for directory, subdirs, files in os.walk(REPO):
        subdirs[:] = [d for d in subdirs if d not in SKIP_DIRS and not d.endswith(".egg-info")]
        for name in files:
            path = Path(directory) / name
            if name.endswith(".sh"):
                found.append(path)
                continue
            try:
                with path.open("rb") as stream:
                    first = stream.readline(100)
            except OSError:
                continue
            if re.match(rb"#!\s*/(usr/)?bin/(env\s+)?(ba|da)?sh\b", first):
                found.append(path)
    return sorted(found)


def test_the_stage_and_setup_are_among_the_scripts_found() -> None:
    names = {p.relative_to(REPO).as_posix() for p in shell_scripts()}
    assert {"setup.sh", "image/pi-gen/stage-village-edge/prerun.sh",
            "image/pi-gen/stage-village-edge/00-install/00-run.sh",
            "image/pi-gen/stage-village-edge/00-install/00-run-chroot.sh"} <= names


@pytest.mark.parametrize("script", [*shell_scripts(), *FRAGMENTS],
                         ids=lambda p: p.relative_to(REPO).as_posix())
def test_every_shell_script_parses_and_passes_shellcheck(script: Path) -> None:
    parsed = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert parsed.returncode == 0, parsed.stderr
    shellcheck = shutil.which("shellcheck")
    assert shellcheck, "shellcheck is not installed: run ./setup.sh dev (it installs it)"
    checked = subprocess.run([shellcheck, "--shell=bash", "--severity=style", str(script)],
                             capture_output=True, text=True, timeout=60)
    assert checked.returncode == 0, checked.stdout


def test_the_stage_has_what_pi_gen_needs() -> None:
    for name in ("prerun.sh", "00-install/00-run.sh", "00-install/00-run-chroot.sh"):
        assert os.access(STAGE / name, os.X_OK), f"{name} must be executable for pi-gen"
    assert "copy_previous" in (STAGE / "prerun.sh").read_text()
    assert "IMG_SUFFIX=" in (STAGE / "EXPORT_IMAGE").read_text()
    config = (REPO / "image/pi-gen/config.example").read_text()
    assert "RELEASE=bookworm" in config
    assert "stage0 stage1 stage2 ${VILLAGE_EDGE_SRC}/image/pi-gen/stage-village-edge" in config
    assert "export VILLAGE_EDGE_ROLE=" in config


def test_the_stage_downloads_no_prebuilt_binaries() -> None:
    """Everything comes through setup.sh: Raspberry Pi OS's archive and PyPI."""
    for path in sorted(STAGE.rglob("*")):
        if path.is_file():
            lines = [line for line in path.read_text().splitlines()
                     if not line.lstrip().startswith("#")]
            offending = [line for line in lines if DOWNLOADS.search(line)]
            assert offending == [], f"{path.name} downloads: {offending}"


def fake_pi_gen_rootfs(tmp_path: Path, role: str) -> subprocess.CompletedProcess[str]:
    rootfs = tmp_path / "rootfs"
    (rootfs / "boot/firmware").mkdir(parents=True)
    env = dict(os.environ, ROOTFS_DIR=str(rootfs), VILLAGE_EDGE_ROLE=role)
    env.pop("VILLAGE_EDGE_SRC", None)
    return subprocess.run(["./00-run.sh"], cwd=STAGE / "00-install", env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_host_step_copies_the_source_and_the_boot_file(tmp_path: Path) -> None:
    result = fake_pi_gen_rootfs(tmp_path, "kiosk")
    assert result.returncode == 0, result.stderr
    src = tmp_path / "rootfs/usr/src/village-edge"
    assert (src / "setup.sh").is_file() and (src / "pyproject.toml").is_file()
    assert (src / ".image-role").read_text() == "kiosk\n"
    assert not (src / ".venv").exists() and not (src / ".git").exists()
    assert not list(src.rglob("__pycache__"))
    boot = tmp_path / "rootfs/boot/firmware/village-edge.toml"
    assert boot.read_bytes() == (REPO / "provision/boot-template.toml").read_bytes()


def test_the_host_step_refuses_an_unknown_role(tmp_path: Path) -> None:
    result = fake_pi_gen_rootfs(tmp_path, "printer")
    assert result.returncode != 0
    assert "VILLAGE_EDGE_ROLE must be kiosk or seal, found 'printer'" in result.stderr


@pytest.mark.parametrize("role", ["kiosk", "seal"])
def test_the_chroot_step_runs_setup_sh_with_the_role(tmp_path: Path, role: str) -> None:
    """00-run-chroot.sh with a stand-in setup.sh and apt-get: it runs the dry
    run, then the install, for the role 00-run.sh wrote, reading no stdin."""
    src = tmp_path / "src"
    src.mkdir()
    (src / ".image-role").write_text(f"{role}\n")
    log = tmp_path / "calls.log"
    for path in (src / "setup.sh", tmp_path / "bin/apt-get"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(f'#!/bin/sh\necho "$(basename "$0") $*" >> "{log}"\n'
                        'if [ -t 0 ] || read -r _; then echo "read stdin" >> '
                        f'"{log}"; fi\n')
        path.chmod(0o755)
    env = dict(os.environ, VILLAGE_EDGE_IMAGE_SRC=str(src),
               PATH=f"{tmp_path / 'bin'}:{os.environ['PATH']}")
    script = (STAGE / "00-install/00-run-chroot.sh").read_text()
    result = subprocess.run(["bash", "-e"], input=script + "\necho 'the rest of the script'\n",
                            env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == [f"setup.sh {role} --dry-run", f"setup.sh {role}",
                                            "apt-get clean"]
    assert "the rest of the script" in result.stdout  # stdin was not eaten
