"""JSON and JSON Lines records -> Articles, one per object.

A `.json` file holds one article object, a list of them, or {"articles": [...]}; a `.jsonl` file holds
one object per line. Fields are taken by name (see the README's JSON schema), with the common aliases of
other exports (title, text, paragraphs, author(s), date, datePublished, link...); any other key with a text
value is kept in `Article.fields`, for the fields the index registry may add. A bad record is reported with
its line or position and does not lose its neighbours.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from search.articles import Article, Quote, ReadResult
from search.dates import parse_date
from search.errors import ReadError
from search.readers.loading import clean_text, decode

ALIASES: dict[str, tuple[str, ...]] = {
    "headline": ("headline", "title", "name"),
    "body": ("body", "text", "content", "articlebody", "paragraphs"),
    "section": ("section", "category", "articlesection", "desk"),
    "byline": ("byline", "author", "authors", "creator"),
    "published": ("published", "date", "datepublished", "publishing_date", "published_at", "pubdate", "time"),
    "captions": ("captions", "caption", "images", "image"),
    "credit": ("credit", "photo_credit", "credits"),
    "url": ("url", "link", "canonical_url", "source_url", "href"),
    "blockquotes": ("blockquotes",),
    "quotes": ("quotes",),
    # The publisher (never a source quoted in the text): a name, or an object with one ({"name": "BBC News"})
    "outlet": ("outlet", "publisher", "site_name", "sitename", "source_name", "media_name", "publication",
               "source_domain", "domain"),
}
_KNOWN_KEYS = frozenset(alias for names in ALIASES.values() for alias in names)  # what the Article's own fields read


def read(data: bytes, path: str) -> ReadResult:
    """Parse a JSON or JSON Lines file into a ReadResult of articles and per-record errors."""
    text = decode(data)  # (a BOM is dropped there)
    result = ReadResult(path=path)
    records: Iterable[tuple[int, Any]] = []
    try:
        doc = json.loads(text)
    except RecursionError:
        raise ReadError("JSON is nested too deeply") from None
    except json.JSONDecodeError as e:
        if text.lstrip().startswith("{") and "\n" in text.strip():
            records = _json_lines(text, result)  # one line's objects at a time, not the whole file's at once
        else:
            raise ReadError(f"invalid JSON: {e.msg} at line {e.lineno} column {e.colno}") from None
    else:
        if isinstance(doc, dict) and isinstance(doc.get("articles"), list):
            doc = doc["articles"]
        records = enumerate(doc) if isinstance(doc, list) else [(-1, doc)]
    record_errors = []  # listed after the lines that are not JSON at all, as when all lines were parsed first
    for n, obj in records:
        where = f"record {n}" if n >= 0 else "the document"
        try:
            art = to_article(obj, path)
        except ReadError as e:
            record_errors.append(f"{where}: {e}")
            continue
        except RecursionError:  # a record json could parse but that is too deep to walk: it alone is lost
            record_errors.append(f"{where}: JSON is nested too deeply")
            continue
        art.record = None if n < 0 else n
        result.articles.append(art)
    result.errors += record_errors
    if not result.articles and not result.errors:
        result.errors.append("no articles in file")
    return result


def _json_lines(text: str, result: ReadResult) -> Iterator[tuple[int, Any]]:
    """Yield (line number, object) for each good line; record an error for each bad one."""
    for lineno, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            yield lineno, json.loads(line)
        except RecursionError:
            result.errors.append(f"line {lineno}: JSON is nested too deeply")
        except json.JSONDecodeError as e:
            result.errors.append(f"line {lineno}: invalid JSON ({e.msg} at column {e.colno})")


def to_article(obj: Any, path: str) -> Article:
    """One JSON object -> Article; ReadError when it is not an article."""
    if not isinstance(obj, dict):
        raise ReadError(f"not a JSON object but {type(obj).__name__}")
    fields = {k.lower(): v for k, v in obj.items() if isinstance(k, str)}

    def get(name: str) -> Any:
        for alias in ALIASES[name]:
            if fields.get(alias) not in (None, "", []):
                return fields[alias]
        return None

    art = Article(path=path, format="json")
    art.headline = _one_line(_text(get("headline")))
    body, quoted = _body(get("body"))
    art.body = clean_text(body).strip()
    art.blockquotes = quoted + [_text(q) for q in _as_list(get("blockquotes")) if _text(q)]
    if not art.headline and not art.body:
        raise ReadError("no headline or body")
    art.section = _one_line(_text(get("section"))) or None
    art.byline = _names(get("byline")) or None
    art.published = parse_date(get("published"))
    art.url = _one_line(_text(get("url"))) or None
    art.captions, credits = _captions(get("captions"))
    art.credit = _one_line(_text(get("credit"))) or (", ".join(dict.fromkeys(credits)) or None)
    art.quotes = [q for q in (_quote(x) for x in _as_list(get("quotes"))) if q]
    # NewsAPI and the like name the publisher {"source": {"name": ...}}: an object under `source` is the outlet
    # (a string there may be anything, and is kept in `fields` as it is)
    source = fields.get("source")
    outlet = _one_line(_text(get("outlet") or (source if isinstance(source, dict) else None)))
    # Every other key with a text value, for fields the index may declare beyond the Article's own (fields.py)
    art.fields = {k: text for k, v in fields.items()
                  if k not in _KNOWN_KEYS and isinstance(v, str) and (text := _text(v))}
    if outlet:
        art.fields["outlet"] = outlet
    return art


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _text(value: Any) -> str:
    """A scalar, a list of strings, or an object with "text"/"name"/"caption" -> plain text."""
    if value is None or isinstance(value, bool):
        return ""
    if isinstance(value, str | int | float):
        return str(value).strip()
    if isinstance(value, list):
        return "\n\n".join(t for t in (_text(v) for v in value) if t)
    if isinstance(value, dict):
        for key in ("text", "name", "caption", "value", "url", "@value"):
            if key in value:
                return _text(value[key])
    return ""


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _body(value: Any) -> tuple[str, list[str]]:
    """Body text, plus the blocks marked as block quotes ({"type": "blockquote"} items)."""
    if not isinstance(value, list):
        return _text(value), []
    parts, quoted = [], []
    for item in value:
        text = _text(item)
        if not text:
            continue
        if isinstance(item, dict) and str(item.get("type", "")).lower() in ("blockquote", "quote"):
            quoted.append(text)
        parts.append(text)
    return "\n\n".join(parts), quoted


def _names(value: Any) -> str:
    names = [_one_line(_text(v)) for v in _as_list(value)]
    names = [n for n in names if n]
    return ", ".join(dict.fromkeys(names))


def _captions(value: Any) -> tuple[list[str], list[str]]:
    captions, credits = [], []
    for item in _as_list(value):
        if isinstance(item, dict):
            cap = _one_line(_text(item.get("caption") or item.get("text") or item.get("description")))
            credit = _names(item.get("credit") or item.get("authors") or item.get("author"))
            if credit:
                credits.append(credit)
        else:
            cap = _one_line(_text(item))
        if cap and cap not in captions:
            captions.append(cap)
    return captions, credits


def _quote(value: Any) -> Quote | None:
    if isinstance(value, str) and value.strip():
        return Quote(text=value.strip(), source=None, cue=None, kind="direct")
    if not isinstance(value, dict) or not _text(value.get("text")):
        return None
    kind = "indirect" if str(value.get("kind", "")).lower() == "indirect" else "direct"
    source = _one_line(_text(value.get("source"))) or None
    cue = _one_line(_text(value.get("cue"))) or None
    return Quote(text=_text(value.get("text")), source=source, cue=cue, kind=kind)
