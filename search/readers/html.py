"""HTML pages of news sites -> Article: metadata from JSON-LD, <meta> tags and markup; body via trafilatura.

The page is parsed once with lxml: html_meta reads the metadata, then trafilatura prunes the same tree down
to the article text. A page nested deeper than libxml2 builds trees is read again through BeautifulSoup
(html_soup.py), keeping its structure; pages above BIG_PAGE, and deep pages too big for a soup, are read in
one streaming pass without a tree (html_stream.py), so their cost stays proportional to their size.
"""

from __future__ import annotations

import logging
import re

import lxml.html
import trafilatura
from bs4.dammit import EncodingDetector
from lxml import etree
from lxml.html import HtmlElement

from search.articles import Article
from search.errors import ReadError
from search.readers.html_meta import extract_meta
from search.readers.html_soup import SOUP_MAX_TAGS, soup_tree
from search.readers.html_stream import stream_read
from search.readers.html_text import squash
from search.readers.loading import clean_text, decode

# trafilatura needs about 0.6 s per MB of HTML, and a tree ~8x the page: above this, the streaming path
BIG_PAGE = 6 * 1024 * 1024
# trafilatura's time grows with the square of a tree's depth (0.2 s at 3,000, 1 s at 10,000, 6.6 s at 30,000):
# deeper trees get the paragraph body
TRAFILATURA_MAX_DEPTH = 5_000
CHARSET_WINDOW = 32 * 1024  # where a page's charset declaration is looked for (HTML says: the first 1,024 bytes)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*>")
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
    if not text or text.isspace():
        raise ReadError("empty document")
    tree, depth = _parse(text) if len(data) <= BIG_PAGE else (None, 0)
    if tree is None:
        tree, body = stream_read(text)
        meta = extract_meta(tree)
    else:
        meta = extract_meta(tree)
        body = extract_body(tree, big=depth > TRAFILATURA_MAX_DEPTH)
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
        fields={"outlet": meta.outlet} if meta.outlet else {},
    )


def declared_charset(data: bytes) -> str | None:
    """The charset a page declares near its start: XML declaration, <meta charset> or http-equiv (bs4's finder)."""
    return EncodingDetector.find_declared_encoding(data[:CHARSET_WINDOW], is_html=True, search_entire_document=True)


def parse(text: str) -> HtmlElement | None:
    """The page's lxml tree; through BeautifulSoup when libxml2 finds it too deep; None when it is also too big
    for a soup (then only the streaming path reads it)."""
    return _parse(text)[0]


def _parse(text: str) -> tuple[HtmlElement | None, int]:
    """(tree, its depth when it came from a soup, else 0), as `parse`."""
    text = _XML_DECL.sub("", text, count=1)  # lxml refuses a str that declares its encoding
    parser = lxml.html.HTMLParser(huge_tree=True, collect_ids=False, remove_comments=True, remove_pis=True)
    try:
        tree = lxml.html.document_fromstring(text, parser=parser)
    except (etree.ParserError, ValueError):
        raise ReadError("no HTML document in the file") from None
    if not any("Excessive depth" in e.message for e in parser.error_log):
        return tree, 0
    if text.count("<") > SOUP_MAX_TAGS:
        return None, 0
    return soup_tree(text)


def extract_body(tree: HtmlElement, big: bool = False) -> str:
    """Article text, boilerplate removed, paragraphs separated by blank lines (`big`: without trafilatura)."""
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
