#!/bin/sh
# Makes py9p (an independent 9P2000/9P2000.u implementation from PyPI) ready
# for tests/interop.rs, and prints the interpreter that can import it.
# py9p is Python 2 only, so a Python 2 interpreter is looked for; the
# package is installed only when missing. Exits non-zero, with the reason on
# stderr, when that is impossible (no Python 2, no network…).
set -u

candidates="${NINEP_PY9P_PYTHON:-} python2.7 python2"
for v in "$HOME"/.pyenv/versions/2.7*/bin/python2.7 /usr/bin/python2.7; do
    candidates="$candidates $v"
done

for py in $candidates; do
    # pyenv shims exist even when that version is not selected: try it.
    "$py" -c 'import sys; sys.exit(sys.version_info[0] != 2)' >/dev/null 2>&1 || continue
    if ! "$py" -c 'from py9p import py9p' >/dev/null 2>&1; then
        echo "interop_setup: installing py9p for $py" >&2
        "$py" -m pip install --quiet --disable-pip-version-check py9p >&2 2>/dev/null \
            || "$py" -m pip install --quiet --user --disable-pip-version-check py9p >&2 2>/dev/null \
            || continue
    fi
    if "$py" -c 'from py9p import py9p' >/dev/null 2>&1; then
        command -v "$py" 2>/dev/null || echo "$py"
        exit 0
    fi
done
echo "interop_setup: no Python 2 interpreter with py9p (py9p supports only Python 2; pip install failed or no python2)" >&2
exit 1
