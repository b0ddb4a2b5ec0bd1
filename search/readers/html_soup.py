"""Pages nested deeper than libxml2 builds trees (its "Excessive depth" limit) -> an lxml tree, through BeautifulSoup.

html.py parses every page once with lxml; only a page whose parse reports excessive depth comes here. bs4 with
the lxml builder reads it through lxml's event interface, which has no depth limit, keeping every element; the
soup is then replayed into an lxml TreeBuilder (linear: appending to a deep element with SubElement is not), so
html_meta and the body extractor see the page's real structure (figures, captions, headline, nav and footer).
"""

from __future__ import annotations

import re

import lxml.html
from bs4 import BeautifulSoup
from bs4.element import NavigableString, PreformattedString, Tag
from lxml import etree
from lxml.html import HtmlElement

# A soup costs ~0.8 KB and ~10 µs per element (1 MB of unclosed tags: 1.2 s, 92 MB): above this a deep page
# takes the streaming path of html_stream.py instead, which keeps memory to a small multiple of the page.
SOUP_MAX_TAGS = 100_000
_BAD_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_NAME = re.compile(r"[A-Za-z_][\w.-]*")


def soup_tree(text: str) -> tuple[HtmlElement, int]:
    """The page as an lxml tree built from BeautifulSoup's parse (bs4 + lxml builder), and the tree's depth."""
    soup = BeautifulSoup(text, "lxml")
    try:
        return _replay(soup)
    finally:
        soup.decompose()  # a soup is full of reference cycles: free it now, not at the next gc run


def _replay(soup: BeautifulSoup) -> tuple[HtmlElement, int]:
    builder = etree.TreeBuilder(parser=lxml.html.HTMLParser(remove_comments=True, remove_pis=True))
    top = soup.find("html", recursive=False)
    if top is None:  # a fragment: give it the <html> root the readers expect
        builder.start("html", {})
        top = soup
    else:
        builder.start("html", _attrs(top))
    open_nodes: list[Tag] = [top]
    open_tags: list[str | None] = ["html"]
    depth = 1
    for node in top.descendants:
        while node.parent is not open_nodes[-1]:
            open_nodes.pop()
            tag = open_tags.pop()
            if tag is not None:
                builder.end(tag)
        if isinstance(node, Tag):
            open_nodes.append(node)
            open_tags.append(_start(builder, node))
            depth = max(depth, len(open_nodes))
        elif isinstance(node, NavigableString) and not isinstance(node, PreformattedString):
            builder.data(_BAD_XML.sub("", str(node)))  # comments, doctypes, CDATA and PIs are PreformattedStrings
    while open_tags:
        tag = open_tags.pop()
        if tag is not None:
            builder.end(tag)
    return builder.close(), depth


def _start(builder: etree.TreeBuilder, node: Tag) -> str | None:
    """Open node's element in the builder; None when lxml refuses even a plain <span> for it (never seen)."""
    tag = node.name if _NAME.fullmatch(node.name or "") else "span"
    for attrs in (_attrs(node), {}):
        try:
            builder.start(tag, attrs)
            return tag
        except (ValueError, TypeError):
            continue
    return None


def _attrs(node: Tag) -> dict[str, str]:
    """bs4 attributes as lxml takes them: multi-valued ones (class, rel) joined, odd names dropped."""
    out = {}
    for key, value in node.attrs.items():
        if _NAME.fullmatch(key):
            out[key] = _BAD_XML.sub("", " ".join(value) if isinstance(value, list) else str(value))
    return out
