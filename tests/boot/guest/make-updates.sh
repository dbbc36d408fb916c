#!/bin/bash
# Run in the seal root on the host (with network), after setup.sh seal: the
# two releases the boot test applies with `village-edge update apply`, as a
# technician would from a USB stick, and the suite's dependencies in the
# system's Python. The guest has no network: with the dependencies already
# there (its release environments see the system's packages), `apply` builds
# a release from one wheel in seconds instead of reinstalling Kivy and the
# rest under emulation; everything else `apply` does is the real thing.
set -euo pipefail
SRC=/usr/src/village-edge
OUT=/usr/src/updates
PY=/opt/village-edge/current/bin/python
rm -rf "$OUT" /tmp/update-good /tmp/update-bad
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' "$SRC/pyproject.toml")

# good: the same suite, one version on
cp -a "$SRC" /tmp/update-good
sed -i "s/^version = \".*\"\$/version = \"$version.post1\"/" /tmp/update-good/pyproject.toml

# bad: a release whose seal station cannot start (it exits at once, every time)
cp -a "$SRC" /tmp/update-bad
sed -i "s/^version = \".*\"\$/version = \"$version.post2\"/" /tmp/update-bad/pyproject.toml
"$PY" - <<'PATCH'
from pathlib import Path
path = Path("/tmp/update-bad/village_edge/seal_commands.py")
text = path.read_text()
start = "def run_seal(config: Config | None, args: argparse.Namespace, out: TextIO) -> int:\n"
assert start in text, "run_seal moved: update tests/boot/guest/make-updates.sh"
path.write_text(text.replace(start, start + '    raise SystemExit("a broken release (boot test)")\n'))
PATCH

for kind in good bad; do
  "$PY" -m pip wheel --quiet --no-deps --wheel-dir "$OUT/$kind" "/tmp/update-$kind"
done
"$PY" -m pip freeze --local --exclude village-edge > /tmp/update-deps.txt
python3 -m pip install --quiet --break-system-packages --no-deps -r /tmp/update-deps.txt
rm -rf /tmp/update-good /tmp/update-bad /tmp/update-deps.txt
ls "$OUT"/good/*.whl "$OUT"/bad/*.whl
