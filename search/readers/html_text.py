"""Strings out of HTML for the HTML reader: element text, and cleaning of headlines, names and credits.

html_meta.py finds the candidate strings in a page; the rules here decide what of each string to keep.
"""

from __future__ import annotations

import re
from copy import copy
from typing import Any
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement

SEPARATORS = re.compile(r"\s+(?:\||-|–|—|::|·|•|»|«|/|:)\s+")
BLOCKS = {"p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section", "blockquote", "figcaption"}
BY = re.compile(
    r"^(?:(?:written|posted|reported|words|text|story|photos?)\s+)?(?:by|von|par|por|door|di|av)\s*[:\-]?\s+", re.I
)
CREDIT = re.compile(
    r"(?:[\s(\[|–—-]+|^)((?:photo(?:graph)?s?|image|picture|pic|credit|foto|source|illustration|video)s?"
    r"(?:\s+(?:by|credit|courtesy(?:\s+of)?))?\s*[:©]\s*[^()\[\]]{2,100}?)[)\]]?\s*$"
    r"|\s*[(\[]?(©\s*[^()\[\]]{2,100}?)[)\]]?\s*$",
    re.I,
)
AGENCY_TAIL = re.compile(
    r"\s+\(?((?:[\w.'’-]+\s+){0,3}[\w.'’-]+\s*/\s*(?:Getty Images|AFP|Reuters|AP|EPA|PA|Shutterstock|Alamy|"
    r"Bloomberg|Xinhua|Anadolu|Sipa|ZUMA|NurPhoto|dpa|Picture Alliance|The Associated Press)[\w ./-]{0,30})\)?\s*$"
)


_SPACE = re.compile(r"\s")
_SQUASH_CHUNK = 1 << 20


def squash(text: str) -> str:
    """Whitespace runs (including newlines and no-break spaces) as single spaces, trimmed."""
    if len(text) <= _SQUASH_CHUNK:
        return " ".join(text.split())
    # a 60 MB text split at once is a list of 10 million words (~10x its size): squash it a megabyte at a time,
    # cutting at whitespace so that no word is split
    parts: list[str] = []
    start = 0
    while start < len(text):
        space = _SPACE.search(text, start + _SQUASH_CHUNK)
        end = space.start() if space else len(text)
        part = " ".join(text[start:end].split())
        if part:
            parts.append(part)
        start = end
    return " ".join(parts)


def text_of(el: HtmlElement, paragraphs: bool = False, skip: tuple[str, ...] = ()) -> str:
    """Visible text of an element (no scripts, styles or comments); blocks become paragraphs if asked."""
    el = copy(el)
    etree.strip_elements(el, etree.Comment, "script", "style", "noscript", "template", *skip, with_tail=False)
    if not paragraphs:
        return squash(el.text_content())
    parts: list[str] = []
    for node in el.iter():
        if node.tag in BLOCKS:
            parts.append("\n\n")
        if isinstance(node.tag, str) and node.text:
            parts.append(node.text)
        if node is not el and node.tail:
            parts.append(node.tail)
    return "\n\n".join(p for p in (squash(x) for x in "".join(parts).split("\n\n")) if p)


def _key(text: str) -> str:
    return re.sub(r"[\W_]+", "", text.casefold()).removeprefix("the")


def site_names(metas: dict[str, str], ld: list[dict[str, Any]], url: str | None) -> set[str]:
    """Normalised names the site calls itself: og:site_name, application-name, publisher, host."""
    names = {
        metas.get(k, "")
        for k in (
            "og:site_name",
            "application-name",
            "apple-mobile-web-app-title",
            "twitter:site",
            "publisher",
            "dc.publisher",
        )
    }
    for obj in ld:
        pub = obj.get("publisher")
        if isinstance(pub, dict) and isinstance(pub.get("name"), str):
            names.add(pub["name"])
        if obj.get("@type") in ("WebSite", "Organization", "NewsMediaOrganization") and isinstance(
            obj.get("name"), str
        ):
            names.add(obj["name"])
    if url:
        host = urlsplit(url).hostname or ""
        labels = [x for x in host.split(".") if x not in ("www", "com", "co", "org", "net", "uk", "news", "edition")]
        names.update(labels[:1])
    return {k for k in (_key(n) for n in names) if len(k) >= 2}


def is_site(part: str, sites: set[str], exact: bool = False) -> bool:
    """True when a title part or author names the site itself (compared without case, spaces or "the")."""
    key = _key(part)
    if exact:
        return key in sites
    return bool(key) and any(key == s or (len(s) >= 4 and (s in key or key in s)) for s in sites)


def clean_headline(title: str, sites: set[str], other: str | None = None) -> str:
    """A title without site-name tails or prefixes (" | The Daily", "Daily - "); conservative.

    A part is cut only when it names the site, or when what is left equals `other` (the page's h1).
    """
    title = squash(title)
    for _ in range(3):
        parts = SEPARATORS.split(title)
        seps = SEPARATORS.findall(title)
        if len(parts) < 2:
            break
        head, tail = title[: len(title) - len(parts[-1]) - len(seps[-1])], parts[-1]
        if is_site(tail, sites) or (other and squash(head) == other):
            title = squash(head)
            continue
        first = parts[0]
        rest = title[len(first) + len(seps[0]) :]
        if is_site(first, sites) or (other and squash(rest) == other):
            title = squash(rest)
            continue
        break
    return title


def clean_name(raw: str) -> str:
    """An author name as people write it: no "By ", no e-mail, no trailing date or role; "" if not a name."""
    name = squash(re.sub(r"<[^>]+>", " ", raw))
    name = BY.sub("", name)
    name = re.sub(r"\S+@\S+|https?://\S+", "", name)
    name = re.split(r"\s+(?:\||•|·|—|–)\s+|\bUpdated\b|\bPublished\b|\d{1,2}:\d{2}|\b\d{4}\b", name)[0]
    name = name.strip(" ,;:-–—|")
    if not name or len(name) > 80 or not re.search(r"[^\W\d_]", name) or name.casefold() in ("staff", "admin", "by"):
        return ""
    return name


def credit_split(text: str) -> tuple[str, str | None]:
    """Split a caption into (caption, credit): "Rain in Leeds. Photo: Jo Bloggs / Getty Images"."""
    text = squash(text)
    for rx in (CREDIT, AGENCY_TAIL):
        m = rx.search(text)
        if m and m.start() > 0:
            credit = next(g for g in m.groups() if g)
            return text[: m.start()].rstrip(" |–—-(["), squash(credit).strip(" ()[]")
    return text, None
