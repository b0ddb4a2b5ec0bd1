"""Big HTML pages -> metadata and body text in one streaming pass, without building the page's tree.

html.py sends pages above BIG_PAGE here (and deep pages too big for a soup). lxml's parser runs with a Python
target: it reports start tags, text and end tags as it reads, at any depth, and keeps no tree. A small "skeleton"
tree is built of what html_meta reads (head, title, meta and JSON-LD, headlines, figures and captions, block
quotes, bylines and dates, the nav/footer/aside around them), capped in size, so extract_meta works unchanged;
the body is the paragraphs of the element holding the most paragraph text, as html._paragraphs picks it.
Memory stays a small multiple of the page: the page text, the paragraph texts and the capped skeleton.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from search.readers.html_meta import POSITION
from search.readers.html_text import squash

CHUNK = 1 << 20  # characters fed to the parser at a time
SKELETON_ELEMENTS = 20_000  # caps on the skeleton: html_meta never looks at more than a few hundred elements
SKELETON_TEXT = 2 * 1024 * 1024
SKELETON_DEPTH = 200
TRACK_DEPTH = 10_000  # paragraphs deeper than this share their parent (the element open at this depth)
LD_TEXT = 1024 * 1024  # JSON-LD script text kept per page

# not article text (html._NOT_TEXT): their text stays out of the body
NOT_TEXT = frozenset("script style noscript template svg iframe nav header footer aside form button select".split())
# always in the skeleton: html_meta's sources, and the boilerplate containers its XPaths test against
SKELETON = frozenset("head body title meta link h1 figure figcaption blockquote time img nav footer aside form".split())
# in the skeleton with their text and everything inside them
TEXTY = frozenset("title h1 figcaption blockquote time cite".split())
MARKED = re.compile(r"caption|escription|author|byline|credit|date|publish", re.I)
GALLERY = re.compile(r"arousel|allery|lideshow", re.I)  # containers html_meta looks for around captions
KEPT_ATTRS = frozenset(
    "class itemprop rel property name content href datetime pubdate type alt charset http-equiv id".split()
)


class _Runs:
    """Text runs joined into blocks every 10,000 runs: millions of short runs as separate strings would take
    ~8x their text (60 MB of <span>word</span> is 3.5 million runs)."""

    __slots__ = ("runs", "blocks")

    def __init__(self) -> None:
        self.runs: list[str] = []
        self.blocks: list[str] = []

    def add(self, text: str) -> None:
        self.runs.append(text)
        if len(self.runs) >= 10_000:
            self.blocks.append("".join(self.runs))
            self.runs.clear()

    def text(self) -> str:
        return "".join(self.blocks) + "".join(self.runs)


@dataclass(slots=True)
class _Frame:
    """An open element that matters: in the skeleton, a paragraph, or a not-text container."""

    depth: int
    tag: str
    skeleton: bool = False
    texty: bool = False
    not_text: bool = False
    paragraph: _Runs | None = None
    ld: bool = False


class _Collector:
    """lxml parser target: routes each piece of text to the skeleton, a paragraph, or the loose body text.

    lxml calls it for every tag and text run of the page (~18 million calls on 60 MB of nested tags), so it
    keeps to slots and integer state, and stacks only the elements that matter (see _Frame).
    """

    __slots__ = (
        "builder", "depth", "frames", "top", "serials", "classes", "serial", "skeleton_depth", "texty_depth",
        "not_text_depth", "in_body", "skeleton_elements", "skeleton_text", "ld_text", "paragraphs", "weight",
        "loose", "open_paragraph",
    )

    def __init__(self) -> None:
        self.builder = etree.TreeBuilder(parser=lxml.html.HTMLParser(remove_comments=True))
        self.depth = 0
        self.frames: list[_Frame] = []
        self.top = -1  # depth of the innermost frame
        self.serials: list[int] = []  # serial numbers of the open elements, up to TRACK_DEPTH
        self.classes: list[str | None] = []  # and their class attributes
        self.serial = 0
        self.skeleton_depth = self.texty_depth = self.not_text_depth = 0
        self.in_body = False
        self.skeleton_elements = self.skeleton_text = self.ld_text = 0
        self.paragraphs: list[tuple[int, str]] = []
        self.weight: dict[int, int] = {}
        self.loose = _Runs()  # text outside paragraphs
        self.open_paragraph: _Runs | None = None

    def start(self, tag: str, attrib: dict[str, str]) -> None:
        depth = self.depth = self.depth + 1
        self.serial += 1
        if depth <= TRACK_DEPTH:
            self.serials.append(self.serial)
            self.classes.append(attrib.get("class") if attrib else None)
        keep = tag in SKELETON or self.texty_depth > 0
        marked = ld = False
        if attrib:  # most tags of a hostile page have none: keep this path cheap
            marked = any(MARKED.search(attrib.get(a) or "") for a in ("class", "itemprop", "rel", "id"))
            ld = tag == "script" and "ld+json" in (attrib.get("type") or "").lower()
            keep = keep or marked or ld or bool(GALLERY.search(attrib.get("class") or ""))
        if not (keep or tag in NOT_TEXT or tag == "p" or tag == "body"):
            return
        frame = _Frame(depth, tag)
        if tag == "body":
            self.in_body = True
        if keep and self.skeleton_depth < SKELETON_DEPTH and self.skeleton_elements < SKELETON_ELEMENTS:
            attrs = {k: v for k, v in attrib.items() if k in KEPT_ATTRS}
            attrs[POSITION] = str(self.serial)  # the element's place in the whole page, for html_meta's distances
            if tag == "blockquote":  # html_meta tells embedded posts by their ancestors' classes, not all kept here
                attrs["class"] = " ".join(c for c in [attrs.get("class"), *self.classes[-4:-1]] if c)
            try:
                self.builder.start(tag, attrs)
            except (ValueError, TypeError):
                pass
            else:
                frame.skeleton = True
                frame.texty = tag in TEXTY or marked or self.texty_depth > 0
                frame.ld = ld
                self.skeleton_depth += 1
                self.skeleton_elements += 1
                self.texty_depth += frame.texty
        if tag in NOT_TEXT:
            frame.not_text = True
            self.not_text_depth += 1
        if tag == "p" and self.open_paragraph is None and not self.not_text_depth:
            frame.paragraph = self.open_paragraph = _Runs()
        if frame.skeleton or frame.not_text or frame.paragraph is not None:
            self.frames.append(frame)
            self.top = depth

    def end(self, tag: str) -> None:
        depth = self.depth
        if self.top == depth:
            self.close_frame(self.frames.pop())
            self.top = self.frames[-1].depth if self.frames else -1
        if depth <= TRACK_DEPTH:
            self.serials.pop()
            self.classes.pop()
        self.depth = depth - 1

    def close_frame(self, frame: _Frame) -> None:
        """End one open element: its skeleton node, its text depth counts, its paragraph."""
        if frame.skeleton:
            self.builder.end(frame.tag)
            self.skeleton_depth -= 1
            self.texty_depth -= frame.texty
        if frame.not_text:
            self.not_text_depth -= 1
        if frame.paragraph is not None:
            self.open_paragraph = None
            text = squash(frame.paragraph.text())
            if text:
                # its parent: the element open just above the <p> (the one at TRACK_DEPTH on absurd pages)
                at = min(self.depth - 2, TRACK_DEPTH - 1)
                parent = self.serials[at] if 0 <= at < len(self.serials) else 0
                self.paragraphs.append((parent, text))
                self.weight[parent] = self.weight.get(parent, 0) + len(text)

    def data(self, text: str) -> None:
        if self.top == self.depth and self.frames[-1].ld:
            if self.ld_text < LD_TEXT:
                self.builder.data(text)
                self.ld_text += len(text)
            return
        if self.texty_depth and self.skeleton_text < SKELETON_TEXT:
            self.builder.data(text)
            self.skeleton_text += len(text)
        if self.not_text_depth:
            return
        if self.open_paragraph is not None:
            self.open_paragraph.add(text)
        elif self.in_body:
            self.loose.add(text)

    def comment(self, text: str) -> None:
        pass

    def close(self) -> _Collector:
        return self


def stream_read(text: str) -> tuple[HtmlElement, str]:
    """(skeleton tree for html_meta.extract_meta, body text) of a page, read in one pass without its tree."""
    collector = _Collector()
    collector.builder.start("html", {POSITION: "0"})  # the skeleton's root; the page's own <html> is not kept
    parser = etree.HTMLParser(target=collector, huge_tree=True, recover=True, remove_comments=True)
    for i in range(0, len(text), CHUNK):
        parser.feed(text[i : i + CHUNK])
    parser.close()
    while collector.frames:  # the parser closes what a page leaves open; this is only a safety net
        collector.depth = collector.frames[-1].depth
        collector.close_frame(collector.frames.pop())
    collector.top = -1
    collector.builder.end("html")
    return collector.builder.close(), _body(collector)


def _body(collector: _Collector) -> str:
    """The <p> texts under the element holding the most paragraph text, else all text of the body, by line."""
    if collector.weight:
        best = max(collector.weight, key=collector.weight.__getitem__)
        return "\n\n".join(t for parent, t in collector.paragraphs if parent == best)
    lines = collector.loose.text().splitlines()
    return "\n\n".join(x for x in (squash(line) for line in lines) if x)
