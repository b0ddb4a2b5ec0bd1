"""Settings: where the corpus and the index live, and the limits; read once from NEWSEARCH_* variables.

Command-line options override the environment, which overrides the defaults (./corpus and ./index).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

ENV_PREFIX = "NEWSEARCH_"


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

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then NEWSEARCH_<NAME> variables, then the non-None keyword overrides."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
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
