"""Fuzzing the indexer with hypothesis: corpora of random file names (any bytes), random bytes, random text and
random JSON records. Whatever they hold, the run succeeds and every file ends up indexed, reported as
failed (with a reason) or listed as skipped — none vanishes — and a second run agrees with the first.

CI runs a fixed set of examples (derandomized, so a red build is reproducible); `HYPOTHESIS_PROFILE=fuzz`
explores many more.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.config import Settings
from search.engine.engine import Engine
from search.index.indexer import Indexer
from search.index.store import IndexStore
from search.ingest import escape_name

settings.register_profile("ci", max_examples=25, deadline=None, derandomize=True,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.register_profile("fuzz", max_examples=400, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

SUFFIXES = [".txt", ".html", ".json", ".jsonl", ".txt.gz", ".json.gz", ".gz", ".pdf", ""]
FIELDS = ["headline", "title", "body", "text", "paragraphs", "section", "author", "authors", "published", "date",
          "captions", "images", "url", "quotes", "blockquotes", "record", "id"]

name_bytes = st.binary(min_size=1, max_size=24).map(lambda b: b.replace(b"/", b"_").replace(b"\x00", b"_")) \
    .filter(lambda b: b not in (b".", b".."))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-2**70, 2**70), st.floats(allow_nan=True),
                    st.text(max_size=60), st.sampled_from(["2011-12-05", "9999-12-31T23:00:00-05:00", "0001-01-01",
                                                           "December 5, 2011 2:30 PM EST", "1e400", "-1"]))
values = st.recursive(scalars, lambda kids: st.one_of(st.lists(kids, max_size=4),
                                                      st.dictionaries(st.sampled_from(FIELDS + ["text", "name"]),
                                                                      kids, max_size=4)), max_leaves=12)
records = st.dictionaries(st.sampled_from(FIELDS), values, max_size=6)


@st.composite
def contents(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["bytes", "text", "json", "jsonl", "html", "gzip"]))
    if kind == "bytes":
        return draw(st.binary(max_size=400))
    if kind == "text":
        return draw(st.text(max_size=400)).encode("utf-8", "surrogatepass")
    if kind == "json":
        return json.dumps(draw(st.one_of(records, st.lists(records, max_size=3), values))).encode()
    if kind == "jsonl":
        lines = draw(st.lists(st.one_of(records.map(json.dumps), st.text(max_size=30)), max_size=4))
        return "\n".join(lines).encode("utf-8", "surrogatepass")
    if kind == "html":
        head = draw(st.text(max_size=40))
        body = draw(st.text(max_size=200))
        depth = draw(st.integers(0, 300))
        return (f"<html><head><title>{head}</title></head><body>" + "<div>" * depth + f"<p>{body}</p>"
                + "</div>" * draw(st.integers(0, depth)) + "</body></html>").encode("utf-8", "surrogatepass")
    return gzip.compress(draw(st.binary(max_size=200)))[: draw(st.integers(0, 300))]


corpora = st.dictionaries(st.tuples(st.booleans(), name_bytes, st.sampled_from(SUFFIXES)), contents(),
                          min_size=1, max_size=8)


@given(files=corpora)
def test_every_file_is_indexed_or_reported(tmp_path_factory: pytest.TempPathFactory, files: dict) -> None:
    root = tmp_path_factory.mktemp("fuzz")
    corpus = root / "corpus"
    (corpus / "sub").mkdir(parents=True)
    expected: set[str] = set()
    for (nested, name, suffix), data in files.items():
        raw = name + suffix.encode()
        folder = os.fsencode(corpus / "sub") if nested else os.fsencode(corpus)
        path = os.path.join(folder, raw)
        with open(path, "wb") as f:
            f.write(data)
        expected.add(escape_name(os.fsdecode(os.path.relpath(path, os.fsencode(corpus)))))
    settings_ = Settings.from_env(index=root / "index", corpus=corpus)
    try:
        for run in range(2):
            report = Indexer(settings_, workers=1).run()
            assert report.status == "ok"
            manifest = IndexStore(settings_.index).load_manifest(IndexStore(settings_.index).current()) or {}
            indexed = {k for k, e in manifest.items() if e.get("articles")}
            failed = {f["path"] for f in report.failed}
            skipped = {s["path"] for s in report.skipped}
            assert all(f["reason"] for f in report.failed)
            assert expected <= indexed | failed | skipped | ({k for k in manifest} if run else set()), \
                sorted(expected - indexed - failed - skipped)
            assert report.articles == sum(int(e.get("articles") or 0) for e in manifest.values())
            assert Engine(settings_).count() == report.articles
    finally:
        shutil.rmtree(root, ignore_errors=True)
