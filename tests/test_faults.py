"""Faults, as an operator meets them, on real files and real `newsearch` processes: a corpus folder that is
missing or emptied, odd files and names, links out of the corpus, FIFOs and devices, slow files, a damaged
index. Each fault is reproduced, and the test asserts what the user then sees (exit status, message,
report, status, search results) — and that nothing was lost."""

from __future__ import annotations

import ctypes
import gzip
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from search.config import Settings
from search.engine.engine import Engine
from search.index.indexer import Indexer
from search.index.store import IndexStore

from .conftest import REPO, http, newsearch, serving

ARTICLES = {
    "harbour.txt": "Harbour wall repaired\n\nThe harbour wall at Portmain was repaired after the storm.\n",
    "ferry.txt": "Ferry returns to service\n\nThe island ferry sails again after a month in dock.\n",
    "library.txt": "Library opens late\n\nThe town library now opens until nine on weekdays.\n",
    "sub/market.txt": "Market moves square\n\nThe Saturday market moves to the cathedral square.\n",
}


def write_articles(corpus: Path, articles: dict[str, str] = ARTICLES) -> None:
    for name, text in articles.items():
        (corpus / name).parent.mkdir(parents=True, exist_ok=True)
        (corpus / name).write_text(text, encoding="utf-8")


def report_of(out: subprocess.CompletedProcess) -> dict:
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def headlines(env: dict[str, str], q: str) -> list[str]:
    out = newsearch("search", "--json", "--page-size", "100", q, env=env)
    assert out.returncode == 0, out.stderr
    return [r["headline"] for r in json.loads(out.stdout)["results"]]


def runs(env: dict[str, str]) -> list[dict]:
    return IndexStore(Path(env["NEWSEARCH_INDEX"])).runs()


@pytest.fixture()
def indexed(env: dict[str, str]) -> dict[str, str]:
    """The env of a corpus of four articles, indexed."""
    write_articles(Path(env["NEWSEARCH_CORPUS"]))
    assert report_of(newsearch("index", "--json", env=env))["articles"] == 4
    return env


# -- 1. the index is never emptied by accident ------------------------------------------------------
@pytest.mark.parametrize("mode", [[], ["--full"]])
def test_a_missing_corpus_folder_is_refused_and_changes_nothing(indexed: dict[str, str], mode: list[str]) -> None:
    corpus = Path(indexed["NEWSEARCH_CORPUS"])
    corpus.rename(corpus.with_name("corpus.unmounted"))
    out = newsearch("index", *mode, env=indexed)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "refused" in out.stderr and "does not exist" in out.stderr and "not changed" in out.stderr
    assert len(headlines(indexed, "")) == 4
    last = runs(indexed)[-1]
    assert last["status"] == "refused" and "does not exist" in last["error"]
    status = newsearch("status", env=indexed)
    assert "REFUSED" in status.stdout and "does not exist" in status.stdout


def test_an_emptied_corpus_folder_is_refused_unless_allowed(indexed: dict[str, str]) -> None:
    corpus = Path(indexed["NEWSEARCH_CORPUS"])
    shutil.rmtree(corpus)
    corpus.mkdir()
    (corpus / "notes.pdf").write_bytes(b"%PDF-1.4")  # not an article file: the folder is still empty of them
    for mode in ([], ["--full"]):
        out = newsearch("index", *mode, env=indexed)
        assert out.returncode == 1 and "holds no article files" in out.stderr and "--allow-delete" in out.stderr
        assert len(headlines(indexed, "")) == 4
    report = report_of(newsearch("index", "--json", "--allow-delete", env=indexed))
    assert report["deleted"] == 4 and report["articles"] == 0


def test_removing_more_than_the_set_share_is_refused(indexed: dict[str, str]) -> None:
    corpus = Path(indexed["NEWSEARCH_CORPUS"])
    for name in ("harbour.txt", "ferry.txt", "library.txt"):
        (corpus / name).unlink()
    out = newsearch("index", env=indexed)
    assert out.returncode == 1 and "would remove 3 of the 4 articles" in out.stderr
    assert len(headlines(indexed, "")) == 4
    full = newsearch("index", "--full", env=indexed)  # a rebuild that would lose them is refused as well
    assert full.returncode == 1 and "would remove 3 of the 4 articles" in full.stderr
    assert len(list(IndexStore(Path(indexed["NEWSEARCH_INDEX"])).builds.iterdir())) == 1  # no build left over
    assert report_of(newsearch("index", "--json", env={**indexed, "NEWSEARCH_MAX_DELETE_SHARE": "0.8"}))[
        "articles"] == 1
    assert runs(indexed)[-3]["status"] == "refused" and runs(indexed)[-1]["status"] == "ok"


def test_removing_up_to_the_share_is_an_ordinary_run(indexed: dict[str, str]) -> None:
    (Path(indexed["NEWSEARCH_CORPUS"]) / "ferry.txt").unlink()
    report = report_of(newsearch("index", "--json", env=indexed))
    assert report["deleted"] == 1 and report["articles"] == 3 and report["status"] == "ok"


def _without_file_permission_override() -> None:
    """In the child: drop root's power to read any file, so that chmod 000 means unreadable (CI runs as root)."""
    if os.geteuid() == 0:
        libc = ctypes.CDLL(None, use_errno=True)
        for cap in (1, 2):  # CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH
            libc.prctl(24, cap, 0, 0, 0)  # PR_CAPBSET_DROP: gone from the capabilities of what is exec'd


def newsearch_unprivileged(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "search", *args], capture_output=True, text=True, env=env,
                          timeout=120, cwd=REPO, preexec_fn=_without_file_permission_override)


def test_an_unreadable_subfolder_keeps_its_articles_and_is_reported(indexed: dict[str, str]) -> None:
    sub = Path(indexed["NEWSEARCH_CORPUS"]) / "sub"
    sub.chmod(0)
    try:
        probe = subprocess.run(["ls", str(sub)], capture_output=True, preexec_fn=_without_file_permission_override)
        if probe.returncode == 0:
            pytest.skip("cannot make a folder unreadable here (permissions are not enforced)")
        for mode in ([], ["--full"]):
            out = newsearch_unprivileged("index", "--json", *mode, env=indexed)
            report = report_of(out)
            assert report["articles"] == 4 and report["deleted"] == 0
            assert any(f["path"] == "sub" and "folder cannot be read" in f["reason"] for f in report["failed"])
            assert headlines(indexed, "market") == ["Market moves square"]
    finally:
        sub.chmod(0o755)


# -- 2. one file never stops a run; 3. only the corpus is read ----------------------------------------
def test_odd_files_are_reported_and_the_rest_indexed(env: dict[str, str], tmp_path: Path) -> None:
    corpus = Path(env["NEWSEARCH_CORPUS"])
    write_articles(corpus)
    secret = tmp_path / "secret.txt"
    secret.write_text("Secret headline\n\nroot:$6$hash:19000:0:99999:7:::\n")
    (corpus / "leak.txt").symlink_to(secret)  # a link out of the corpus: /etc/shadow, say
    (corpus / "zero.txt").symlink_to("/dev/zero")  # never ends
    (corpus / "loop-a.txt").symlink_to("loop-b.txt")
    (corpus / "loop-b.txt").symlink_to("loop-a.txt")
    (corpus / "dangling.txt").symlink_to("nowhere.txt")
    (corpus / "inside.txt").symlink_to("harbour.txt")  # a link within the corpus is followed
    (corpus / "subdir-link").symlink_to(corpus / "sub")
    os.mkfifo(corpus / "pipe.txt")  # opening it would block forever
    (corpus / os.fsdecode(b"caf\xe9 \x1b[31m.txt")).write_text("Cafe reopens\n\nThe cafe reopened on Monday.\n")
    (corpus / os.fsdecode(b"empty\xff\\.txt")).write_bytes(b"")
    (corpus / "dates.jsonl").write_text(
        '{"headline": "Lone surrogate", "body": "Text with a broken \\ud800 escape."}\n'
        '{"headline": "Dated badly", "body": "A body.", "published": "9999-12-31T23:00:00-05:00"}\n')
    out = subprocess.run([sys.executable, "-m", "search", "index", "--json"], capture_output=True, text=True,
                         env=env, cwd=REPO, timeout=120)
    report = report_of(out)
    reasons = {f["path"]: f["reason"] for f in report["failed"]}
    assert "outside the corpus" in reasons["leak.txt"] and "outside the corpus" in reasons["zero.txt"]
    assert "loop" in reasons["loop-a.txt"] and "loop" in reasons["loop-b.txt"]
    assert "broken symbolic link" in reasons["dangling.txt"] and "FIFO" in reasons["pipe.txt"]
    assert any("symbolic link to a folder" in s["reason"] for s in report["skipped"] if s["path"] == "subdir-link")
    assert headlines(env, "secret") == [] and headlines(env, "hash") == []
    assert sorted(headlines(env, "cafe")) == ["Cafe reopens"]
    assert "Lone surrogate" in headlines(env, "broken escape")
    assert "Dated badly" in headlines(env, "body")
    assert sorted(headlines(env, "harbour")) == ["Harbour wall repaired", "Harbour wall repaired"]  # and its link
    # odd names are shown escaped (no raw bytes, no terminal escapes), and a backslash is escaped too
    assert "empty\\xff\\\\.txt" in reasons
    settings = Settings.from_env(index=Path(env["NEWSEARCH_INDEX"]), corpus=corpus)
    cafe = json.loads(newsearch("search", "--json", "cafe", env=env).stdout)["results"][0]
    assert Engine(settings).article(cafe["id"])["path"] == "caf\\xe9 \\u001b[31m.txt"
    shown = newsearch("status", "--json", env=env).stdout
    assert str(secret) not in shown and "secret" not in shown.lower()
    again = report_of(newsearch("index", "--json", env=env))
    assert again["status"] == "ok" and again["deleted"] == 0


def test_a_file_that_takes_too_long_is_stopped_and_reported(env: dict[str, str]) -> None:
    corpus = Path(env["NEWSEARCH_CORPUS"])
    write_articles(corpus)
    para = ('"We will rebuild the harbour wall before winter," said Marta Quist, the harbour master. ' * 20) + "\n\n"
    (corpus / "huge.txt").write_text("Huge record\n\n" + para * (12 * 1024 * 1024 // len(para)))
    t0 = time.monotonic()
    report = report_of(newsearch("index", "--json", env={**env, "NEWSEARCH_FILE_TIMEOUT_S": "0.2"}))
    assert time.monotonic() - t0 < 60
    assert [f["path"] for f in report["failed"]] == ["huge.txt"]
    assert "longer than the 0.2 s limit" in report["failed"][0]["reason"]
    assert report["articles"] == 4


def test_unsupported_files_are_listed_as_skipped(env: dict[str, str]) -> None:
    corpus = Path(env["NEWSEARCH_CORPUS"])
    write_articles(corpus)
    (corpus / "report.pdf").write_bytes(b"%PDF-1.4 ...")
    (corpus / "letter.docx").write_bytes(b"PK\x03\x04")
    (corpus / "fake.gz").write_bytes(gzip.compress(b"just text"))
    (corpus / "README").write_text("notes")
    (corpus / ".DS_Store").write_bytes(b"\x00\x00")
    report = report_of(newsearch("index", "--json", env=env))
    skipped = {s["path"]: s["reason"] for s in report["skipped"]}
    assert skipped == {".DS_Store": "hidden", "README": "unsupported file type", "fake.gz": "unsupported file type",
                       "letter.docx": "unsupported file type", "report.pdf": "unsupported file type"}
    assert report["skipped_count"] == 5 and report["articles"] == 4
    human = newsearch("status", env=env).stdout
    assert "skipped (5)" in human and "report.pdf" in human


def test_content_changed_in_place_with_size_and_mtime_kept_is_found(indexed: dict[str, str]) -> None:
    path = Path(indexed["NEWSEARCH_CORPUS"]) / "ferry.txt"
    before = path.stat()
    text = path.read_text().replace("sails again", "sinks again")  # same length
    time.sleep(0.01)
    path.write_text(text)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size and path.stat().st_mtime_ns == before.st_mtime_ns
    report = report_of(newsearch("index", "--json", env=indexed))
    assert report["updated"] == 1
    assert headlines(indexed, "sinks") == ["Ferry returns to service"]


def test_a_failing_file_keeps_its_articles(indexed: dict[str, str]) -> None:
    path = Path(indexed["NEWSEARCH_CORPUS"]) / "library.txt"
    path.write_bytes(b"\x00\x01\x02 binary now")
    report = report_of(newsearch("index", "--json", env=indexed))
    assert report["kept"] == 1 and report["articles"] == 4
    assert "kept" in report["failed"][0]["reason"]
    assert headlines(indexed, "library") == ["Library opens late"]
    report = report_of(newsearch("index", "--json", "--full", env=indexed))  # a rebuild keeps them too
    assert report["kept"] == 1 and headlines(indexed, "library") == ["Library opens late"]


# -- 7. every run is recorded; reports stay small --------------------------------------------------
def test_every_run_is_recorded_and_reports_stay_small(indexed: dict[str, str]) -> None:
    corpus = Path(indexed["NEWSEARCH_CORPUS"])
    (corpus / "broken.jsonl").write_text("\n".join(["{not json"] * 10_000 + ['{"headline": "One good line"}']))
    for n in range(60):
        (corpus / f"empty-{n}.txt").write_bytes(b"")
    report = report_of(newsearch("index", "--json", env=indexed))
    assert report["failed_count"] == 61
    broken = next(f for f in report["failed"] if f["path"] == "broken.jsonl")
    assert "and 9995 more problems" in broken["reason"] and len(broken["reason"]) < 2000
    stored = runs(indexed)[-1]
    assert len(stored["failed"]) == 50 and stored["failed_count"] == 61
    assert (Path(indexed["NEWSEARCH_INDEX"]) / "runs.json").stat().st_size < 100_000
    assert "and 11 more" in newsearch("status", env=indexed).stdout


def test_a_run_refused_by_the_lock_is_recorded(indexed: dict[str, str]) -> None:
    import fcntl

    fd = os.open(Path(indexed["NEWSEARCH_INDEX"]) / ".lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        out = newsearch("index", env=indexed)
    finally:
        os.close(fd)
    assert out.returncode == 75
    assert runs(indexed)[-1]["status"] == "skipped" and "another indexing job" in runs(indexed)[-1]["error"]


def test_schedule_stops_on_sigterm_and_a_second_one_stops_the_run(env: dict[str, str]) -> None:
    corpus = Path(env["NEWSEARCH_CORPUS"])
    para = ('"We will rebuild the harbour wall before winter," said Marta Quist, the harbour master. ' * 20) + "\n\n"
    for n in range(40):
        (corpus / f"long-{n}.txt").write_text(f"Long record {n}\n\n" + para * 400)
    proc = subprocess.Popen([sys.executable, "-m", "search", "schedule", "--every", "1h"], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    time.sleep(3)
    assert proc.poll() is None
    proc.send_signal(signal.SIGTERM)
    time.sleep(0.5)
    proc.send_signal(signal.SIGTERM)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    assert "stopping the run in progress now" in out and "schedule stopped" in out
    last = runs(env)[-1]
    assert last["status"] == "stopped"
    assert IndexStore(Path(env["NEWSEARCH_INDEX"])).current() is None  # the first build was abandoned whole


# -- 6. a damaged index is detected and repaired ------------------------------------------------------
def damage(env: dict[str, str], pattern: str, how: str) -> None:
    build = IndexStore(Path(env["NEWSEARCH_INDEX"])).current()
    target = next(build.glob(pattern))
    if how == "truncate":
        target.write_bytes(target.read_bytes()[: max(1, target.stat().st_size // 3)])
    else:
        target.unlink()


@pytest.mark.parametrize(("pattern", "how"), [("*.pst", "truncate"), ("*._stored.col", "delete"),
                                              ("_MAIN_*.toc", "truncate")])
def test_a_damaged_index_is_reported_served_as_503_and_rebuilt(indexed: dict[str, str], tmp_path: Path,
                                                              pattern: str, how: str) -> None:
    damage(indexed, pattern, how)
    check = newsearch("status", "--check", env=indexed)
    assert check.returncode == 1 and "Traceback" not in check.stderr
    assert "PROBLEM" in check.stdout or "damaged" in check.stderr
    search = newsearch("search", "harbour", env=indexed)
    assert search.returncode == 1 and "damaged" in search.stderr and "newsearch index --full" in search.stderr
    incremental = newsearch("index", env=indexed)
    assert incremental.returncode == 1 and "index --full" in incremental.stderr
    assert runs(indexed)[-1]["status"] == "failed"
    with serving(indexed, tmp_path / "serve.log") as base:
        status, kind, body = http(base + "/healthz")
        assert status == 503 and json.loads(body)["status"] == "unavailable"
        status, kind, body = http(base + "/api/search?q=harbour")
        assert status == 503 and kind.startswith("application/json")
        assert json.loads(body)["error"]["code"] == "index_damaged"
        status, kind, body = http(base + "/search?q=harbour")
        assert status == 503 and kind.startswith("text/html") and "Traceback" not in body
        assert "repair" in body and str(tmp_path) not in body
        rebuilt = newsearch("index", "--full", env=indexed)
        assert rebuilt.returncode == 0, rebuilt.stderr
        status, _, body = http(base + "/healthz")  # the same workers, on the new build
        assert status == 200 and json.loads(body)["articles"] == 4
        status, _, body = http(base + "/api/search?q=harbour")
        assert status == 200 and json.loads(body)["total"] == 1
    assert newsearch("status", "--check", env=indexed).returncode == 0


def test_full_rebuilds_whatever_the_index_folder_holds(indexed: dict[str, str]) -> None:
    index = Path(indexed["NEWSEARCH_INDEX"])
    store = IndexStore(index)
    for toc in store.current().glob("_MAIN_*.toc"):
        toc.write_bytes(b"\x80\x04garbage")
    (store.current() / "manifest.json").write_text("{not json")
    (index / "runs.json").write_text("[{]")
    assert newsearch("index", "--full", env=indexed).returncode == 0
    assert len(headlines(indexed, "")) == 4
    (index / "current").unlink()
    (index / "current").symlink_to("builds/gone")  # points nowhere
    assert newsearch("index", "--full", env=indexed).returncode == 0
    assert len(headlines(indexed, "")) == 4


def test_a_lost_manifest_is_rebuilt_from_the_index(indexed: dict[str, str]) -> None:
    settings = Settings.from_env(index=Path(indexed["NEWSEARCH_INDEX"]), corpus=Path(indexed["NEWSEARCH_CORPUS"]))
    (IndexStore(settings.index).current() / "manifest.json").unlink()
    (Path(indexed["NEWSEARCH_CORPUS"]) / "ferry.txt").unlink()
    report = Indexer(settings, workers=1).run()
    assert report.deleted == 1 and report.articles == 3  # the deleted file is still found and removed
    assert sorted(headlines(indexed, "")) == ["Harbour wall repaired", "Library opens late", "Market moves square"]


def test_a_file_that_needs_too_much_memory_is_reported(tmp_path: Path) -> None:
    from search.index.reading import read_all

    big = tmp_path / "big.txt"
    quote = '"We will rebuild the harbour wall before winter," said Marta Quist, the harbour master. '
    big.write_text("Big record\n\n" + (quote * 20 + "\n\n") * 28_000)  # 50 MB
    small = tmp_path / "small.txt"
    small.write_text(ARTICLES["harbour.txt"])
    results = list(read_all([("big.txt", big), ("small.txt", small)], 64 * 1024 * 1024, 60, 1,
                            memory_bytes=100 * 1024 * 1024))  # its bytes and its text alone are 100 MB
    assert results[0].docs == [] and "more memory than a reading process may use" in results[0].errors[0]
    assert [d.fields["headline"] for d in results[1].docs] == ["Harbour wall repaired"]  # the next worker reads on
