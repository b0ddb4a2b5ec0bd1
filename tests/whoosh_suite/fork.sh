#!/usr/bin/env bash
# Whoosh's test suite and newsearch's codec tests on the whoosh3 fork of Whoosh (issue 11), in a venv of its own.
# .venv-whoosh3/ (git-ignored): newsearch installed as usual, then whoosh-reloaded replaced by whoosh3 (both
# import as `whoosh`; pip says newsearch wants whoosh-reloaded: expected here). The fork's tests/ (its source
# distribution's) go to tests/whoosh_suite/fork/ (git-ignored; test_X.py -> test_whoosh_X.py, as fetch.sh) and
# run with newsearch's codec as Whoosh's default (conftest.py; NEWSEARCH_WHOOSH_CODEC=w3 runs them on W3).
# Exits non-zero when either run fails; .ci/run reports that without failing on it.
set -euo pipefail
FORK_VERSION=3.54.0  # the one place the fork's version is pinned
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
venv="$repo/.venv-whoosh3"
py="$venv/bin/python"
export PIP_DISABLE_PIP_VERSION_CHECK=1
cd "$repo"

# The venv, rebuilt when the fork's version, pyproject.toml or the pins changed (the stamp says for which).
stamp="$FORK_VERSION $(cat pyproject.toml deploy/constraints.txt | sha256sum | cut -c1-16)"
if [ ! -f "$venv/.stamp" ] || [ "$(cat "$venv/.stamp")" != "$stamp" ]; then
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q -c deploy/constraints.txt -e '.[test]'
    "$venv/bin/pip" uninstall -q -y whoosh-reloaded
    "$venv/bin/pip" install -q --no-deps "whoosh3==$FORK_VERSION"
    echo "$stamp" > "$venv/.stamp"
fi
"$py" -c "import importlib.metadata as m, whoosh; assert m.version('whoosh3') == '$FORK_VERSION', m.version('whoosh3')
print('whoosh3', m.version('whoosh3'), 'from', whoosh.__file__)"

# The fork's test suite, fetched once per version.
fork="$here/fork"
if [ ! -f "$fork/.version" ] || [ "$(cat "$fork/.version")" != "$FORK_VERSION" ]; then
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    "$venv/bin/pip" download -q --no-binary :all: --no-deps "whoosh3==$FORK_VERSION" -d "$tmp"
    tar -xzf "$tmp"/*.tar.gz -C "$tmp"
    rm -rf "$fork"
    cp -r "$tmp"/*/tests "$fork"
    for f in "$fork"/test_*.py; do mv "$f" "$fork/test_whoosh_${f##*/test_}"; done
    echo "$FORK_VERSION" > "$fork/.version"
fi

# Left out, not failures: they test the fork's own project (its release script, web site and examples), not
# Whoosh, and read files its source distribution does not ship (scripts/, demo/, examples/). Its integration
# tests (langchain, llamaindex, mcp) run: their pure-Whoosh parts index through the codec, and the parts that
# need langchain-core, llama-index-core or mcp (not installed) skip themselves with that reason.
ignored=(
    test_whoosh_bump_version_script.py  # scripts/bump_version.py
    test_whoosh_site_version_sync.py    # demo/*.html
    test_whoosh_examples_runnable.py    # examples/*.py, as the five below
    test_whoosh_example_acronyms.py
    test_whoosh_example_parallel_indexing.py
    test_whoosh_example_parallel_search.py
    test_whoosh_example_rag_retriever.py
    test_whoosh_example_signed_numbers.py
)
args=()
for f in "${ignored[@]}"; do args+=(--ignore "$fork/$f"); done
# As the fork's pytest settings do: MpWriter forks from a threaded process on purpose.
nofork='ignore:This process .* is multi-threaded, use of fork\(\):DeprecationWarning'
codec="${NEWSEARCH_WHOOSH_CODEC:-news}"

status=0
run() {  # a pytest run; its summary line goes into $summary
    local log rc=0
    log="$(mktemp)"
    "$py" -m pytest -q -p no:cacheprovider -W "$nofork" "$@" 2>&1 | tee "$log" || rc=$?
    summary+=("$(tail -1 "$log" | tr -d '=' | sed 's/^ *//; s/ *$//') (exit $rc)")
    rm -f "$log"
    [ "$rc" = 0 ] || status=1
}
summary=()
echo "== the whoosh3 $FORK_VERSION suite, Whoosh's default codec: $codec"
run "${args[@]}" tests/whoosh_suite/fork
echo "== newsearch's codec tests on whoosh3 $FORK_VERSION"
run tests/test_whoosh_compat.py tests/test_batch_writer.py tests/test_postings_contract.py tests/test_fields.py \
    tests/test_engine.py tests/test_proximity_boosts.py tests/test_indexer.py tests/test_quote_search.py
echo "whoosh3 $FORK_VERSION: its suite ($codec codec, ${#ignored[@]} files left out): ${summary[0]}"
echo "whoosh3 $FORK_VERSION: newsearch's codec tests: ${summary[1]}"
exit "$status"
