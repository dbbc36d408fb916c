"""The gpio-sim kernel module for the guest's own kernel, built out of tree.

Debian's kernels do not build gpio-sim (``CONFIG_GPIO_SIM`` and the
``CONFIG_IRQ_SIM`` it needs are off), so it is built here from the Debian
source of exactly the guest kernel's version: ``gpio-sim.c``,
``gpiolib.h`` and ``irq_sim.c`` from ``linux-source``, against
``linux-headers`` and ``linux-kbuild``, all fetched with apt inside the
guest's root. Two changes to the kernel's files, each checked to apply:

- ``irq_sim.c`` calls ``irq_to_desc()``, which modules may not use;
  ``generic_handle_irq()`` does the same for this interrupt;
- a line's simulated pull (``sim_gpioN/pull``) is the wiring around the Pi:
  a contact to ground, an external pull-up. gpio-sim lets a program's bias
  request (gpiozero asks for the Pi's weak internal pull-up on every switch)
  overwrite it, which a closed contact on the real board never allows; here
  the bias request is accepted and the wiring stays as the test set it.

The module is cached by kernel version in ``~/.cache/village-edge/boot/``.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.debian_root import CACHE, Root

MODULE_DIR = CACHE / "boot"
IRQ_SIM_FIX = ("handle_simple_irq(irq_to_desc(irqnum));", "generic_handle_irq(irqnum);")
BIAS_CALLS = ("return gpio_sim_apply_pull(chip, offset, 1);",
              "return gpio_sim_apply_pull(chip, offset, 0);")
RECIPE = hashlib.sha256(repr((IRQ_SIM_FIX, BIAS_CALLS, 1)).encode()).hexdigest()[:8]


def kernel_version(root: Path) -> str:
    (version,) = [p.name for p in (root / "lib/modules").iterdir()]
    return version


def cached_module(root: Root) -> Path:
    """gpio-sim.ko for the kernel installed in *root* (which must reach the
    Debian archive), built once per kernel version."""
    kver = kernel_version(root.path)
    module = MODULE_DIR / f"gpio-sim-{kver}-{RECIPE}.ko"
    if module.exists():
        return module
    MODULE_DIR.mkdir(parents=True, exist_ok=True)
    for old in MODULE_DIR.glob("gpio-sim-*.ko"):
        old.unlink()
    with tempfile.TemporaryDirectory(prefix="gpio-sim-", dir=MODULE_DIR) as scratch:
        built = build(root, kver, Path(scratch))
        partial = module.with_suffix(".partial")
        shutil.copyfile(built, partial)
        partial.rename(module)
    return module


def build(root: Root, kver: str, work: Path) -> Path:
    debs = fetch_debs(root, kver, work / "debs")
    tree = work / "tree"
    for deb in debs:
        if deb.name.startswith(("linux-headers-", "linux-kbuild-")):
            subprocess.run(["dpkg-deb", "-x", str(deb), str(tree)], check=True, timeout=300)
    headers = tree / "usr/src" / f"linux-headers-{kver}"
    common = tree / "usr/src" / f"linux-headers-{kver.removesuffix('-amd64')}-common"
    # The arch headers' Makefile includes the common headers by their installed path.
    (headers / "Makefile").write_text(f"include {common}/Makefile\n")
    (source_deb,) = [d for d in debs if d.name.startswith("linux-source-")]
    branch = re.sub(r"^linux-source-([0-9.]+)_.*$", r"\1", source_deb.name)
    wanted = ["drivers/gpio/gpio-sim.c", "drivers/gpio/gpiolib.h", "kernel/irq/irq_sim.c"]
    sources = work / "src"
    sources.mkdir()
    unpack = (f"dpkg-deb --fsys-tarfile {source_deb} | tar -xO ./usr/src/linux-source-{branch}"
              f".tar.xz | tar -xJ -C {sources} --strip-components=1 "
              + " ".join(f"linux-source-{branch}/{name}" for name in wanted))
    subprocess.run(["sh", "-c", unpack], check=True, timeout=600)
    module = work / "module"
    module.mkdir()
    main = (sources / "drivers/gpio/gpio-sim.c").read_text()
    for call in BIAS_CALLS:
        assert call in main, f"gpio-sim.c has changed: no '{call}'"
        main = main.replace(call, "return 0; /* the wiring's pull stays: see tests/boot */")
    (module / "gpio-sim-main.c").write_text(main)
    shutil.copy(sources / "drivers/gpio/gpiolib.h", module / "gpiolib.h")
    irq_sim = (sources / "kernel/irq/irq_sim.c").read_text()
    assert IRQ_SIM_FIX[0] in irq_sim, f"irq_sim.c has changed: no '{IRQ_SIM_FIX[0]}'"
    (module / "irq_sim.c").write_text(irq_sim.replace(*IRQ_SIM_FIX))
    (module / "Makefile").write_text("obj-m := gpio-sim.o\n"
                                     "gpio-sim-y := gpio-sim-main.o irq_sim.o\n")
    result = subprocess.run(["make", "-s", "-C", str(headers), f"M={module}", "modules"],
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, f"building gpio-sim failed:\n{result.stderr[-4000:]}"
    return module / "gpio-sim.ko"


def fetch_debs(root: Root, kver: str, into: Path) -> list[Path]:
    """linux-headers (arch and common), linux-kbuild and linux-source of the
    very version of the kernel in *root*, downloaded with the root's apt."""
    version = root.check(f"dpkg-query -W -f='${{Version}}' linux-image-{kver}").strip()
    branch = ".".join(version.split(".")[:2])
    names = [f"linux-headers-{kver}", f"linux-headers-{kver.removesuffix('-amd64')}-common",
             f"linux-kbuild-{branch}={version}", f"linux-source-{branch}={version}"]
    inside = "/var/tmp/gpio-sim-debs"
    root.check(f"rm -rf {inside} && mkdir -p {inside} && chown _apt {inside} && cd {inside} && "
               f"apt-get update -q && apt-get download -q {' '.join(names)}", timeout=900)
    into.mkdir(parents=True)
    debs = []
    for deb in sorted((root.path / inside.lstrip("/")).glob("*.deb")):
        debs.append(Path(shutil.move(str(deb), into / deb.name)))
    shutil.rmtree(root.path / inside.lstrip("/"))
    assert len(debs) == 4, f"expected 4 packages, got {[d.name for d in debs]}"
    return debs
