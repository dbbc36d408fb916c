"""Build one release directory: a virtual environment of its own that sees
the OS's picamera2 and lgpio, the suite installed into it, and the shared
files setup.sh installs beside it. ``.complete`` is written last, so a build
cut short by a power cut is never taken for a release; a failed build leaves
nothing behind."""

from __future__ import annotations

import shutil
from pathlib import Path

from provision.releases import COMPLETE, Source
from provision.system import Runner

PIP_TIMEOUT = 1800.0
# (in the source tree, in the release) as setup.sh's install_release.
SHARED_FILES = (("docs/config.example.toml", "share/config.example.toml"),
                ("provision/boot-template.toml", "share/village-edge.toml"),
                ("docs/provisioning.md", "share/doc/provisioning.md"))


def pip_command(release: Path, source: Source) -> list[str]:
    """Install the suite from *source*. A wheel's own directory is searched
    for its dependencies first; a directory of wheels (an offline update on a
    USB stick) is used alone, without the network."""
    pip = [str(release / "bin" / "python"), "-m", "pip", "install", "--quiet"]
    if source.kind == "tree":
        return [*pip, str(source.path)]
    wheels = source.path.parent
    offline = ["--no-index"] if len(list(wheels.glob("*.whl"))) > 1 else []
    return [*pip, *offline, "--find-links", str(wheels), str(source.path)]


#: Debian's python3-pip (a device package of setup.sh), seen from a release's
#: environment through ``--system-site-packages``.
OS_PIP = Path("usr/lib/python3/dist-packages/pip/__init__.py")


def venv_command(release: Path, os_pip: bool) -> list[str]:
    """Make the release's environment. With the OS's pip there, the
    environment is made without a pip of its own: ``ensurepip`` is most of
    the time ``venv`` takes (seconds on a Pi, minutes under emulation), and
    the OS's pip, kept up to date by apt, installs into the environment all
    the same."""
    command = ["python3", "-m", "venv", "--system-site-packages"]
    return [*command, "--without-pip", str(release)] if os_pip else [*command, str(release)]


def build_release(source: Source, release: Path, runner: Runner,
                  current: Path | None, *, os_pip: bool = False) -> None:
    """Make *release* from *source*; *current* (the running release) lends
    its shared files when the source is a wheel, which has none. A build
    that fails is removed (one cut short by a power cut or SIGKILL is
    removed by the next update: :meth:`provision.releases.Layout.remove_unfinished`)."""
    if release.exists():
        shutil.rmtree(release)  # an interrupted build: start again
    release.parent.mkdir(parents=True, exist_ok=True)
    try:
        _build(source, release, runner, current, os_pip)
    except BaseException:
        shutil.rmtree(release, ignore_errors=True)
        raise
    (release / COMPLETE).touch()


def _build(source: Source, release: Path, runner: Runner, current: Path | None,
           os_pip: bool) -> None:
    runner.check(venv_command(release, os_pip), timeout=300)
    runner.check(pip_command(release, source), timeout=PIP_TIMEOUT)
    for inside_source, inside_release in SHARED_FILES:
        origin = (source.path / inside_source if source.kind == "tree"
                  else (current / inside_release if current is not None else None))
        if origin is not None and origin.is_file():
            target = release / inside_release
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(origin, target)
