#!/usr/bin/env bash
# Fetch Whoosh's own test suite (the tests/ folder of the pinned whoosh-reloaded source distribution) into
# tests/whoosh_suite/upstream/. Used by .ci/run; without it the suite is skipped with a reason.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
version="$(grep -o 'whoosh-reloaded==[0-9.]*' "$here/../../pyproject.toml" | head -1 | cut -d= -f3)"
[ -f "$here/upstream/.version" ] && [ "$(cat "$here/upstream/.version")" = "$version" ] && exit 0
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
${PIP:-python3 -m pip} download -q --no-binary :all: --no-deps "whoosh-reloaded==$version" -d "$tmp"
tar -xzf "$tmp"/*.tar.gz -C "$tmp"
rm -rf "$here/upstream"
cp -r "$tmp"/*/tests "$here/upstream"
# test_X.py -> test_whoosh_X.py: one of them (test_fields.py) shares its name with one of ours
for f in "$here"/upstream/test_*.py; do mv "$f" "$here/upstream/test_whoosh_${f##*/test_}"; done
echo "$version" > "$here/upstream/.version"
