"""The indexer's reading workers start the same way whatever the interpreter's default start method is (fork on
Linux before Python 3.14, forkserver from 3.14, spawn on macOS): a real build in a subprocess under each."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import CORPUS, REPO

BUILD = """
import json, multiprocessing, sys
from pathlib import Path
multiprocessing.set_start_method(sys.argv[1], force=True)
from search.config import Settings
from search.index.indexer import Indexer
report = Indexer(Settings.from_env({}, index=Path(sys.argv[2]), corpus=Path(sys.argv[3])), workers=2).run(full=True)
print(json.dumps({"added": report.added, "failed": report.failed_count}))
"""


@pytest.mark.parametrize("default", ["fork", "spawn", "forkserver"])
def test_a_full_build_reads_every_file_under_any_default_start_method(tmp_path: Path, default: str) -> None:
    out = subprocess.run([sys.executable, "-c", BUILD, default, str(tmp_path / "index"), str(CORPUS)], cwd=tmp_path,
                         env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    files = [p for p in CORPUS.iterdir() if p.is_file() and not p.name.startswith(".")]
    assert json.loads(out.stdout.splitlines()[-1]) == {"added": len(files), "failed": 0}
