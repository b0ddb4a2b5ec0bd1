"""The scheduled reindexing job: `newsearch schedule --every 10m` or `--cron "*/10 * * * *"`.

Runs the incremental indexer on a schedule in the foreground (for a container or a systemd service),
logs one line per run, survives a failing run, and on SIGTERM or Ctrl-C stops taking new runs and lets
the run in progress finish (every file's reading is time-limited, so it does finish); a second signal
stops that run at the next file, leaving the index as it was (a writer killed outright would also leave
the last commit intact, see search/WHOOSH.md, but finishing is kinder to the next run). APScheduler does the timing.
"""

from __future__ import annotations

import json
import logging
import re
import signal
import threading
from collections.abc import Callable
from typing import Any

from apscheduler.schedulers.blocking import BlockingScheduler
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from search.config import Settings
from search.errors import IndexLocked, NewsearchError
from search.index.indexer import Indexer, IndexReport
from search.index.publish import describe
from search.index.store import IndexStore

log = logging.getLogger("newsearch.schedule")
_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])", re.I)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """Seconds in a duration like "30s", "10m", "1h", "1h30m" or "90" (seconds); ValueError otherwise."""
    s = text.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", s):
        seconds = float(s)
    else:
        parts = _DURATION.findall(s)
        if not parts or _DURATION.sub("", s).strip():
            raise ValueError(f"not a duration: {text!r} (use e.g. 30s, 10m, 1h, 1h30m)")
        seconds = sum(float(n) * _UNITS[u.lower()] for n, u in parts)
    if seconds <= 0:
        raise ValueError("the interval must be longer than zero")
    return seconds


def trigger_for(every: str | None, cron: str | None) -> IntervalTrigger | CronTrigger:
    """The APScheduler trigger for --every or --cron (exactly one of them)."""
    if bool(every) == bool(cron):
        raise ValueError("give either --every or --cron")
    if every:
        return IntervalTrigger(seconds=parse_duration(every))
    try:
        return CronTrigger.from_crontab(cron)
    except ValueError as e:
        raise ValueError(f"not a crontab expression: {cron!r} ({e})") from None


class ReindexJob:
    """One scheduled unit of work: an incremental (or full) indexer run that never raises."""

    def __init__(self, settings: Settings, full: bool = False, lock_wait: float = 0.0,
                 on_report: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.settings = settings
        self.full = full
        self.lock_wait = lock_wait
        self.on_report = on_report
        self.runs = 0
        self.failures = 0
        self.stop_now = threading.Event()  # set: the run in progress stops at the next file, changing nothing

    def __call__(self) -> None:
        self.runs += 1
        try:
            report = Indexer(self.settings).run(full=self.full, lock_wait=self.lock_wait, stop=self.stop_now).to_dict()
        except IndexLocked as e:
            log.warning("run %d skipped: %s", self.runs, e)
            return
        except NewsearchError as e:
            self.failures += 1
            log.error("run %d failed: %s", self.runs, e)
            return
        except Exception:  # a failing run must not stop the schedule
            self.failures += 1
            log.exception("run %d failed", self.runs)
            return
        failed = report["failed_count"]
        log.info("run %d done in %.2fs: %d added, %d updated, %d deleted, %d unchanged, %d failed; %d articles "
                 "(generation %s)", self.runs, report["duration_s"], report["added"], report["updated"],
                 report["deleted"], report["unchanged"], failed, report["articles"], report["generation"])
        for p in report.get("publish", []):  # a failed publish leaves that replica on its last release
            log.log(logging.ERROR if p["status"] == "failed" else logging.INFO, "run %d: %s", self.runs, describe(p))
        if self.on_report:
            self.on_report(report)


def run_forever(job: ReindexJob, trigger: IntervalTrigger | CronTrigger, run_now: bool = True,
                stop: threading.Event | None = None) -> None:
    """Run the job on the trigger until SIGTERM/SIGINT (or `stop` is set); the run in progress finishes."""
    scheduler = BlockingScheduler(job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None})
    scheduler.add_job(job, trigger, id="reindex", name="reindex")
    if run_now:
        scheduler.add_job(job, id="reindex-now", name="first run")

    signals = []

    def shut_down(signum: int, _frame: object) -> None:
        signals.append(signum)
        if len(signals) > 1:  # a second signal while waiting: stop the run now (the index stays as it was)
            log.info("received %s again: stopping the run in progress now", signal.Signals(signum).name)
            job.stop_now.set()
            return
        log.info("received %s: finishing the run in progress, then stopping (send it again to stop the run now)",
                 signal.Signals(signum).name)
        scheduler.shutdown(wait=True)  # returns once the running job (if any) has finished

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, shut_down)
        signal.signal(signal.SIGINT, shut_down)
    if stop is not None:
        threading.Thread(target=lambda: (stop.wait(), scheduler.shutdown(wait=True)), daemon=True).start()
    log.info("schedule started: %s", json.dumps(str(trigger)))
    scheduler.start()  # blocks until shut down
    log.info("schedule stopped after %d runs (%d failed)", job.runs, job.failures)


def ensure_index(settings: Settings, log: Callable[[str], None] = print) -> IndexReport | None:
    """Build the index from the corpus when there is none yet; None when one exists or none could be built.

    A first build that refuses (no corpus folder) or fails is logged, and the server starts anyway: it answers
    503 until an indexing job builds the index, rather than never binding its port.
    """
    if IndexStore(settings.index).current() is not None:
        return None
    log(f"no index at {settings.index}: building one from {settings.corpus} …")
    try:
        report = Indexer(settings).run(full=True)
    except IndexLocked:
        log("another indexing job is building the index: serving 503 until it has finished")
        return None
    except NewsearchError as e:
        log(f"no index could be built ({e}): serving 503 until `newsearch index` builds one")
        return None
    log(f"indexed {report.articles} articles in {report.duration_s:.1f}s ({report.failed_count} files failed)")
    return report
