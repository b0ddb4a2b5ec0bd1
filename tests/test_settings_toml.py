"""The TOML settings file, the README's settings table and the pinned installs, as a user meets them: real files,
real `newsearch` subprocesses (`python -m search`), the README and deploy/constraints.txt as shipped."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request
from dataclasses import fields
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from search.config import ENV_PREFIX, Settings

from .conftest import CORPUS, REPO, free_port

README = (REPO / "README.md").read_text(encoding="utf-8")
ARTICLE = "harbour-bridge-reopens-2023.txt"


def newsearch(*args: str, cwd: Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`newsearch ARGS` in `cwd`, with no NEWSEARCH_* variables but those of `env`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    base["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-m", "search", *args], cwd=cwd, env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=300)


def index_shown(*args: str, cwd: Path, env: dict[str, str] | None = None) -> Path:
    """The index folder `newsearch status --json` reports, from `cwd` (it exits 1: there is no index yet)."""
    out = newsearch(*args, "status", "--json", cwd=cwd, env=env)
    shown = Path(json.loads(out.stdout)["index"])
    return shown if shown.is_absolute() else cwd / shown


def toml_literal(value: object) -> str:
    if isinstance(value, str | Path):
        return json.dumps(str(value))
    return repr(value)


def test_readme_table_lists_every_setting_with_its_variable_key_and_default() -> None:
    section = README.split("\n## Settings\n", 1)[1].split("\n## ", 1)[0]
    rows = [[c.strip() for c in line.strip("|").split("|")] for line in section.splitlines()
            if line.startswith("| `NEWSEARCH_")]
    table = {row[0].strip("`"): row for row in rows}
    assert len(table) == len(rows), "a variable is listed twice"
    assert set(table) == {ENV_PREFIX + f.name.upper() for f in fields(Settings)} | {ENV_PREFIX + "CONFIG"}
    for f in fields(Settings):
        _var, key, default, what = table[ENV_PREFIX + f.name.upper()]
        assert key == f"`{f.name}`" and what, f.name
        assert default == f"`{toml_literal(f.default)}`", f"{f.name}: README says {default}, config.py {f.default!r}"
    example = re.search(r"```toml\n(.*?)```", section, re.S)
    assert example and set(tomllib.loads(example.group(1))) <= {f.name for f in fields(Settings)}


def test_precedence_is_command_line_then_environment_then_file_then_default(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    config = tmp_path / "etc" / "newsearch.toml"
    config.write_text('index = "from-file"\n')
    assert index_shown(cwd=tmp_path) == tmp_path / "index"  # no file named, none in the working folder
    assert index_shown("--config", str(config), cwd=tmp_path) == tmp_path / "etc" / "from-file"  # beside the file
    env = {"NEWSEARCH_CONFIG": str(config)}
    assert index_shown(cwd=tmp_path, env=env) == tmp_path / "etc" / "from-file"
    env["NEWSEARCH_INDEX"] = str(tmp_path / "from-env")
    assert index_shown(cwd=tmp_path, env=env) == tmp_path / "from-env"
    assert index_shown("--index", str(tmp_path / "from-cli"), cwd=tmp_path, env=env) == tmp_path / "from-cli"
    other = tmp_path / "other.toml"
    other.write_text('index = "from-other"\n')
    assert index_shown("--config", str(other), cwd=tmp_path, env={"NEWSEARCH_CONFIG": str(config)}) == \
        tmp_path / "from-other"  # --config beats NEWSEARCH_CONFIG


def test_newsearch_toml_in_the_working_folder_is_read(tmp_path: Path) -> None:
    (tmp_path / "newsearch.toml").write_text('index = "here"\n')
    assert index_shown(cwd=tmp_path) == tmp_path / "here"
    (tmp_path / "named.toml").write_text('index = "named"\n')
    assert index_shown(cwd=tmp_path, env={"NEWSEARCH_CONFIG": "named.toml"}) == tmp_path / "named"  # instead


def test_a_missing_named_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "newsearch.toml").write_text('index = "here"\n')
    out = newsearch("status", cwd=tmp_path, env={"NEWSEARCH_CONFIG": str(tmp_path / "none.toml")})
    assert out.returncode == 1 and "none.toml" in out.stderr and "Traceback" not in out.stderr


@pytest.mark.parametrize(("text", "named"), [
    ('index = "i"\nmax_fiel_mb = 3\nworker = 2\n', ["max_fiel_mb", "worker"]),  # unknown keys, all named
    ('max_file_mb = "64"\n', ["max_file_mb", "whole number"]),
    ("file_timeout_s = true\n", ["file_timeout_s", "number"]),
    ("index = 3\n", ["index", "path"]),
    ("[web]\nbind = '0.0.0.0:80'\n", ["web"]),  # no tables: every key at top level
    ('index = "i\n', ["not valid TOML"]),
])
def test_a_bad_file_stops_the_command_naming_the_key(tmp_path: Path, text: str, named: list[str]) -> None:
    config = tmp_path / "bad.toml"
    config.write_text(text)
    out = newsearch("--config", str(config), "status", cwd=tmp_path)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert str(config) in out.stderr
    for word in named:
        assert word in out.stderr


def test_file_settings_reach_the_commands(tmp_path: Path) -> None:
    """A size limit from the file decides what `parse` reads, the environment and --max-file-mb override it; the
    corpus and index it names are where `index` reads and writes, and `search` then finds the article."""
    corpus = tmp_path / "articles"
    corpus.mkdir()
    shutil.copy(CORPUS / ARTICLE, corpus)
    big = corpus / "big.txt"
    big.write_text("A long report\n\n" + "word " * 450_000)  # ~2.2 MB
    config = tmp_path / "newsearch.toml"
    config.write_text('corpus = "articles"\nindex = "idx"\nmax_file_mb = 1\nfile_timeout_s = 120\n')
    out = newsearch("parse", "--json", str(big), cwd=tmp_path)
    assert out.returncode == 1 and "MB" in json.loads(out.stdout)["error"]
    assert newsearch("parse", "--json", str(big), cwd=tmp_path, env={"NEWSEARCH_MAX_FILE_MB": "4"}).returncode == 0
    assert newsearch("parse", "--json", "--max-file-mb", "4", str(big), cwd=tmp_path).returncode == 0
    big.unlink()
    run = newsearch("index", "--json", cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout)["added"] and (tmp_path / "idx").is_dir()
    found = newsearch("search", "--json", "harbour bridge", cwd=tmp_path)
    assert found.returncode == 0, found.stderr
    assert json.loads(found.stdout)["results"][0]["headline"] == "Harbour bridge reopens after two years of repairs"


def test_serve_and_its_workers_read_the_file_given_with_config(tmp_path: Path) -> None:
    """`newsearch --config FILE serve`: the port, the worker count and the request-head deadline (read by gunicorn's
    configuration and its workers) and the corpus and index all come from the file."""
    port = free_port()
    shutil.copytree(CORPUS, tmp_path / "articles")
    config = tmp_path / "site.toml"
    config.write_text(f'corpus = "articles"\nindex = "idx"\nbind = "127.0.0.1:{port}"\nworkers = 1\n'
                      'head_timeout_s = 7\n')
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env["PYTHONPATH"] = str(REPO)
    with log.open("w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "search", "--config", str(config), "serve"], cwd=REPO, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        body = ""
        for _ in range(600):
            assert proc.poll() is None, log.read_text()[-3000:]
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/search?q=harbour+bridge", timeout=5) as r:
                    body = r.read().decode("utf-8")
                break
            except OSError:
                time.sleep(0.2)
        assert json.loads(body)["results"][0]["headline"] == "Harbour bridge reopens after two years of repairs"
        assert (tmp_path / "idx").is_dir()
        assert "1 worker(s)" in log.read_text() and "request heads within 7 s" in log.read_text()
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)


def test_aliases_may_be_a_list_relative_to_the_file(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "mine.toml").write_text('[aliases]\n"Kestrel Courier" = ["the Courier"]\n')
    config = tmp_path / "etc" / "newsearch.toml"
    config.write_text('aliases = ["mine.toml"]\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith(ENV_PREFIX)}
    env["NEWSEARCH_CONFIG"] = str(config)
    assert Settings.from_env(env).aliases_files == [tmp_path / "etc" / "mine.toml"]


# Installs: the README's commands and .ci/run use deploy/constraints.txt, which pins what pyproject requires.

def pinned() -> dict[str, str]:
    lines = (REPO / "deploy" / "constraints.txt").read_text(encoding="utf-8").splitlines()
    reqs = [Requirement(line) for line in lines if line.strip() and not line.startswith("#")]
    assert all(len(r.specifier) == 1 and next(iter(r.specifier)).operator == "==" for r in reqs)
    return {_norm(r.name): next(iter(r.specifier)).version for r in reqs}


def _norm(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_constraints_pin_every_requirement_within_its_range() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = pinned()
    test_tools = [Requirement(r) for r in project["optional-dependencies"]["test"]]
    for req in [Requirement(r) for r in project["dependencies"]] + test_tools:
        assert _norm(req.name) in pins, f"{req.name} is not in deploy/constraints.txt"
        assert req.specifier.contains(pins[_norm(req.name)]), f"{req.name}=={pins[_norm(req.name)]} is not {req}"
    for req in test_tools:
        assert [s.operator for s in req.specifier] == ["=="], f"test tool {req} is not pinned exactly"


def test_the_readme_and_ci_install_with_the_constraints() -> None:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^```(?:sh|bash)?\n(.*?)\n```", quick, flags=re.M | re.S)
    assert len(commands) == 2 and all("pip install -c deploy/constraints.txt " in c for c in commands)
    assert "pip install -c deploy/constraints.txt -e '.[test]'" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
