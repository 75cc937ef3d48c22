#!/bin/sh
# Creates, once per machine, the Python environment the interop tests and the peer benchmarks use,
# and prints its interpreter's path on stdout (everything else goes to stderr):
#
#   HATNET_PYTHON=$(scripts/python-env.sh) swift test
#
# The venv lives outside the clone, in ${HATNET_CACHE:-$HOME/.cache/hatnet}/python-<hash>, where
# <hash> is the start of the SHA-256 of scripts/python-requirements.txt: every clone and worktree
# with the same pins shares one environment, and changing a pin builds a new one. It holds exactly
# the pinned versions from PyPI (torch with its CUDA wheels: about 6 GB, downloaded once).
#
# Idempotent: the marker file is written only after pip and an import check succeeded, so an
# install that was killed or failed is thrown away and redone by the next run. Concurrent runs are
# safe: they take an flock on a lock file beside the venv, and the ones that waited find the marker.
#
# HATNET_BASE_PYTHON names the interpreter the venv is made from (default: Debian's /usr/bin/python3,
# which scripts/ensure-deps.sh gives the venv module; the pins were resolved for CPython 3.11).
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
requirements="$root/scripts/python-requirements.txt"
cache="${HATNET_CACHE:-$HOME/.cache/hatnet}"
hash=$(sha256sum "$requirements" | cut -c1-12)
venv="$cache/python-$hash"
python="$venv/bin/python"
marker="$venv/.hatnet-installed"

# The modules the tests import; the install only counts when every one of them imports.
modules="torch torchvision safetensors numpy h5py onnxruntime openvino openslide cv2"

if [ -f "$marker" ] && [ -x "$python" ]; then
    echo "$python"
    exit 0
fi

if [ -n "${HATNET_BASE_PYTHON:-}" ]; then
    base="$HATNET_BASE_PYTHON"
elif [ -x /usr/bin/python3 ]; then
    base=/usr/bin/python3
else
    base=$(command -v python3 || true)
fi
if [ -z "$base" ] || ! "$base" -c "import venv, ensurepip" >/dev/null 2>&1; then
    echo "hatnet: need python3 with its venv module to create $venv" >&2
    echo "run:  sudo apt-get install -y python3-venv   (or scripts/ensure-deps.sh as root)" >&2
    exit 1
fi

mkdir -p "$cache"
exec 9>"$cache/python-$hash.lock"
if ! flock -n 9; then
    echo "hatnet: another process is installing $venv; waiting for it" >&2
    flock 9
fi

# Whoever held the lock may have finished the install while we waited.
if [ -f "$marker" ] && [ -x "$python" ]; then
    echo "$python"
    exit 0
fi

started=$(date +%s)
echo "hatnet: creating the pinned Python test environment in $venv" >&2
echo "hatnet: (once per machine; torch brings about 6 GB of CUDA wheels from PyPI)" >&2
rm -rf "$venv"
"$base" -m venv "$venv" >&2

# PyPI only, whatever pip.conf or PIP_* say (no extra index, no local wheel directory): pip's
# configuration files are ignored except for the certificate and proxy they may set for reaching it.
# Exactly the pinned set is installed (no resolver additions), without keeping a second copy of the
# wheels in pip's cache.
for setting in cert proxy; do
    value=$("$python" -m pip config list 2>/dev/null | sed -n "s/^global\.$setting='\(.*\)'\$/\1/p" | tail -n 1)
    if [ -n "$value" ]; then
        case $setting in
            cert) export PIP_CERT="${PIP_CERT:-$value}" ;;
            proxy) export PIP_PROXY="${PIP_PROXY:-$value}" ;;
        esac
    fi
done
unset PIP_INDEX_URL PIP_EXTRA_INDEX_URL PIP_FIND_LINKS PIP_NO_INDEX PIP_REQUIRE_VIRTUALENV
export PIP_CONFIG_FILE=/dev/null PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1
"$python" -m pip install --index-url https://pypi.org/simple --only-binary :all: --no-deps \
    --no-cache-dir --requirement "$requirements" >&2
"$python" -m pip check >&2
for module in $modules; do
    if ! "$python" -c "import $module" >&2; then
        echo "hatnet: $venv was installed but cannot import $module" >&2
        exit 1
    fi
done

size=$(du -sh "$venv" | cut -f1)
elapsed=$(( $(date +%s) - started ))
{
    echo "requirements $hash"
    echo "base $("$base" --version 2>&1) ($base)"
    echo "installed $(date -u +%Y-%m-%dT%H:%M:%SZ) in ${elapsed}s, $size"
} >"$marker.tmp"
mv "$marker.tmp" "$marker"
echo "hatnet: Python test environment ready ($size, ${elapsed}s): $python" >&2

for other in "$cache"/python-*; do
    if [ -d "$other" ] && [ "$other" != "$venv" ]; then
        echo "hatnet: note: $other is an environment for other pins; delete it when no clone needs it" >&2
    fi
done

echo "$python"
