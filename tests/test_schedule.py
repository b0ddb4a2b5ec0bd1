"""`newsearch schedule` as a real process: runs the job at the set interval, survives failing runs,
stops on SIGTERM after finishing the run in progress; durations and crontab expressions are checked."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from search.index.schedule import parse_duration, trigger_for
from search.index.store import IndexStore

from .conftest import REPO


@pytest.mark.parametrize(("text", "seconds"), [("30s", 30), ("10m", 600), ("1h", 3600), ("1h30m", 5400),
                                               ("90", 90), ("0.5s", 0.5), ("2d", 172800)])
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "ten minutes", "10x", "-5m", "0s", "m10"])
def test_bad_durations_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


def test_cron_and_every_are_exclusive_and_cron_is_checked() -> None:
    assert "cron" in str(trigger_for(None, "*/10 * * * *")).lower()
    for every, cron in ((None, None), ("10m", "* * * * *"), (None, "every ten minutes")):
        with pytest.raises(ValueError):
            trigger_for(every, cron)


def start(env: dict[str, str], *args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "search", "schedule", *args], env=env, cwd=REPO,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_for(predicate, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_schedule_runs_at_the_interval_picks_up_changes_and_stops_on_sigterm(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Lighthouse keeper retires\n\nThe keeper of Skerry light has retired.\n")
    env = dict(os.environ, NEWSEARCH_INDEX=str(tmp_path / "index"), NEWSEARCH_CORPUS=str(corpus))
    store = IndexStore(tmp_path / "index")
    proc = start(env, "--every", "1s")
    try:
        wait_for(lambda: len(store.runs()) >= 3)
        (corpus / "b.txt").write_text("Ferry returns\n\nThe island ferry sails again.\n")
        wait_for(lambda: any(r["added"] == 1 and r["mode"] == "incremental" for r in store.runs()))
        runs = store.runs()
        starts = [time.mktime(time.strptime(r["started"][:19], "%Y-%m-%dT%H:%M:%S")) for r in runs]
        assert max(b - a for a, b in zip(starts, starts[1:], strict=False)) <= 3  # about one a second
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert "received SIGTERM" in err and "schedule stopped after" in err
    assert "Traceback" not in err
    assert runs[-1]["articles"] == 2


def test_a_failing_run_does_not_stop_the_schedule(tmp_path: Path) -> None:
    index = tmp_path / "index"
    index.mkdir()
    (index / "builds").write_text("not a folder")  # every run fails: the index cannot be written
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("Headline\n\nBody.\n")
    env = dict(os.environ, NEWSEARCH_INDEX=str(index), NEWSEARCH_CORPUS=str(corpus))
    proc = start(env, "--every", "0.5s")
    time.sleep(4)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert err.count("failed") >= 3  # it kept trying
    assert "schedule stopped after" in err


def test_sigterm_lets_the_run_in_progress_finish(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    lines = [json.dumps({"headline": f"Story {i}", "body": "harbour ferry council " * 150}) for i in range(4000)]
    (corpus / "bulk.jsonl").write_text("\n".join(lines))
    env = dict(os.environ, NEWSEARCH_INDEX=str(tmp_path / "index"), NEWSEARCH_CORPUS=str(corpus))
    proc = start(env, "--every", "1h")
    time.sleep(2.5)  # the first run is under way
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    runs = IndexStore(tmp_path / "index").runs()
    assert len(runs) == 1 and runs[0]["articles"] == 4000  # it finished, whole
