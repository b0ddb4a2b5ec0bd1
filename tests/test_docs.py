"""The README documents every command, and its Quick start holds exactly the two commands CI runs."""

from __future__ import annotations

import re
import subprocess
import sys

from search.cli import main

from .conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_command_is_documented_with_an_example() -> None:
    ctx = main.make_context("newsearch", [], resilient_parsing=True)
    names = main.list_commands(ctx)
    assert {"parse", "index", "search", "status", "schedule", "serve"} <= set(names)
    for name in names:
        command = main.get_command(ctx, name)
        assert f"newsearch {name}" in README, f"README does not document `newsearch {name}`"
        assert "Example:" in (command.help or ""), f"`newsearch {name}` --help has no example"


def test_quick_start_test_command_is_what_ci_runs() -> None:
    quick = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^```(?:sh|bash)?\n(.*?)\n```", quick, flags=re.M | re.S)
    assert len(commands) == 2, "the Quick start holds exactly two commands: run and test"
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert commands[1].strip() in ci


def test_ruff_is_clean() -> None:
    out = subprocess.run([sys.executable, "-m", "ruff", "check", "--quiet", str(REPO)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr
