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

check_only=false
for arg in "$@"; do
	case "$arg" in
	--check) check_only=true ;;
	--bench) packages+=("${bench_packages[@]}") ;;
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
