"""Source aliases: the spellings that name one source ("WSJ", "the Journal" -> Wall Street Journal) and the kinds
of source a list fixes by name, read from TOML files.

The shipped file (aliases.toml beside this module) is read first, then any user files, whose entries add to or
override it. Attribution (extract.py) folds every source name through `canonical()` at index time; the query side
does the same with the same object, so a user's alias finds what the canonical name finds.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from search.errors import NewsearchError

__all__ = ["KINDS", "SHIPPED", "Aliases", "AliasesError", "default_aliases"]

SHIPPED = Path(__file__).with_name("aliases.toml")
KINDS = ("person", "outlet", "organisation")
_SPACES_RE = re.compile(r"\s+")
_THE_RE = re.compile(r"the\s+", re.IGNORECASE)
_EDGES = " \t\n,.:;\"'\u2018\u2019\u201c\u201d"


class AliasesError(NewsearchError):
    """An aliases file could not be read or is not in the aliases format; the message says which and where."""


def key(name: str) -> str:
    """The form names are compared in: lower case, one space between words, no edge punctuation, no "the"."""
    s = _SPACES_RE.sub(" ", name.replace("\u2019", "'")).strip(_EDGES).lower()
    m = _THE_RE.match(s)
    return s[m.end() :] if m and m.end() < len(s) else s


class Aliases:
    """Canonical names, their other spellings and fixed kinds, from one or more files (later files win)."""

    def __init__(self) -> None:
        self._canon: dict[str, str] = {}  # key(spelling) -> canonical name
        self._written: dict[str, str] = {}  # key(spelling) -> the spelling as a file wrote it
        self._kinds: dict[str, str] = {}  # key(canonical) -> kind
        self._names: dict[str, str] = {}  # key(canonical) -> canonical name, as first spelt
        self.paths: list[Path] = []  # the files read, in order

    @classmethod
    def load(cls, *paths: str | Path, shipped: bool = True) -> Aliases:
        """The shipped aliases file (unless shipped=False), then each of paths in order, adding or overriding."""
        out = cls()
        for path in ([SHIPPED] if shipped else []) + [Path(p) for p in paths]:
            out.add_file(path)
        return out

    def add_file(self, path: Path) -> None:
        """Read one aliases file on top of what is loaded; raise AliasesError when it cannot be used."""
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except OSError as e:
            raise AliasesError(f"aliases file {path.name}: cannot be read ({e.strerror or type(e).__name__})") from e
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
            raise AliasesError(f"aliases file {path.name}: not valid TOML ({e})") from e
        self.add(data, where=f"aliases file {path.name}")
        self.paths.append(path)

    def add(self, data: dict, where: str = "aliases") -> None:
        """Add the tables of one parsed file: {"aliases": {canonical: [spelling, ...]}, "kinds": {name: kind}}."""
        unknown = set(data) - {"aliases", "kinds"}
        if unknown:
            raise AliasesError(f"{where}: unknown table [{sorted(unknown)[0]}] (expected [aliases] and [kinds])")
        aliases, kinds = data.get("aliases", {}), data.get("kinds", {})
        if not isinstance(aliases, dict) or not isinstance(kinds, dict):
            raise AliasesError(f"{where}: [aliases] and [kinds] must be tables")
        for canon, spellings in aliases.items():
            if isinstance(spellings, str):
                spellings = [spellings]
            if not key(canon) or not isinstance(spellings, list) or not all(isinstance(s, str) for s in spellings):
                raise AliasesError(f"{where}: {canon!r} must be a name = a list of spellings")
            canon = self._name(canon)
            for spelling in (canon, *spellings):
                if key(spelling):
                    self._canon[key(spelling)] = canon
                    self._written.setdefault(key(spelling), _SPACES_RE.sub(" ", spelling).strip())
        for name, kind in kinds.items():
            if kind not in KINDS:
                raise AliasesError(f"{where}: the kind of {name!r} must be one of {', '.join(KINDS)}")
            canon = self._canon.get(key(name)) or self._name(name)
            self._canon.setdefault(key(name), canon)
            self._written.setdefault(key(name), canon)
            self._kinds[key(canon)] = kind

    def _name(self, canon: str) -> str:
        """The canonical name as first spelt (so a user's file listing "wall street journal" keeps the shipped
        spelling), registered."""
        canon = _SPACES_RE.sub(" ", canon).strip()
        return self._names.setdefault(key(canon), canon)

    def canonical(self, name: str) -> str:
        """The canonical name for name (any spelling, any case, "the" or not); name itself when it is unknown.

        A canonical name that is itself a spelling of another (a user's file: "Dow Jones" = ["Wall Street
        Journal"]) leads on to that one, so the answer is the same however many times it is asked."""
        seen: set[str] = set()
        while (k := key(name)) in self._canon and k not in seen:
            seen.add(k)
            name = self._canon[k]
        return name

    def known(self, name: str) -> bool:
        """True when name is a canonical name or a spelling of one."""
        return key(name) in self._canon

    def aliases_of(self, canonical: str) -> list[str]:
        """Every spelling that means canonical (or the name it is a spelling of), as the files wrote them, the
        canonical name first; [] when it is unknown."""
        if not self.known(canonical):
            return []
        canon = self.canonical(canonical)
        spellings = [k for k in self._canon if k != key(canon) and key(self.canonical(k)) == key(canon)]
        return [canon] + [self._written[k] for k in spellings]

    def kind_of(self, name: str) -> str | None:
        """The kind a file fixes for name (or the canonical name it is a spelling of), else None."""
        return self._kinds.get(key(self.canonical(name))) or self._kinds.get(key(name))


_DEFAULT: Aliases | None = None


def default_aliases() -> Aliases:
    """The shipped aliases, read once."""
    global _DEFAULT
    if _DEFAULT is None:
        _DEFAULT = Aliases.load()
    return _DEFAULT
