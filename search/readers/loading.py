"""Bytes in, text out: gzip, size limits, binary detection and charset decoding shared by every reader.

Real corpora contain files with a wrong declared charset, stray Latin-1 bytes in UTF-8 text, fake .gz
files and binary junk; everything here either returns usable text or raises ReadError with a reason.
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
import re
import stat
import zlib
from pathlib import Path

from search.config import Settings
from search.errors import ReadError

MAX_BYTES = Settings().max_file_bytes  # decompressed size limit per file (NEWSEARCH_MAX_FILE_MB's default)
GZIP_MAGIC = b"\x1f\x8b"


def read_raw(path: Path, max_bytes: int = MAX_BYTES) -> bytes:
    """A regular file's bytes as stored (at most max_bytes, else ReadError).

    The file is opened without blocking and checked before a byte is read: a FIFO would block the open and
    a device such as /dev/zero never ends, so anything but a regular file is refused.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as e:
        raise ReadError(f"cannot read file: {e.strerror or e}") from None
    with open(fd, "rb", closefd=True) as f:
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise ReadError("not a regular file (a FIFO, socket or device): not read")
            os.set_blocking(fd, True)
            data = f.read(max_bytes + 1)
        except OSError as e:
            raise ReadError(f"cannot read file: {e.strerror or e}") from None
    if len(data) > max_bytes:
        raise ReadError(f"file is larger than the {max_bytes // (1024 * 1024)} MB limit")
    return data


def load_bytes(path: Path, max_bytes: int = MAX_BYTES, raw: bytes | None = None) -> bytes:
    """A file's content, transparently gunzipped (by magic bytes, whatever its name), within max_bytes.

    `raw` is the file's bytes when the caller has already read them (read_raw), so a file is read once.
    """
    data = read_raw(path, max_bytes) if raw is None else raw
    if data[:2] == GZIP_MAGIC:
        return _gunzip(data, max_bytes)
    if path.suffix.lower() == ".gz":
        raise ReadError("not a gzip file (the name ends in .gz but the content is not gzip)")
    return data


def _gunzip(raw: bytes, max_bytes: int) -> bytes:
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(raw)) as gz:
            data = gz.read(max_bytes + 1)
    except (OSError, EOFError, zlib.error) as e:
        raise ReadError(f"broken gzip data: {e}") from None
    if len(data) > max_bytes:
        raise ReadError(f"decompressed file is larger than the {max_bytes // (1024 * 1024)} MB limit")
    return data


_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def looks_binary(data: bytes) -> bool:
    """True for content that is not text: NUL bytes, or many control characters, in the first 8 KB."""
    sample = data[:8192]
    if not sample:
        return False
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return False
    if b"\x00" in sample:
        return True
    return len(_CONTROL.findall(sample)) / len(sample) > 0.05


_UTF8_LETTER = re.compile("[^\x00-\x7f\ufffd]")  # a character UTF-8 gave that is not ASCII


def decode(data: bytes, declared: str | None = None) -> str:
    """Decode bytes to text: BOM, then UTF-8, then the declared charset, then detection.

    UTF-8 with a few bad bytes (a stray Latin-1 pound sign) stays UTF-8, those bytes read as cp1252, even
    when the page declares a legacy charset; a declared charset that cannot decode the bytes is ignored.
    """
    for bom, enc in ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            return data.decode(enc, errors="replace").lstrip("\ufeff")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    # UTF-8 but for a few stray bytes: keep UTF-8, even under a (stale) legacy declaration. "A few" is 3, or up
    # to 1 in 1,000 bytes when the rest holds real UTF-8 letters; a big page whose only non-ASCII bytes are a
    # legacy charset's letters is in that charset.
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if bad <= 3 or (bad <= len(data) // 1000 and _UTF8_LETTER.search(text)):
        return _recover_latin1(data)
    if declared:
        enc = _codec(declared)
        if enc and enc not in ("utf-8", "utf-16", "utf-32"):
            try:
                return data.decode(enc)
            except UnicodeDecodeError:
                pass
    from charset_normalizer import from_bytes

    matches = list(from_bytes(data))  # the whole file: the limit is the caller's (max_bytes)
    if matches:
        best = matches[0]
        # Short texts often tie between several single-byte charsets; the Western one is the likeliest.
        tied = [m for m in matches if (m.chaos, m.coherence) == (best.chaos, best.coherence)]
        return str(next((m for m in tied if m.encoding == "cp1252"), best))
    return data.decode("cp1252", errors="replace")


def _recover_latin1(data: bytes) -> str:
    """UTF-8 with isolated invalid bytes: decode those bytes as cp1252 instead of dropping them."""
    return data.decode("utf-8", errors="cp1252_fallback")


def _cp1252_fallback(err: UnicodeError) -> tuple[str, int]:
    assert isinstance(err, UnicodeDecodeError)
    chunk = err.object[err.start : err.end]
    return chunk.decode("cp1252", errors="replace"), err.end


codecs.register_error("cp1252_fallback", _cp1252_fallback)


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name.strip().strip("'\"")).name
    except (LookupError, ValueError):
        return None


def clean_text(text: str) -> str:
    """Normalise line endings and drop control characters that no reader wants (keeps \\n and \\t)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)
