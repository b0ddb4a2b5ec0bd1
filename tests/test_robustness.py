"""No input, however broken, crashes a run or loses its neighbours: each file is parsed or reported."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import pytest

from search.ingest import parse_file, walk

GOOD_TEXT = "Lighthouse keeper retires\n\nAfter forty years the keeper of Skerry light has retired.\n"


def write(tmp_path: Path, name: str, data: bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.html", b"   \n\n  \t", "empty file"),
        ("junk.txt", os.urandom(4096).replace(b"\x00", b"\x01") + b"\x00" * 64, "not a text file"),
        ("junk.json", bytes(range(256)) * 8, "not a text file"),
        ("fake.txt.gz", b"this is not gzip at all\n", "not a gzip file"),
        ("truncated.txt.gz", gzip.compress(GOOD_TEXT.encode() * 50)[:60], "broken gzip data"),
        ("png.html", b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + os.urandom(2000), "not a text file"),
    ],
)
def test_bad_file_is_reported_with_a_reason(tmp_path: Path, name: str, data: bytes, reason: str) -> None:
    result = parse_file(write(tmp_path, name, data))
    assert result.articles == []
    assert len(result.errors) == 1 and reason in result.errors[0]


def test_missing_file_is_reported(tmp_path: Path) -> None:
    result = parse_file(tmp_path / "gone.txt")
    assert result.articles == [] and "cannot read file" in result.errors[0]


def test_gzipped_files_are_read_transparently(tmp_path: Path) -> None:
    result = parse_file(write(tmp_path, "keeper.txt.gz", gzip.compress(GOOD_TEXT.encode())))
    assert result.errors == [] and result.articles[0].headline == "Lighthouse keeper retires"


def test_invalid_utf8_keeps_the_text(tmp_path: Path) -> None:
    data = GOOD_TEXT.encode() + b"The fee rose to \xa3300 and \xe9t\xe9 ended.\n"
    result = parse_file(write(tmp_path, "mixed.txt", data))
    assert result.errors == []
    assert "£300" in result.articles[0].body and "été" in result.articles[0].body


def test_utf16_text_with_bom(tmp_path: Path) -> None:
    result = parse_file(write(tmp_path, "wide.txt", GOOD_TEXT.encode("utf-16")))
    assert result.errors == [] and result.articles[0].headline == "Lighthouse keeper retires"


def test_file_over_the_size_limit_is_reported(tmp_path: Path) -> None:
    path = write(tmp_path, "big.txt", b"Big\n\n" + b"word " * 300_000)
    result = parse_file(path, max_bytes=1024 * 1024)
    assert result.articles == [] and "larger than the 1 MB limit" in result.errors[0]


def test_gzip_bomb_is_stopped_at_the_limit(tmp_path: Path) -> None:
    path = write(tmp_path, "bomb.txt.gz", gzip.compress(b"a" * (8 * 1024 * 1024)))
    result = parse_file(path, max_bytes=1024 * 1024)
    assert result.articles == [] and "decompressed file is larger" in result.errors[0]


def test_50_mb_text_file_is_read(tmp_path: Path) -> None:
    para = ("The council met again on Tuesday to discuss the harbour wall and its repair. " * 10 + "\n\n").encode()
    path = write(tmp_path, "huge.txt", b"Very long record\n\n" + para * (50 * 1024 * 1024 // len(para)))
    result = parse_file(path)
    assert result.errors == []
    assert result.articles[0].headline == "Very long record"
    assert len(result.articles[0].body) > 49 * 1024 * 1024


def test_deeply_nested_html_does_not_crash(tmp_path: Path) -> None:
    html = "<html><body><h1>Nested page</h1>" + "<div>" * 10_000 + "<p>Deep text here.</p>" + "</div>" * 10_000
    result = parse_file(write(tmp_path, "nested.html", (html + "</body></html>").encode()))
    assert len(result.articles) + len(result.errors) == 1


def test_wrong_declared_charset_in_html(tmp_path: Path) -> None:
    html = ('<html><head><meta charset="shift_jis"><title>Café owners protest</title></head>'
            "<body><article><h1>Café owners protest</h1><p>Owners of the café met at noon on Monday "
            "to protest against the new rules for terraces in the old town.</p></article></body></html>")
    result = parse_file(write(tmp_path, "cafe.html", html.encode("utf-8")))
    assert result.errors == []
    assert "Café" in result.articles[0].headline


def test_a_folder_of_good_and_bad_files_accounts_for_every_file(tmp_path: Path) -> None:
    write(tmp_path, "good.txt", GOOD_TEXT.encode())
    write(tmp_path, "empty.txt", b"")
    write(tmp_path, "junk.html", b"\x00\x01\x02" * 100)
    write(tmp_path, "fake.json.gz", b"not gzip")
    write(tmp_path, "mixed.jsonl", b'{"headline": "A", "body": "a"}\n{oops\n{"headline": "B", "body": "b"}\n')
    sub = tmp_path / "nested"
    sub.mkdir()
    write(sub, "deeper.txt", GOOD_TEXT.encode())
    write(tmp_path, ".hidden.txt", GOOD_TEXT.encode())
    write(tmp_path, "notes.docx", b"ignored: not a corpus format")
    found = walk([tmp_path], tmp_path)
    files = [f for _, f in found.files]
    assert sorted(f.name for f in files) == ["deeper.txt", "empty.txt", "fake.json.gz", "good.txt", "junk.html",
                                             "mixed.jsonl"]
    assert sorted((s["path"], s["reason"].split(" (")[0]) for s in found.skipped) == [
        (".hidden.txt", "hidden"), ("notes.docx", "unsupported file type")]
    results = {f.name: parse_file(f) for f in files}
    assert [a.headline for a in results["mixed.jsonl"].articles] == ["A", "B"]
    assert results["mixed.jsonl"].errors == ["line 2: invalid JSON (Expecting property name enclosed in double "
                                             "quotes at column 2)"]
    for name in ("empty.txt", "junk.html", "fake.json.gz"):
        assert results[name].articles == [] and results[name].errors, name
    for name in ("good.txt", "deeper.txt"):
        assert results[name].errors == [] and len(results[name].articles) == 1
