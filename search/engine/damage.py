"""Telling a damaged index from a bug: which exceptions may come from reading the index's files.

The Engine (engine.py `_reading`) turns these into IndexDamaged (a 503 that says to rebuild) once the cheap probe
of every segment fails too; anything else stays a bug, logged and answered 500.
"""

from __future__ import annotations

import pickle
import struct
import zlib
from pathlib import Path

import whoosh

IO_ERRORS = (OSError, EOFError, zlib.error, pickle.UnpicklingError)  # reading or decoding the files themselves
_STORAGE_ERRORS = (*IO_ERRORS, struct.error)
_WHOOSH_DIR = str(Path(whoosh.__file__).resolve().parent)


def storage_error(e: BaseException) -> bool:
    """True for an exception that may come from reading the index's files: an I/O or decoding error, or any
    error raised inside Whoosh's own code (Engine._reading then probes the index to tell damage from a bug)."""
    if isinstance(e, _STORAGE_ERRORS):
        return True
    tb = e.__traceback__
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.startswith(_WHOOSH_DIR):
            return True
        tb = tb.tb_next
    return False
