#!/usr/bin/env bash
# Installs the Debian packages the conformance suite and the benchmark need,
# only those missing: static busybox and bash to run as guests, musl-gcc and
# static glibc to build the C cases, Go to build the project's own Go guests.
# Idempotent; safe with no TTY (CI).
#
#   scripts/deps.sh            install what the tests need
#   scripts/deps.sh --bench    also what the benchmark compares against
#   scripts/deps.sh --check    only report; exit 1 if anything is missing
set -euo pipefail

packages=(
	busybox-static # /bin/busybox, statically linked
	bash-static    # /bin/bash-static
	musl-tools     # musl-gcc
	gcc            # cc
	libc6-dev      # glibc headers and libc.a for cc -static
	gojq           # a static Go program (threads, signals, epoll)
	shfmt          # another static Go program
	golang-go      # builds the project's own static Go guests (CGO_ENABLED=0)
	python3        # a dynamically linked guest (dynamic family, start-up bench)
	musl           # /lib/ld-musl-x86_64.so.1, for musl dynamic programs
)
# Only for `ninux-bench`: the other ways to run Linux binaries, timed beside
# ninux in the same run.
bench_packages=(
	qemu-user # qemu-x86_64
	proot     # ptrace-based path translation
)

# Also only for `ninux-bench` (its table of fast-path shares): a static
# musl Rust program. Astral's ruff is one; its musllinux wheel on PyPI
# carries the binary, which lands in the user's cache as `ruff-musl`.
RUFF_VERSION=0.17.6
bench_tools="${XDG_CACHE_HOME:-$HOME/.cache}/ninux/bench-tools"

fetch_ruff() {
	if [ -x "$bench_tools/ruff-musl" ]; then
		return 0
	fi
	if $check_only; then
		echo "deps.sh: missing (bench only): $bench_tools/ruff-musl"
		return 0
	fi
	local tmp
	tmp="$(mktemp -d)"
	echo "deps.sh: fetching ruff $RUFF_VERSION (musllinux wheel) from PyPI"
	if python3 -m pip download -q --no-deps --only-binary=:all: \
		--platform musllinux_1_2_x86_64 -d "$tmp" "ruff==$RUFF_VERSION" &&
		mkdir -p "$bench_tools" &&
		python3 - "$tmp" "$bench_tools/ruff-musl" <<'PY'; then
import glob, os, sys, zipfile
wheel = zipfile.ZipFile(glob.glob(os.path.join(sys.argv[1], "ruff-*.whl"))[0])
name = next(n for n in wheel.namelist() if n.endswith(".data/scripts/ruff"))
with open(sys.argv[2], "wb") as out:
    out.write(wheel.read(name))
os.chmod(sys.argv[2], 0o755)
PY
		echo "deps.sh: $bench_tools/ruff-musl"
	else
		echo "deps.sh: could not fetch ruff; ninux-bench leaves it out" >&2
	fi
	rm -rf "$tmp"
}

check_only=false
bench=false
for arg in "$@"; do
	case "$arg" in
	--check) check_only=true ;;
	--bench)
		bench=true
		packages+=("${bench_packages[@]}")
		;;
	*)
		echo "usage: $0 [--bench] [--check]" >&2
		exit 2
		;;
	esac
done

installed() {
	# dpkg-query exits 0 for packages it has ever seen; the status must say installed.
	[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "deps.sh: not a Debian-style system (no dpkg-query); install by hand: ${packages[*]}" >&2
	exit 1
fi

missing=()
for p in "${packages[@]}"; do
	installed "$p" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "deps.sh: all present: ${packages[*]}"
	if $bench; then
		fetch_ruff
	fi
	exit 0
fi
echo "deps.sh: missing: ${missing[*]}"
if $check_only; then
	exit 1
fi

sudo=()
if [ "$(id -u)" -ne 0 ]; then
	if command -v sudo >/dev/null 2>&1; then
		sudo=(sudo -n)
	else
		echo "deps.sh: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2
		exit 1
	fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "deps.sh: apt-get update"
"${sudo[@]}" apt-get update -q </dev/null
echo "deps.sh: installing ${missing[*]}"
"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" </dev/null

still=()
for p in "${missing[@]}"; do
	installed "$p" || still+=("$p")
done
if [ ${#still[@]} -ne 0 ]; then
	echo "deps.sh: still missing after install: ${still[*]}" >&2
	exit 1
fi
echo "deps.sh: installed ${missing[*]}"
if $bench; then
	fetch_ruff
fi
