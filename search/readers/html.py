"""HTML pages of news sites -> Article: metadata from JSON-LD, <meta> tags and markup; body via trafilatura.

The page is parsed once with lxml: html_meta reads the metadata, then trafilatura prunes the same tree
down to the article text. Pages too big or too deeply nested for that take a cheaper paragraph path.
"""

from __future__ import annotations

import logging
import re

import lxml.html
import trafilatura
from lxml import etree
from lxml.html import HtmlElement

from search.articles import Article
from search.errors import ReadError
from search.readers.html_meta import extract_meta
from search.readers.html_text import squash
from search.readers.loading import clean_text, decode

# trafilatura needs about 0.6 s per MB of HTML; above this the cheap path keeps a 50 MB page to seconds
BIG_PAGE = 6 * 1024 * 1024
_CHARSET = re.compile(rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([\w.:-]{2,40})""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")
# tags that carry no text structure: dropped when a page nests deeper than libxml2 will parse
_CONTAINERS = re.compile(
    r"</?(?!(?:p|br|h[1-6]|title|meta|link|script|style|html|head|body|figure|figcaption|blockquote|time)\b)"
    r"[a-zA-Z][\w:-]*(?:\s[^>]*)?/?>"
)
_ANY_TAG = re.compile(r"</?(?!(?:p|br|h[1-6]|title|meta|html|head|body)\b)[a-zA-Z][\w:-]*(?:\s[^>]*)?/?>")
_NOT_TEXT = (
    "script",
    "style",
    "noscript",
    "template",
    "svg",
    "iframe",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "button",
    "select",
)

logging.getLogger("trafilatura").setLevel(logging.ERROR)


def read(data: bytes, path: str) -> Article:
    """Parse one HTML page into an Article; ReadError when it holds no article at all."""
    text = clean_text(decode(data, declared_charset(data)))
    if not text.strip():
        raise ReadError("empty document")
    tree = parse(text)
    meta = extract_meta(tree)
    body = extract_body(tree, big=len(data) > BIG_PAGE)
    if not body and not meta.headline:
        raise ReadError("no article in the page (neither a headline nor any text)")
    return Article(
        path=path,
        headline=meta.headline,
        body=body,
        section=meta.section,
        byline=meta.byline,
        published=meta.published,
        captions=meta.captions,
        credit=meta.credit,
        url=meta.url,
        blockquotes=meta.blockquotes,
        format="html",
    )


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares in its first bytes (<meta charset> or http-equiv), if any."""
    m = _CHARSET.search(data[:4096])
    return m.group(1).decode("ascii", "replace") if m else None


def parse(text: str) -> HtmlElement:
    """One lxml tree for the page; pages nested deeper than libxml2 allows are flattened first."""
    text = _XML_DECL.sub("", text, count=1)
    for flatten in (None, _CONTAINERS, _ANY_TAG):
        source = flatten.sub(" ", text) if flatten else text
        parser = lxml.html.HTMLParser(huge_tree=True, collect_ids=False, remove_comments=True, remove_pis=True)
        try:
            tree = lxml.html.document_fromstring(source, parser=parser)
        except (etree.ParserError, ValueError):
            raise ReadError("no HTML document in the file") from None
        if not any("Excessive depth" in e.message for e in parser.error_log):
            break
    return tree


def extract_body(tree: HtmlElement, big: bool = False) -> str:
    """Article text, boilerplate removed, paragraphs separated by blank lines."""
    if not big:
        try:
            out = trafilatura.extract(
                tree,
                output_format="txt",
                include_comments=False,
                include_tables=True,
                favor_precision=True,
                with_metadata=False,
            )
        except RecursionError:
            out = None
        if out and out.strip():
            return "\n\n".join(p for p in (squash(line) for line in out.splitlines()) if p)
    return _paragraphs(tree)


def _paragraphs(tree: HtmlElement) -> str:
    """Cheap body: the <p> texts under the element holding the most paragraph text, else all text."""
    etree.strip_elements(tree, etree.Comment, *_NOT_TEXT, with_tail=False)
    weight: dict[HtmlElement, int] = {}
    texts: list[tuple[HtmlElement, str]] = []
    for p in tree.iter("p"):
        text = squash(p.text_content())
        parent = p.getparent()
        if text and parent is not None:
            texts.append((p, text))
            weight[parent] = weight.get(parent, 0) + len(text)
    if weight:
        best = max(weight, key=weight.__getitem__)
        return "\n\n".join(t for p, t in texts if p.getparent() is best)
    body = tree.find("body")
    lines = (squash(x) for x in body.text_content().splitlines()) if body is not None else ()
    return "\n\n".join(x for x in lines if x)
