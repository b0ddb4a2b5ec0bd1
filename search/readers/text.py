"""Plain-text articles -> Article.

Two layouts, told apart by the shape of the first blocks (blocks are separated by blank lines), never by
which corpus a file came from:
  headline / body...                                  (e.g. the BBC files)
  section / headline / [byline] / [date] / [caption / credit] / body...   (the seed article's layout)
An optional leading block of `Key: value` lines (Headline, Section, By, Published, Caption, Credit, URL,
Outlet) states the fields outright. "More from X: ..." and similar teaser lines are related links, not body.
"""

from __future__ import annotations

import re

from search.articles import Article
from search.dates import looks_like_date, parse_date
from search.errors import ReadError
from search.readers.loading import clean_text, decode

_BLOCKS = re.compile(r"\n[ \t\u00a0]*\n")
_TEASER = re.compile(
    r"^(?:more from [^:]{1,80}|read more|related(?: stories| articles| coverage)?|see also|also read"
    r"|read also|recommended|watch|listen)\s*:",
    re.I,
)
_NAME = r"[A-Z][\w'’.-]*(?:\s+(?:[A-Z][\w'’.-]*|de|van|von|al|bin|da|del|la|le))*"
_BYLINE = re.compile(rf"^(?:[Bb]y|BY|[Ww]ritten by|[Ww]ords by)\s+(?P<name>{_NAME}(?:(?:,\s*|\s+and\s+){_NAME})*)"
                     r"(?:\s*[,|–—-]\s*[\w ]{1,60})?$")
_CREDIT_PREFIX = re.compile(r"^(?:photo|photograph|picture|image|credit|photo credit)\s*:\s*(?P<c>.+)$", re.I)
_HEADER = re.compile(r"^(?P<key>[A-Za-z][A-Za-z ]{1,20}):[ \t]*(?P<value>.*)$")
_HEADER_KEYS = {
    "headline": "headline", "title": "headline",
    "section": "section", "category": "section",
    "by": "byline", "byline": "byline", "author": "byline", "authors": "byline",
    "published": "published", "date": "published",
    "caption": "caption", "credit": "credit", "photo credit": "credit",
    "url": "url", "link": "url",
    "outlet": "outlet", "publisher": "outlet",
}
_SENTENCE_END = re.compile(r"[.:;,]$")
_FIRST_END = re.compile(r"(?<=[.!?])\s")
_WORD = re.compile(r"\S+")


def read(data: bytes, path: str) -> Article:
    """Parse one plain-text article."""
    # each stage of the text is let go once the next is made: a big file is held about twice, not five times
    raw = [lines for b in _BLOCKS.split(clean_text(decode(data))) if (lines := _lines(b))]
    if not raw:
        raise ReadError("no text in file")
    art = Article(path=path, format="text")
    if _read_header(raw[0], art):
        raw = raw[1:]
    blocks = [" ".join(lines) for lines in raw]
    del raw
    if blocks:
        blocks = _read_top(blocks, art)
    art.body = "\n\n".join(b for b in blocks if not _TEASER.match(b))
    if not art.headline and not art.body:
        raise ReadError("no headline or body text")
    return art


def _lines(block: str) -> list[str]:
    """A block's lines, stripped, without the empty ones."""
    return [s for line in block.splitlines() if (s := line.strip())]


def _read_header(lines: list[str], art: Article) -> bool:
    """A first block made only of known `Key: value` lines sets those fields; True if it was one."""
    fields = []
    for line in lines:
        m = _HEADER.match(line)
        key = _HEADER_KEYS.get(m.group("key").strip().lower()) if m else None
        if not key:
            return False
        fields.append((key, m.group("value").strip()))
    if len(fields) < 2:  # one "Key: value" line may well be a sentence
        return False
    for key, value in fields:
        if not value:
            continue
        if key == "published":
            art.published = parse_date(value)
        elif key == "caption":
            art.captions.append(value)
        elif key == "outlet":  # the publisher (without one, the URL's domain: readers/__init__.py)
            art.fields["outlet"] = value
        else:
            setattr(art, key, value)
    return True


def _is_label(block: str) -> bool:
    """A section label: a few words, no sentence punctuation."""
    return len(block) <= 60 and len(block.split()) <= 6 and not _SENTENCE_END.search(block)


def _is_headline(block: str) -> bool:
    return len(block) <= 200 and len(block.split()) <= 25 and not block.endswith((".", ",", ";", ":"))


def _starts_rich_top(blocks: list[str], i: int) -> bool:
    """Whether blocks[i:] open with a byline, a dateline or a caption + credit pair (the rich layout)."""
    return bool(_BYLINE.match(blocks[i]) or _is_dateline(blocks[i])
                or (i + 1 < len(blocks) and _is_credit(blocks[i + 1]) and _at_least_words(blocks[i], 4)))


def _at_least_words(block: str, n: int) -> bool:
    """len(block.split()) >= n, without splitting a long block into all its words."""
    return len(block.split(None, n - 1)) >= n


def _is_dateline(block: str) -> bool:
    """looks_like_date(block), which is False past 80 characters once spaces are collapsed: that is told from the
    first words, rather than by splitting a block that may be a whole file's text into all its words."""
    length = -1
    for word in _WORD.finditer(block):
        length += len(word[0]) + 1
        if length > 80:
            return False
    return looks_like_date(block)


def _is_credit(block: str) -> bool:
    """A photo credit: a short run of capitalised names ("Mario Tama", "Jane Doe/Getty Images")."""
    if _CREDIT_PREFIX.match(block):
        return True
    if len(block) > 60:  # before splitting: a block may be a whole file's text
        return False
    words = re.split(r"[\s/]+", block)
    if block.isupper() and len(words) > 1 and "/" not in block:  # an all-caps subheading, not a credit
        return False
    if not 1 <= len(words) <= 6 or len(block) > 60 or _SENTENCE_END.search(block):
        return False
    connectors = {"and", "for", "via", "of", "the", "de", "van", "von", "-", "|", "&"}
    return all(w[:1].isupper() or w.lower() in connectors for w in words if w)


def _read_top(blocks: list[str], art: Article) -> list[str]:
    """Section, headline, byline, date, caption and credit from the first blocks."""
    i = 0
    if not art.headline:
        if len(blocks) > 3 and _is_label(blocks[0]) and _is_headline(blocks[1]) and _starts_rich_top(blocks, 2):
            art.section = art.section or blocks[0]
            i = 1
        art.headline = _headline_from(blocks[i])
        if art.headline != blocks[i]:  # a long first paragraph: keep it in the body
            i -= 1
        i += 1
    while i < len(blocks):
        block = blocks[i]
        m = _BYLINE.match(block)
        if m and not art.byline and len(block) <= 120:
            art.byline = m.group("name").strip()
        elif not art.published and _is_dateline(block):
            art.published = parse_date(block)
        elif i + 1 < len(blocks) and not art.captions and _is_credit(blocks[i + 1]) and _at_least_words(block, 4):
            art.captions.append(block)
            m = _CREDIT_PREFIX.match(blocks[i + 1])
            art.credit = m.group("c").strip() if m else blocks[i + 1]
            i += 1
        else:
            break
        i += 1
    return blocks[i:]


def _headline_from(block: str) -> str:
    if len(block) <= 300:
        return block
    end = _FIRST_END.search(block)  # the first sentence, without copying the rest of a long block
    first = block[: end.start()] if end else block
    return first if len(first) <= 200 else first[:200].rsplit(" ", 1)[0] + "…"
