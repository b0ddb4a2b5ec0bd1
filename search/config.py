"""Settings: where the corpus and the index live, and the limits; read once from NEWSEARCH_* variables.

Command-line options override the environment, which overrides the defaults (./corpus and ./index).
"""

from __future__ import annotations

import os
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
    if isinstance(default, int) and not isinstance(raw, int):
        try:
            return int(raw)
        except ValueError:
            raise ValueError(f"{ENV_PREFIX}{name.upper()} must be a whole number, not {raw!r}") from None
    return raw
