"""Settings: where the corpus and the index live, and the limits; declared once, in `Settings`.

Each setting comes from, first to last: the command line, its NEWSEARCH_<NAME> variable, the TOML settings file
(its `name = value` lines at top level), the default. The file is `--config FILE` (which the CLI passes on as
NEWSEARCH_CONFIG, so `serve`'s workers read it too), else NEWSEARCH_CONFIG, else ./newsearch.toml if there is
one. In it, relative paths are relative to the file's folder; an unknown key or a value of the wrong type is an
error that names it.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "NEWSEARCH_"
CONFIG_VAR = ENV_PREFIX + "CONFIG"  # the TOML settings file
CONFIG_FILE = Path("newsearch.toml")  # read from the working folder when present and no file is named


@dataclass(frozen=True)
class Settings:
    """Every setting newsearch reads; `Settings.from_env()` fills it from NEWSEARCH_* variables."""

    corpus: Path = Path("corpus")
    index: Path = Path("index")
    max_file_mb: int = 64  # larger files are reported, not read
    file_timeout_s: float = 60.0  # a file whose reading and attribution take longer is reported, not indexed
    max_delete_share: float = 0.5  # a run that would remove more of the index than this refuses (--allow-delete)
    public_url: str = ""  # the address users reach (may have a path), for feed and OpenSearch links; "" = paths
    bind: str = "127.0.0.1:8000"  # where the web server listens (host:port); `serve --host/--port` override it
    workers: int = 0  # web worker processes; 0 = one per core
    web_cache: int = 1024  # answers each web worker keeps; 0 turns the answer cache off
    web_cache_mb: int = 32  # the most memory those answers may take in each worker (by their estimated size)
    head_timeout_s: float = 10.0  # a request (line, headers, body) must arrive within this, or its connection closes
    aliases: str = ""  # your aliases files (TOML, like search/quotes/aliases.toml), separated by os.pathsep
    cors_origins: str = ""  # origins whose pages may call /api/* and the feeds (comma-separated, or *); "" = none
    dedup: int = 1  # 1: near-duplicate articles get one cluster id as they are indexed (index/dedup.py); 0: none
    log_format: str = "text"  # text | json: the web app's and gunicorn's log lines (web/logs.py)
    cluster: str = ""  # a Dask scheduler (tcp://HOST:8786) that reads the files of `index`; "" = read here
    publish: str = ""  # replicas (comma-separated local paths or host:path) each indexing job publishes to
    publish_rsh: str = "ssh"  # the remote shell for host:path replicas (rsync -e, and the replica's shell steps)
    publish_bwlimit_kb: int = 0  # rsync --bwlimit for publishing, KB/s; 0 = no limit

    @property
    def aliases_files(self) -> list[Path]:
        """The user's aliases files, read after the shipped one (a later file wins)."""
        return [Path(p) for p in self.aliases.split(os.pathsep) if p.strip()]

    @property
    def cors(self) -> tuple[str, ...]:
        """The origins allowed by CORS_ORIGINS, as browsers write them (`https://host[:port]`, lower case), or
        ("*",); ValueError for one that is no origin (a path, no scheme)."""
        out = []
        for origin in (o.strip().rstrip("/") for o in self.cors_origins.split(",")):
            if origin == "*":
                return ("*",)
            if origin and not re.fullmatch(r"https?://[^/\s?#]+", origin, re.I):
                raise ValueError(f"{ENV_PREFIX}CORS_ORIGINS: {origin!r} is not an origin like https://news.example.org")
            if origin:
                out.append(origin.lower())
        return tuple(out)

    @property
    def log_json(self) -> bool:
        """Whether log lines are JSON (LOG_FORMAT=json) rather than text; ValueError for any other format."""
        if self.log_format not in ("text", "json"):
            raise ValueError(f"{ENV_PREFIX}LOG_FORMAT must be text or json, not {self.log_format!r}")
        return self.log_format == "json"

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then the TOML settings file, then NEWSEARCH_<NAME> variables, then the non-None keyword
        overrides; ValueError (naming the file, key or variable) for a setting that cannot be used."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = read_toml(config_file(env))
        for f in fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw not in (None, ""):
                values[f.name] = _convert(f.name, raw, f.type)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **{k: _convert(k, v, None) if isinstance(v, str) else v for k, v in values.items()})

    @property
    def max_file_bytes(self) -> int:
        """The per-file size limit in bytes."""
        return self.max_file_mb * 1024 * 1024


def _convert(name: str, raw: Any, _type: Any) -> Any:
    default = getattr(Settings(), name)
    if isinstance(default, Path):
        return Path(raw).expanduser()
    if isinstance(default, bool) or isinstance(raw, type(default)):
        return raw
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{ENV_PREFIX}{name.upper()} must be a whole number, not {raw!r}") from None
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise ValueError(f"{ENV_PREFIX}{name.upper()} must be a number, not {raw!r}") from None
    return raw


def config_file(environ: Mapping[str, str]) -> Path | None:
    """The TOML settings file: NEWSEARCH_CONFIG, else ./newsearch.toml if it exists, else None."""
    named = environ.get(CONFIG_VAR)
    if named:
        return Path(named).expanduser()
    return CONFIG_FILE if CONFIG_FILE.is_file() else None


def read_toml(path: Path | None) -> dict[str, Any]:
    """The settings a TOML file sets, checked against Settings (paths made relative to the file's folder)."""
    if path is None:
        return {}
    try:
        with open(path, "rb") as f:
            data = tomllib.load(f)
    except OSError as e:
        raise ValueError(f"settings file {path}: {e.strerror or e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ValueError(f"settings file {path}: not valid TOML: {e}") from None
    known = {f.name for f in fields(Settings)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"settings file {path}: unknown setting(s) {', '.join(unknown)} "
                         f"(known: {', '.join(sorted(known))})")
    return {key: _from_toml(path, key, value) for key, value in data.items()}


def _from_toml(path: Path, key: str, value: Any) -> Any:
    default = getattr(Settings(), key)
    here = path.parent
    if key == "aliases" and isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = os.pathsep.join(value)
    if isinstance(default, Path) and isinstance(value, str):
        return here / Path(value).expanduser()
    if key == "aliases" and isinstance(value, str):
        return os.pathsep.join(str(here / Path(p).expanduser()) for p in value.split(os.pathsep) if p.strip())
    if isinstance(default, str) and isinstance(value, str):
        return value
    if isinstance(default, int) and isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(default, float) and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    wanted = {Path: "a path (a string)", int: "a whole number", float: "a number", str: "a string"}
    kind = next(v for t, v in wanted.items() if isinstance(default, t))
    if key == "aliases":
        kind = "a string or a list of strings"
    raise ValueError(f"settings file {path}: {key} must be {kind}, not {value!r}")
