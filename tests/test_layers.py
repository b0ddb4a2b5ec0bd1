"""The import rules of the README's code map, checked on the source: every import, function-level ones too."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from .conftest import REPO

# package of ours -> the packages of ours it may import (a prefix allows its submodules)
ALLOWED = {
    "search.config": set(), "search.errors": set(), "search.articles": set(), "search.dates": set(),
    "search.readers": {"search.readers", "search.articles", "search.errors", "search.dates", "search.config"},
    "search.quotes": {"search.quotes", "search.articles", "search.errors"},
    "search.ingest": {"search.readers", "search.quotes", "search.articles", "search.errors"},
    "search.index": {"search.index", "search.ingest", "search.articles", "search.config", "search.errors",
                     "search.readers.loading", "search.quotes.repeats"},
    # the engine reads the index: its read side only, never the writer, the reading workers or the schedule
    "search.engine": {"search.engine", "search.index.codec", "search.index.fields", "search.index.analysis",
                      "search.index.schema",
                      "search.index.documents", "search.index.store", "search.index.check", "search.articles",
                      "search.index.quote_fields", "search.quotes.aliases", "search.quotes.kinds",
                      "search.config", "search.errors", "search.dates"},
    # alerts run searches and keep their own ledger beside the index; nothing of the engine or index imports them
    "search.alerts": {"search.alerts", "search.engine", "search.index.store", "search.config", "search.errors"},
    "search.cli": {"search"},
    "search.__main__": {"search.cli"},
    "search": {"search"},  # the public API re-exports every stage
    "web": {"search"},  # the public API only: `from search import ...`
}
FORBIDDEN_IN_SEARCH = ("web", "flask", "werkzeug", "gunicorn", "jinja2")


def modules() -> list[tuple[str, Path]]:
    out = []
    for base in ("search", "web"):
        for path in sorted((REPO / base).rglob("*.py")):
            parts = list(path.relative_to(REPO).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            out.append((".".join(parts), path))
    return out


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            package = REPO / node.module.replace(".", "/")
            for alias in node.names:  # `from search.index import fields` imports the module search.index.fields
                sub = package / alias.name
                found.add(f"{node.module}.{alias.name}" if sub.is_dir() or sub.with_suffix(".py").is_file()
                          else node.module)
    return found


def rule_for(module: str) -> set[str]:
    key = max((k for k in ALLOWED if module == k or module.startswith(k + ".")), key=len)
    return ALLOWED[key]


@pytest.mark.parametrize(("module", "path"), modules(), ids=[m for m, _ in modules()])
def test_imports_follow_the_layers(module: str, path: Path) -> None:
    ours = {i for i in imports_of(path) if i == "search" or i.startswith(("search.", "web"))}
    if module.startswith("search"):
        outside = {i for i in imports_of(path) if i.split(".")[0] in FORBIDDEN_IN_SEARCH}
        assert not outside, f"{module} imports {sorted(outside)}: the engine never imports the web front end"
    allowed = rule_for(module)
    if module.startswith("web"):
        bad = {i for i in ours if i.startswith("search") and i != "search"}
    else:
        bad = {i for i in ours if not any(i == a or i.startswith(a + ".") for a in allowed | {module})}
    assert not bad, f"{module} may import only {sorted(allowed)} of ours, not {sorted(bad)}"


def test_the_public_api_is_what_search_exports() -> None:
    import search
    from search import _EXPORTS  # the lazy-import table itself

    assert sorted(search.__all__) == sorted(_EXPORTS)
    for name in search.__all__:
        assert getattr(search, name) is not None
