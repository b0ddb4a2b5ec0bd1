"""Replicas: copy the live build and generation of an index root to other index roots (`newsearch publish`).

A destination is a local path (shared storage) or `host:path` (rsync over Settings.publish_rsh, ssh by default).
Both get the same steps: a shell script prepares the replica (mkdir, readlink, removal of a copy an interrupted
publish left), rsync copies the build into a new release with --link-dest on the previous one (segment files are
immutable, so unchanged ones become hard links and only new files travel), and a second script makes it live
with the atomic symlink swap the full rebuild uses. The replica is a normal index root `newsearch serve` serves:

    DEST/current -> releases/<build>.g<generation>/<build>   the build id (the folder's name) is the primary's,
                                                             so cursors and ETags hold across nodes
    DEST/releases/<build>.g<generation>/<build>/             a complete copy of one build (quotes/ included)
    DEST/releases/.incoming-<random>/                        a copy in progress: never live
    DEST/runs.json, DEST/published.json                      the primary's runs; what was published, when, from

Call with the primary's job lock held, so no incremental commit changes the build while it is copied.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import subprocess
import time
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index

from search.config import Settings
from search.errors import IndexMissing, RunRefused
from search.index.store import KEEP_RUNS, PUBLISHED, RUNS, IndexStore

RELEASES = "releases"
EXCLUDE = ("*_WRITELOCK", "*_LOCK", ".lock", ".runs.lock")  # Whoosh's and our lock files: the replica never writes
TIMEOUT_S = 3600.0  # one destination's whole publish


@dataclass
class PublishResult:
    """What publishing to one destination did (status ok | current | failed)."""

    dest: str
    status: str = "ok"
    error: str | None = None
    bytes: int = 0  # the size of the files copied (rsync's "Total transferred file size")
    files: int = 0  # files copied; unchanged ones are hard links to the previous release
    duration_s: float = 0.0
    release: str = ""

    def to_dict(self) -> dict[str, Any]:
        """The result as the run report and `newsearch publish --json` show it."""
        return asdict(self)


class PublishFailed(Exception):
    """One step of a publish failed: the replica stays on its last good release."""


def describe(result: dict[str, Any]) -> str:
    """One publish result (PublishResult.to_dict()) in a line, as `newsearch publish`, `newsearch index` and the
    schedule's log say it; a failure's line starts with "FAILED"."""
    if result["status"] == "ok":
        return (f"published {result['release']} to {result['dest']} in {result['duration_s']:.1f}s: "
                f"{result['files']} files, {result['bytes']:,} bytes copied")
    if result["status"] == "current":
        return f"{result['dest']} already serves {result['release']}: nothing copied"
    return f"FAILED to publish {result['release']} to {result['dest']}: {result['error']}"


def destinations(text: str) -> list[str]:
    """The destinations of Settings.publish (comma-separated), in order."""
    return [d.strip() for d in text.split(",") if d.strip()]


def split_dest(dest: str) -> tuple[str | None, str]:
    """(host, path) of `host:path`, or (None, path) for a local path (one with a / before any colon)."""
    m = re.fullmatch(r"([^/:]+):(.*)", dest)
    if m and not dest.startswith("."):
        return m.group(1), m.group(2) or "."
    return None, dest


def refuse_replica(root: Path) -> None:
    """RunRefused on a replica (a root with published.json): its builds come from `newsearch publish`."""
    if (Path(root) / PUBLISHED).is_file():
        raise RunRefused(f"{root} is a replica (it has {PUBLISHED}): its index is copied from the indexing node by "
                         "`newsearch publish`; index on that node instead. The index was not changed")


def publish_all(settings: Settings, dests: list[str], pending: dict[str, Any] | None = None) -> list[PublishResult]:
    """Publish the live build of settings.index to every destination (the job lock must be held). `pending` is
    the report of the run publishing it (not yet in runs.json): the replicas' runs.json includes it."""
    store = IndexStore(settings.index)
    build = store.current()
    if build is None:
        raise IndexMissing(f"no index at {settings.index}: run `newsearch index` first")
    generation = whoosh_index.open_dir(str(build)).latest_generation()
    runs = store.root / RUNS
    if pending is not None:
        runs = store.root / f".{RUNS}.publish"
        runs.write_text(json.dumps((store.runs() + [pending])[-KEEP_RUNS:], ensure_ascii=False), encoding="utf-8")
    try:
        return [publish_one(settings, store, build, generation, dest, runs) for dest in dests]
    finally:
        if pending is not None:
            runs.unlink(missing_ok=True)


def publish_one(settings: Settings, store: IndexStore, build: Path, generation: int, dest: str,
                runs: Path | None = None) -> PublishResult:
    """Copy one build and generation to one destination and make it live there, with `runs` (default: the
    root's runs.json) as its runs.json; never raises."""
    t0 = time.monotonic()
    release = f"{build.name}.g{generation}"
    result = PublishResult(dest=dest, release=release)
    deadline = t0 + TIMEOUT_S
    try:
        remote = Replica(settings, dest, deadline)
        root, live = remote.prepare()
        if live == f"{RELEASES}/{release}/{build.name}":
            result.status = "current"
        else:
            incoming = f".incoming-{uuid.uuid4().hex[:8]}"
            # rsync creates .incoming-*/<build>/; files in the previous release's <build>/ are linked, not sent
            previous = [f"{root}/{live.rsplit('/', 1)[0]}"] if live.startswith(f"{RELEASES}/") else []
            result.files, result.bytes = remote.copy(str(build), f"{root}/{RELEASES}/{incoming}/", previous)
            runs = runs or store.root / RUNS
            if runs.is_file():
                remote.copy(str(runs), f"{root}/{RELEASES}/{incoming}/{RUNS}", [])
            stamp = {"build": build.name, "generation": generation, "published": datetime.now(UTC).isoformat(
                timespec="seconds"), "from": f"{socket.gethostname()}:{store.root.resolve()}"}
            remote.activate(incoming, release, build.name, live, stamp)
    except PublishFailed as e:
        result.status, result.error = "failed", str(e)
    result.duration_s = round(time.monotonic() - t0, 3)
    return result


class Replica:
    """The steps run on one destination: shell scripts (through publish_rsh for host:path) and rsync."""

    def __init__(self, settings: Settings, dest: str, deadline: float) -> None:
        self.settings, self.dest, self.deadline = settings, dest, deadline
        self.host, self.path = split_dest(dest)

    def prepare(self) -> tuple[str, str]:
        """Create the replica's folders, remove a copy an interrupted publish left; (its absolute path, where
        `current` points relative to it, "" when nothing is live)."""
        out = self._sh(f"""set -e
mkdir -p {shlex.quote(self.path)}/{RELEASES}
cd {shlex.quote(self.path)}
rm -rf {RELEASES}/.incoming-* .current-*
pwd -P
readlink current || true
""")
        lines = out.splitlines() + [""]
        return lines[0], lines[1].strip()

    def copy(self, source: str, target: str, link_dest: list[str]) -> tuple[int, int]:
        """rsync source to target on the replica (hard links to the same files in link_dest); (files, bytes)."""
        cmd = ["rsync", "-a", "--stats", *(f"--exclude={x}" for x in EXCLUDE),
               *(f"--link-dest={d}" for d in link_dest)]
        if self.settings.publish_bwlimit_kb > 0:
            cmd.append(f"--bwlimit={self.settings.publish_bwlimit_kb}")
        if self.host is not None:
            cmd += ["-e", self.settings.publish_rsh]
        out = self._run([*cmd, source, f"{self.host}:{target}" if self.host is not None else target], "rsync")
        files = re.search(r"Number of regular files transferred: ([\d,]+)", out)
        size = re.search(r"Total transferred file size: ([\d,]+)", out)
        return tuple(int(m.group(1).replace(",", "")) if m else 0 for m in (files, size))  # type: ignore[return-value]

    def activate(self, incoming: str, release: str, build: str, previous: str, stamp: dict[str, Any]) -> None:
        """Make the copied release live (temporary symlink, renamed over `current`), then keep it and the
        previous release only."""
        keep = {release} | ({previous.split("/")[1]} if previous.startswith(f"{RELEASES}/") else set())
        tmp = f".current-{uuid.uuid4().hex[:8]}"
        q = shlex.quote
        self._sh(f"""set -e
cd {q(self.path)}
if [ -f {RELEASES}/{incoming}/{RUNS} ]; then mv -f {RELEASES}/{incoming}/{RUNS} {RUNS}; fi
rm -rf {RELEASES}/{q(release)}
mv {RELEASES}/{incoming} {RELEASES}/{q(release)}
ln -s {q(f"{RELEASES}/{release}/{build}")} {tmp}
mv -T {tmp} current
printf '%s' {q(json.dumps(stamp))} > .{PUBLISHED}.tmp
mv -f .{PUBLISHED}.tmp {PUBLISHED}
for d in {RELEASES}/*; do
  case "${{d#{RELEASES}/}}" in {"|".join(q(k) for k in sorted(keep))}) ;; *) rm -rf "$d" ;; esac
done
""")

    def _sh(self, script: str) -> str:
        """Run a shell script on the replica: `sh -c` here, or through publish_rsh on its host."""
        if self.host is None:
            return self._run(["sh", "-c", script], "a shell step")
        return self._run([*shlex.split(self.settings.publish_rsh), self.host, f"sh -c {shlex.quote(script)}"],
                         f"a shell step through {self.settings.publish_rsh}")

    def _run(self, cmd: list[str], what: str) -> str:
        left = self.deadline - time.monotonic()
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=max(1.0, left),
                                  env={**os.environ, "LC_ALL": "C"})
        except subprocess.TimeoutExpired:
            raise PublishFailed(f"{what} took longer than {TIMEOUT_S:.0f}s") from None
        except OSError as e:
            raise PublishFailed(f"{what} could not start: {e.strerror or e}") from None
        if done.returncode != 0:
            detail = " ".join(done.stderr.split())[-300:] or "no message"
            raise PublishFailed(f"{what} exited with {done.returncode}: {detail}")
        return done.stdout
