"""The JSON / JSON Lines reader: fields by name and alias, several records per file, bad records isolated."""

from __future__ import annotations

import json
from pathlib import Path

from search import readers
from search.ingest import parse_file


def write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_one_object_with_every_field(tmp_path: Path) -> None:
    record = {
        "headline": "Museum reopens",
        "section": "Culture",
        "byline": ["Ida Berg", "Leo Hart"],
        "published": "2022-11-05T10:00:00+01:00",
        "url": "https://example.org/museum",
        "captions": [{"caption": "The new entrance hall.", "credit": "Ida Berg"}],
        "body": "The museum reopened on Saturday.\n\nVisitors queued from dawn.",
        "blockquotes": ["We are open again."],
    }
    result = readers.read(write(tmp_path, "museum.json", json.dumps(record)))
    assert result.errors == []
    (art,) = result.articles
    assert art.headline == "Museum reopens" and art.section == "Culture"
    assert art.byline == "Ida Berg, Leo Hart"
    assert art.published is not None and art.published.isoformat() == "2022-11-05T10:00:00+01:00"
    assert art.captions == ["The new entrance hall."] and art.credit == "Ida Berg"
    assert art.body == "The museum reopened on Saturday.\n\nVisitors queued from dawn."
    assert art.blockquotes == ["We are open again."]
    assert art.record is None


def test_aliases_from_other_exports(tmp_path: Path) -> None:
    record = {"title": "Dam inspected", "paragraphs": ["One.", "Two."], "date": "2001-01-19", "author": "A. Lee",
              "link": "https://example.org/dam", "category": "Environment"}
    (art,) = readers.read(write(tmp_path, "dam.json", json.dumps(record))).articles
    assert (art.headline, art.body, art.byline, art.url, art.section) == (
        "Dam inspected", "One.\n\nTwo.", "A. Lee", "https://example.org/dam", "Environment")
    assert art.published is not None and art.published.year == 2001


def test_jsonl_bad_line_loses_no_neighbours(tmp_path: Path) -> None:
    lines = [
        json.dumps({"headline": "First", "body": "Body one."}),
        '{"headline": "Broken", "body": ',
        json.dumps({"headline": "Third", "body": "Body three."}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"unrelated": 1}),
        "",
        json.dumps({"headline": "Sixth", "body": "Body six."}),
    ]
    result = readers.read(write(tmp_path, "feed.jsonl", "\n".join(lines)))
    assert [a.headline for a in result.articles] == ["First", "Third", "Sixth"]
    assert [a.record for a in result.articles] == [1, 3, 7]
    assert [a.key for a in result.articles][0].endswith("feed.jsonl#1")
    assert len(result.errors) == 3
    assert result.errors[0].startswith("line 2: invalid JSON")
    assert result.errors[1].startswith("record 4: not a JSON object")
    assert result.errors[2] == "record 5: no headline or body"


def test_json_array_and_articles_wrapper(tmp_path: Path) -> None:
    arr = [{"headline": "A", "body": "a"}, {"headline": "B", "body": "b"}]
    assert [a.headline for a in readers.read(write(tmp_path, "a.json", json.dumps(arr))).articles] == ["A", "B"]
    wrapped = {"articles": arr}
    assert len(readers.read(write(tmp_path, "w.json", json.dumps(wrapped))).articles) == 2


def test_json_lines_in_a_dot_json_file(tmp_path: Path) -> None:
    text = json.dumps({"headline": "A", "body": "a"}) + "\n" + json.dumps({"headline": "B", "body": "b"})
    assert len(readers.read(write(tmp_path, "lines.json", text)).articles) == 2


def test_invalid_json_is_reported(tmp_path: Path) -> None:
    result = readers.read(write(tmp_path, "bad.json", '{"headline": "x", '))
    assert result.articles == []
    assert result.errors[0].startswith("invalid JSON")


def test_deeply_nested_json_is_reported_not_crashing(tmp_path: Path) -> None:
    result = readers.read(write(tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000))
    assert result.articles == [] and "nested too deeply" in result.errors[0]


def test_quotes_given_in_the_record_are_kept(tmp_path: Path) -> None:
    record = {"headline": "Q", "body": "Text.", "quotes": [
        {"text": "We will rebuild.", "source": "the Wall Street Journal", "cue": "wrote", "kind": "direct"}]}
    (art,) = parse_file(write(tmp_path, "q.json", json.dumps(record))).articles
    assert [q.to_dict() for q in art.quotes] == [
        {"text": "We will rebuild.", "source": "Wall Street Journal", "source_kind": "outlet", "cue": "wrote",
         "kind": "direct"}]  # the record's own quote, its source normalised and given a kind
    assert art.sources == ["Wall Street Journal"]


def test_congress_press_releases(shared_data: Path) -> None:
    result = readers.read(shared_data / "congress-press" / "articles.jsonl.gz")
    assert result.errors == []
    assert len(result.articles) == 4000
    art = result.articles[0]
    assert art.headline and art.body and art.published is not None and art.url


def test_wikinews_blockquotes_and_captions(shared_data: Path) -> None:
    result = readers.read(shared_data / "wikinews" / "articles.jsonl")
    assert result.errors == [] and len(result.articles) == 43
    assert sum(bool(a.captions) for a in result.articles) == 33
    assert any(a.blockquotes for a in result.articles)
