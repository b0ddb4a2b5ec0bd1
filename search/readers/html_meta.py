"""Article metadata from a parsed news page: headline, byline, date, section, url, captions, block quotes.

html.py parses the page once with lxml and calls `extract_meta(tree)` before the body extractor prunes
the tree. Sources are tried in order of trust: JSON-LD, then <meta> tags, then the visible markup.
"""

from __future__ import annotations

import json
import re
from copy import copy
from dataclasses import dataclass, field
from datetime import datetime
from html import unescape
from typing import Any

from lxml import etree
from lxml.html import HtmlElement

from search.dates import parse_date
from search.readers.html_text import (
    clean_headline,
    clean_name,
    credit_split,
    is_site,
    site_names,
    squash,
    text_of,
)

ARTICLE_TYPES = re.compile(r"(Article|BlogPosting|Report|LiveBlogPosting|Review)$")
EMBED_CLASS = re.compile(r"twitter|instagram|tiktok|facebook|reddit|bluesky|threads|embed", re.I)
CREDIT_CLASS = re.compile(r"credit|copyright|byline|source|attribution|author|photographer|courtesy", re.I)
BOILER = "ancestor-or-self::*[self::nav or self::footer or self::aside or self::form]"
_LD_WRAPPER = re.compile(
    r"^\s*(?:<!--|(?://|/\*)?\s*<!\[CDATA\[(?:\s*\*/)?)|(?://|/\*)?\s*(?:-->|\]\]>)\s*(?:\*/)?\s*$"
)
CAPTION_XPATH = (
    "//figcaption | //*[@itemprop='caption']"
    " | //*[contains(translate(@class, 'CAPTION', 'caption'), 'caption')][not(self::img or self::video or self::track)]"
    # slide shows: a description next to each photo
    " | //*[contains(@class, 'escription')][ancestor::figure or ancestor::*[contains(@class, 'arousel')"
    " or contains(@class, 'allery') or contains(@class, 'lideshow')]]"
)
DATE_META = (
    "article:published_time",
    "og:article:published_time",
    "article.published",
    "datepublished",
    "pubdate",
    "publishdate",
    "publish-date",
    "publish_date",
    "parsely-pub-date",
    "sailthru.date",
    "dc.date.issued",
    "dcterms.created",
    "dc.date",
    "date",
    "citation_publication_date",
    "og:pubdate",
    "article:published",
    "dcterms.date",
    "displaydate",
    "original-publish-date",
    "cxenseparse:recs:publishtime",
)
_LOWER = "translate(@{0}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
POSITION = "data-newsearch-position"  # set on the elements of a streamed page's skeleton (html_stream.py)
MAX_OUTLET = 100  # characters: a longer "site name" is a slogan or a title, not a publisher
DATELINE_REACH = 40  # elements, in document order, between the headline and its dateline
DATELINE_XPATH = (
    "//time[not(*)] | //*[not(self::script or self::style or self::meta or self::body or self::html)]"
    f"[contains({_LOWER.format('class')}, 'date') or contains({_LOWER.format('class')}, 'publish')"
    f" or contains({_LOWER.format('id')}, 'date') or contains({_LOWER.format('id')}, 'publish')]"
)
AUTHOR_XPATH = (
    "//*[contains(@class, 'author') and (contains(@class, 'name') or contains(@class, 'link'))]"
    " | //*[contains(@class, 'byline') and not(.//*[contains(@class, 'byline')])]"
)
AUTHOR_META = (
    "author",
    "article:author",
    "article:author_name",
    "author_name",
    "parsely-author",
    "sailthru.author",
    "dc.creator",
    "byl",
    "dcterms.creator",
    "citation_author",
    "twitter:creator",
)


@dataclass
class Meta:
    """What the page says about its article, before the body is extracted."""

    headline: str = ""
    byline: str | None = None
    published: datetime | None = None
    section: str | None = None
    url: str | None = None
    captions: list[str] = field(default_factory=list)
    credit: str | None = None
    blockquotes: list[str] = field(default_factory=list)
    outlet: str | None = None  # the publisher's own name (without one, readers/__init__.py takes the URL's domain)


def extract_meta(tree: HtmlElement) -> Meta:
    """Every metadata field we can find in the page."""
    ld = _json_ld(tree)
    metas = _meta_tags(tree)
    article = next((o for o in ld if _is_article(o)), None) or next((o for o in ld if o.get("headline")), {})
    captions, credits = _captions(tree, article)
    return Meta(
        headline=_headline(tree, article, metas, ld),
        byline=_byline(tree, article, metas, site_names(metas, ld, _url(tree, article, metas))),
        published=_published(tree, article, metas),
        section=_section(article, metas, ld),
        url=_url(tree, article, metas),
        captions=captions,
        credit=credits[0] if credits else None,
        blockquotes=_blockquotes(tree),
        outlet=_outlet(article, metas, ld),
    )


# ---- sources ----------------------------------------------------------------------------------------


def _json_ld(tree: HtmlElement) -> list[dict[str, Any]]:
    """Every JSON object in the page's JSON-LD scripts, flattened (lists and @graph), in document order."""
    found: list[dict[str, Any]] = []
    for script in tree.xpath("//script[contains(translate(@type, 'LDJSON', 'ldjson'), 'ld+json')]"):
        raw = _LD_WRAPPER.sub("", script.text or "")
        try:
            data = json.loads(raw, strict=False)
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack and len(found) < 500:
            item = stack.pop(0)
            if isinstance(item, list):
                stack[:0] = item
            elif isinstance(item, dict):
                found.append(item)
                stack[:0] = [v for v in item.values() if isinstance(v, dict | list)]
    return found


def _is_article(obj: dict[str, Any]) -> bool:
    types = obj.get("@type")
    types = types if isinstance(types, list) else [types]
    return any(isinstance(t, str) and ARTICLE_TYPES.search(t) for t in types)


def _meta_tags(tree: HtmlElement) -> dict[str, str]:
    """<meta> name/property/itemprop (lower-cased) -> content of its first non-empty occurrence."""
    out: dict[str, str] = {}
    for m in tree.iter("meta"):
        content = squash(unescape(m.get("content") or ""))
        if not content:
            continue
        for attr in ("property", "name", "itemprop"):
            key = (m.get(attr) or "").strip().lower()
            if key and key not in out:
                out[key] = content
    return out


def _first(*values: Any) -> str:
    for v in values:
        if isinstance(v, list):
            v = next((x for x in v if isinstance(x, str) and x.strip()), None)
        if isinstance(v, str) and v.strip():
            return squash(unescape(v))
    return ""


# ---- fields -----------------------------------------------------------------------------------------


def _headline(tree: HtmlElement, article: dict, metas: dict[str, str], ld: list[dict]) -> str:
    # JSON-LD first: on the fundus pages it matches the publisher's headline more often than og:title
    # or the h1 (70 vs 67 of 85); sites disagree among themselves which of their variants is "the" one
    sites = site_names(metas, ld, _url(tree, article, metas))
    h1s = [text_of(h) for h in tree.xpath("//h1[not(ancestor::nav or ancestor::footer or ancestor::aside)]")[:3]]
    h1 = next((h for h in h1s if 3 <= len(h) <= 400), None)
    for raw in (article.get("headline"), metas.get("og:title"), h1, tree.findtext(".//title"), article.get("name")):
        head = clean_headline(_first(raw), sites, h1)
        if head:
            stem = head.rstrip(".… ")
            if h1 and stem != head and h1.casefold().startswith(stem.casefold()):
                return h1  # a meta headline cut short with an ellipsis
            return head
    return ""


def _authors(value: Any) -> list[str]:
    """Names from a JSON-LD author value: a string, a Person/Organization, or a list of them."""
    names: list[str] = []
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict):
            item = item.get("name")
            if isinstance(item, list):
                names += [n for n in item if isinstance(n, str)]
                continue
        if isinstance(item, str):
            names += re.split(r"\s*(?:,|;|\band\b|&)\s*(?![^(]*\))", item) if "," in item or " and " in item else [item]
    return names


def _byline(tree: HtmlElement, article: dict, metas: dict[str, str], sites: set[str]) -> str | None:
    for names in _author_sources(tree, article, metas):
        cleaned: dict[str, str] = {}
        for raw in names:
            name = clean_name(raw)
            if name and name.casefold() not in cleaned:
                cleaned[name.casefold()] = name
        # a site naming itself as the author is a last resort, after the page's own bylines
        people = [n for n in cleaned.values() if not is_site(n, sites, exact=True)]
        if people:
            return ", ".join(people)
    org = [clean_name(n) for n in _authors(article.get("author"))]
    return ", ".join(n for n in org if n) or None


def _author_sources(tree: HtmlElement, article: dict, metas: dict[str, str]):
    """Candidate author lists, most trusted first (lazily: later sources cost XPath queries)."""
    yield _authors(article.get("author") or article.get("creator"))
    for key in AUTHOR_META:
        value = metas.get(key, "")
        if value and not value.startswith(("http", "@", "www.")):
            yield _authors(value)
    yield [text_of(n) for n in tree.xpath("//*[@itemprop='author']//*[@itemprop='name']")[:5]]
    yield [text_of(a) for a in tree.xpath("//a[@rel='author'] | //*[@itemprop='author' and not(*)]")[:5]]
    for el in tree.xpath(AUTHOR_XPATH)[:5]:
        text = text_of(el)
        if 3 <= len(text) <= 120 and not re.search(r"\d", text):
            yield _authors(text)


def _published(tree: HtmlElement, article: dict, metas: dict[str, str]) -> datetime | None:
    values = [article.get("datePublished"), article.get("dateCreated")]
    values += [metas.get(k) for k in DATE_META]
    values += tree.xpath("//*[@itemprop='datePublished']/@datetime | //*[@itemprop='datePublished']/@content")
    values += (tree.xpath("//time[@pubdate]/@datetime") + tree.xpath("//time/@datetime"))[:3]  # pubdate first
    for value in values:
        if isinstance(value, list):
            value = value[0] if value else None
        when = parse_date(value) if isinstance(value, str | int | float) else None
        if when is not None and 1900 < when.year < 2100:
            return when
    return _dateline(tree)


def _dateline(tree: HtmlElement) -> datetime | None:
    """No machine-readable date: the date shown beside the headline ("erstellt: 01. April 2025, 15:25").

    Only a date-marked element within DATELINE_REACH elements of the first <h1> counts: pages list teasers
    of other articles with their dates too (one fundus page shows three dates, its own is the second).
    """
    candidates = tree.xpath(DATELINE_XPATH)[:10]
    h1 = tree.xpath("//h1[not(ancestor::nav or ancestor::footer or ancestor::aside)]")[:1]
    if not candidates or not h1:
        return None
    if tree.get(POSITION) is None:
        order = {el: i for i, el in enumerate(tree.iter())}
    else:  # a skeleton from html_stream.py: its elements carry their place in the page they came from
        order = {el: int(el.get(POSITION) or 0) for el in [*candidates, *h1]}
    for el in candidates:
        if abs(order[el] - order[h1[0]]) > DATELINE_REACH or el.xpath(BOILER):
            continue
        text = text_of(el)
        for part in (text, *re.split(r"\s*[,|•·]\s*", text)[:2]):  # "06.01.2026, Lesezeit 5 Min."
            when = parse_date(part) if len(part) <= 100 else None
            if when is not None and 1900 < when.year < 2100:
                return when
    return None


def _section(article: dict, metas: dict[str, str], ld: list[dict]) -> str | None:
    section = _first(
        article.get("articleSection"),
        metas.get("article:section"),
        metas.get("section"),
        metas.get("parsely-section"),
        metas.get("og:section"),
    )
    if not section:
        crumbs = next((o for o in ld if o.get("@type") == "BreadcrumbList"), {}).get("itemListElement")
        if isinstance(crumbs, list) and len(crumbs) >= 2:
            item = crumbs[1] if isinstance(crumbs[1], dict) else {}
            inner = item.get("item")
            section = _first(item.get("name"), inner.get("name") if isinstance(inner, dict) else None)
    return section or None


def _outlet(article: dict, metas: dict[str, str], ld: list[dict]) -> str | None:
    """The publisher's name: og:site_name, the JSON-LD publisher (the article's, else the first one given), then
    application-name. A URL or a @handle is no name."""
    publishers = [article.get("publisher"), *(o.get("publisher") for o in ld if o is not article)]
    for value in (metas.get("og:site_name"), *map(_name_of, publishers), metas.get("application-name")):
        name = _first(value)
        if name and len(name) <= MAX_OUTLET and not name.startswith(("http:", "https:", "@")):
            return name
    return None


def _name_of(value: Any) -> Any:
    """The name of a JSON-LD Organization (or of the first of a list of them); a plain string as it is."""
    if isinstance(value, list):
        value = next((v for v in value if isinstance(v, dict | str)), None)
    return value.get("name") if isinstance(value, dict) else value


def _url(tree: HtmlElement, article: dict, metas: dict[str, str]) -> str | None:
    main = article.get("mainEntityOfPage")
    candidates = tree.xpath("//link[@rel='canonical']/@href")[:1] + [
        metas.get("og:url", ""),
        article.get("url"),
        main.get("@id") if isinstance(main, dict) else main,
    ]
    return next((c.strip() for c in candidates if isinstance(c, str) and c.strip().startswith("http")), None)


def _captions(tree: HtmlElement, article: dict) -> tuple[list[str], list[str]]:
    """Photo captions (credits cut out) and the photo credits, in page order, without duplicates."""
    captions: list[str] = []
    credits: list[str] = []
    nodes = tree.xpath(CAPTION_XPATH)[:300]
    chosen = set(nodes)
    for node in nodes:
        if node.xpath(BOILER) or any(a in chosen for a in node.iterancestors()):
            continue
        node = copy(node)
        credit = None
        for el in node.xpath(".//*[@class or @itemprop] | .//cite"):
            marks = (el.get("class") or "") + " " + (el.get("itemprop") or "")
            if (el.tag == "cite" or CREDIT_CLASS.search(marks)) and el.getparent() is not None:
                credit = credit or text_of(el)
                _drop(el)
        text, inline_credit = credit_split(text_of(node))
        if len(text.split()) <= 150:
            _add(captions, text)
            _add(credits, credit or inline_credit)
    for alt in tree.xpath("//img/@alt")[:300]:
        # news agencies put the whole caption, credit included, in the alt text of gallery images
        text, inline_credit = credit_split(alt)
        if inline_credit and len(text.split()) >= 6:
            _add(captions, text)
            _add(credits, inline_credit)
    images = article.get("image")
    for image in (images if isinstance(images, list) else [images])[:20]:
        if isinstance(image, dict):
            text, inline_credit = credit_split(_first(image.get("caption"), image.get("description")))
            _add(captions, text)
            _add(credits, _first(image.get("creditText"), image.get("copyrightHolder")) or inline_credit)
    return _drop_contained(captions), credits


def _drop(el: etree._Element) -> None:
    """Remove an element but keep the text that follows it."""
    parent, tail = el.getparent(), el.tail or ""
    prev = el.getprevious()
    if prev is not None:
        prev.tail = (prev.tail or "") + tail
    else:
        parent.text = (parent.text or "") + tail
    parent.remove(el)


def _add(items: list[str], text: str | None) -> None:
    if text and len(text) >= 3 and text.casefold() not in {i.casefold() for i in items}:
        items.append(text)


def _drop_contained(captions: list[str]) -> list[str]:
    """Drop captions that are part of a longer caption (nested caption markup, JSON-LD repeats)."""
    folded = [c.casefold() for c in captions]
    return [c for i, c in enumerate(captions) if not any(i != j and folded[i] in f for j, f in enumerate(folded))]


def _blockquotes(tree: HtmlElement) -> list[str]:
    """Block quotes of the article text, without embedded social media posts."""
    out: list[str] = []
    for bq in tree.xpath("//blockquote")[:100]:
        classes = " ".join(x.get("class", "") for x in [bq, *bq.iterancestors()][:4])
        if EMBED_CLASS.search(classes) or bq.xpath(BOILER) or bq.xpath("ancestor::blockquote"):
            continue
        text = text_of(bq, paragraphs=True)
        if text and "pic.twitter.com" not in text and not re.search(r"\(@\w+\)\s+\w+ \d", text):
            _add(out, text)
    return out
