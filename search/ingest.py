"""The ingest step: corpus files -> read, attributed Articles (what `parse` and `index` both use).

`walk` decides, before anything is read, what becomes of every entry of the corpus tree:

- `files`: regular files of a supported type (or named explicitly) to read, in a stable order;
- `skipped`: entries that are not articles: unsupported types (.pdf, .docx, README), hidden files and
  folders (.git, .DS_Store) — listed, never read;
- `problems`: entries that exist but are not read: symbolic links that leave the corpus, broken links and
  link loops, FIFOs, sockets and devices (never opened: opening a FIFO blocks, /dev/zero never ends);
  the index keeps whatever it held for them;
- `unreadable`: folders whose contents cannot be listed (permissions, I/O errors): everything the index
  holds under them is kept, since nothing there could be seen.

Only the corpus is read: a symbolic link is followed only when it resolves to a file inside the folder
being walked or inside the corpus folder. Keys name files relative to the corpus folder (absolute for a
file outside it given explicitly); file names of any bytes get a printable, injective key (`escape_name`).

`parse_file` reads one file with the readers and attributes its quotes.
"""

from __future__ import annotations

import functools
import logging
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from search import quotes, readers
from search.articles import ReadResult
from search.quotes.aliases import Aliases, default_aliases
from search.readers.loading import MAX_BYTES

UNSUPPORTED = "unsupported file type"  # what is supported: readers.SUFFIXES, plain or gzipped


@dataclass
class Walk:
    """What a walk of the corpus found (see the module docstring); entries are (key, path) or dicts."""

    files: list[tuple[str, Path]] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    problems: list[dict[str, str]] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)  # folder keys
    missing: list[str] = field(default_factory=list)  # roots that do not exist, as given
    roots: list[str] = field(default_factory=list)  # the keys of the roots walked

    def present(self) -> tuple[set[str], list[str]]:
        """Keys of files still there as far as the walk can tell (to read or reported), and the prefixes of
        folders it could not look into: nothing matching either may be removed from the index."""
        return {k for k, _ in self.files} | {p["path"] for p in self.problems}, list(self.unreadable)


def escape_name(raw: str) -> str:
    """A file name or path as printable text: control characters and bytes that are not UTF-8 escaped.

    `\\` becomes `\\\\`, a byte that is not UTF-8 `\\xNN` and a control character `\\uNNNN`, so two different
    names never get the same key and the key can be written to JSON, to the index and to a terminal.
    """
    data = os.fsencode(raw)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and text.isprintable() and "\\" not in text:
        return text
    text = data.replace(b"\\", b"\\\\").decode("utf-8", "backslashreplace")
    return "".join(c if c.isprintable() or c == "\\" else f"\\u{ord(c):04x}" for c in text)


def walk(roots: Iterable[Path], corpus: Path) -> Walk:
    """Sort every entry under the given files and folders (see the module docstring)."""
    out = Walk()
    corpus_real = _real(corpus)
    for root in roots:
        root = Path(root)
        out.roots.append(_key(root, corpus_real))
        try:
            st = root.stat()
        except FileNotFoundError:
            out.missing.append(escape_name(str(root)))
            continue
        except OSError as e:
            out.problems.append({"path": _key(root, corpus_real), "reason": f"cannot be read: {_why(e)}"})
            continue
        if stat.S_ISDIR(st.st_mode):
            _walk_folder(root, _real(root), corpus_real, out)
        elif stat.S_ISREG(st.st_mode):  # named explicitly: read whatever its name
            out.files.append((_key(root, corpus_real), root))
        else:
            out.problems.append({"path": _key(root, corpus_real), "reason": _special(st.st_mode)})
    return out


def _walk_folder(top: Path, top_real: Path, corpus_real: Path, out: Walk) -> None:
    seen_dirs: set[tuple[int, int]] = set()
    stack = [top]
    while stack:
        folder = stack.pop()
        try:
            st = folder.stat()
            if (st.st_dev, st.st_ino) in seen_dirs:
                continue
            seen_dirs.add((st.st_dev, st.st_ino))
            with os.scandir(folder) as it:
                entries = sorted(it, key=lambda e: e.name)
        except OSError as e:
            key = _key(folder, corpus_real)
            out.unreadable.append(key)
            out.problems.append({"path": key, "reason": f"folder cannot be read ({_why(e)}): the articles "
                                                        "indexed from it are kept"})
            continue
        subfolders = []
        for entry in entries:
            path = Path(entry.path)
            try:
                kind = _classify(entry, path, top_real, corpus_real)
            except OSError as e:
                out.problems.append({"path": _key(path, corpus_real), "reason": f"cannot be read: {_why(e)}"})
                continue
            if kind == "folder":
                subfolders.append(path)
            elif kind == "file":
                out.files.append((_key(path, corpus_real), path))
            elif kind.startswith("skip:"):
                out.skipped.append({"path": _key(path, corpus_real), "reason": kind[5:]})
            else:
                out.problems.append({"path": _key(path, corpus_real), "reason": kind})
        stack.extend(reversed(subfolders))  # depth first, in name order


def _classify(entry: os.DirEntry, path: Path, top_real: Path, corpus_real: Path) -> str:
    """"file", "folder", "skip:<reason>" or a problem's reason, for one folder entry."""
    if entry.name.startswith("."):
        return "skip:hidden"
    mode = entry.stat(follow_symlinks=False).st_mode
    if stat.S_ISLNK(mode):
        try:
            target = path.resolve(strict=True)
        except RuntimeError:
            return "symbolic link loop: not followed"
        except FileNotFoundError:
            return "broken symbolic link (its target does not exist)"
        except OSError as e:  # ELOOP and friends
            return f"symbolic link cannot be followed: {_why(e)}"
        if not (_inside(target, top_real) or _inside(target, corpus_real)):
            return "symbolic link to a place outside the corpus: not followed"
        mode = target.stat().st_mode
        if stat.S_ISDIR(mode):
            return "skip:symbolic link to a folder: not followed (its files are read under their own path)"
    if stat.S_ISDIR(mode):
        return "folder"
    if not stat.S_ISREG(mode):
        return _special(mode)
    if readers.is_supported(path):
        return "file"
    return "skip:" + UNSUPPORTED


def _special(mode: int) -> str:
    kind = ("a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "not a file")
    return f"not a regular file ({kind}): not read"


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def _real(path: Path) -> Path:
    try:
        return Path(path).resolve()
    except (OSError, RuntimeError):
        return Path(os.path.abspath(path))


def _key(path: Path, corpus_real: Path) -> str:
    """The file's key: its path relative to the corpus folder (links not resolved), else absolute."""
    absolute = Path(os.path.abspath(path))
    parent = _real(absolute.parent)  # the folders resolved, the file's own name kept (a link keeps its name)
    full = parent / absolute.name if absolute.name else parent
    try:
        rel = full.relative_to(corpus_real).as_posix()
    except ValueError:
        rel = full.as_posix()
    return escape_name(rel)


def _why(e: OSError) -> str:
    return e.strerror or type(e).__name__


log = logging.getLogger(__name__)


def parse_file(path: str | Path, max_bytes: int = MAX_BYTES, raw: bytes | None = None,
               aliases_files: tuple[str, ...] = ()) -> ReadResult:
    """Read one file (or its bytes `raw`) and fill in each article's quotes and sources, names resolved with
    the shipped aliases and `aliases_files` (NEWSEARCH_ALIASES); never raises for a bad file: a failure of
    attribution is reported with the file and leaves that article without quotes."""
    result = readers.read(path, max_bytes=max_bytes, raw=raw)
    aliases = _aliases(aliases_files)
    for art in result.articles:
        try:
            quotes.attribute(art, aliases)  # (a record's own quotes are kept, their sources normalised)
        except MemoryError:  # the reading worker's ceiling: the whole file is reported (reading.py)
            raise
        except RecursionError:
            art.quotes, art.sources = [], []
            result.errors.append(f"{_where(art.record)}quotes not attributed (text nested too deeply)")
        except Exception as e:  # an attribution bug must not cost the article: keep it, report the file
            log.exception("quote attribution failed on %s", art.key)
            art.quotes, art.sources = [], []
            result.errors.append(f"{_where(art.record)}quotes not attributed ({type(e).__name__}: {e})")
    return result


def check_aliases(files: Iterable[Path | str]) -> None:
    """Read the user's aliases files as the reading workers will; AliasesError (naming the file) when one cannot
    be used, so that a run refuses at once instead of every file failing with it."""
    _aliases(tuple(str(f) for f in files))


@functools.lru_cache(maxsize=4)
def _aliases(files: tuple[str, ...]) -> Aliases:
    """The aliases for these files (read once per process; the shipped file alone for none)."""
    return Aliases.load(*files) if files else default_aliases()


def _where(record: int | None) -> str:
    return f"record {record}: " if record is not None else ""
