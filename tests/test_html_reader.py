"""The HTML reader on small pages written for these tests, plus a smoke run over real pages when present."""

from __future__ import annotations

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from search.errors import ReadError
from search.readers import html, read

PARAGRAPHS = [
    "The harbour board of Port Aldwin voted on Tuesday to close the old fish market after a century of trading, "
    "ending a long argument between stall holders and the town council about the cost of repairs.",
    "Stall holders said the decision came without warning. Many families have sold their catch from the same "
    "wooden benches for four generations, and several said they would look for space in the covered hall.",
    "The board said the roof of the market had been declared unsafe by engineers last winter and that the "
    "repairs would cost more than the market earns in ten years of rent from its forty stalls.",
    "A new market is planned on the east quay, where the board owns an empty warehouse. Work could start next "
    "spring if the council approves the plans and the money is found in the regional budget.",
    "Until then, traders will be allowed to sell from vans parked along the harbour wall on weekday mornings, "
    "a compromise that the traders' association described as better than nothing but far from enough.",
]

LD = {
    "@context": "https://schema.org",
    "@type": "NewsArticle",
    "headline": "Port Aldwin votes to close its old fish market",
    "datePublished": "2024-03-05T09:30:00+00:00",
    "articleSection": "Local",
    "author": [{"@type": "Person", "name": "Mara Ellison"}, {"@type": "Person", "name": "Tom Gadd"}],
    "image": {"@type": "ImageObject", "caption": "The market hall seen from the quay"},
}


def page(body: str, head: str = "", ld: dict | None = LD) -> bytes:
    """A whole HTML page around the given body markup."""
    script = f'<script type="application/ld+json">{json.dumps(ld)}</script>' if ld else ""
    return f"<!DOCTYPE html><html><head>{head}{script}</head><body>{body}</body></html>".encode()


ARTICLE = page(
    head=(
        '<meta charset="utf-8"><title>Port Aldwin votes to close its old fish market | The Aldwin Courier</title>'
        '<meta property="og:site_name" content="The Aldwin Courier">'
        '<meta property="og:title" content="Port Aldwin votes to close its old fish market">'
        '<link rel="canonical" href="https://courier.example/local/fish-market-closes">'
    ),
    body=(
        '<nav><a href="/">Home</a> <a href="/local">Local</a> <a href="/sport">Sport news menu</a></nav>'
        '<div class="share-bar"><a>Share on social media</a><a>Email this article</a></div>'
        "<article><h1>Port Aldwin votes to close its old fish market</h1>"
        '<p class="byline">By Mara Ellison and Tom Gadd</p>'
        '<time datetime="2024-03-05T09:30:00Z">5 March 2024</time>'
        '<figure><img src="market.jpg" alt="">'
        "<figcaption>Traders pack up their stalls on the last morning. "
        '<span class="credit">Photo: Ana Ruiz / Courier</span></figcaption></figure>'
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS[:3])
        + "<blockquote><p>We were here before the harbour wall was built.</p></blockquote>"
        + '<blockquote class="twitter-tweet"><p>Sad day at the market</p>&mdash; A fan (@fan) March 5, 2024'
        "</blockquote>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS[3:]) + "</article>"
        '<aside class="related"><h3>Related stories</h3><ul><li><a>Council budget row deepens again</a></li>'
        "<li><a>Ferry timetable changes announced for summer</a></li></ul></aside>"
        '<section id="comments" class="comments"><h3>Comments</h3>'
        '<div class="comment"><p>Reader Bob wrote: this is a disgrace and the council should resign now.</p></div>'
        "</section>"
        "<footer><p>Copyright The Aldwin Courier. All rights reserved. Privacy policy. Contact us.</p></footer>"
    ),
)


def test_news_page_fills_every_field() -> None:
    art = html.read(ARTICLE, "market.html")
    assert art.format == "html"
    assert art.headline == "Port Aldwin votes to close its old fish market"
    assert art.byline == "Mara Ellison, Tom Gadd"
    assert art.published == datetime(2024, 3, 5, 9, 30, tzinfo=UTC)
    assert art.section == "Local"
    assert art.url == "https://courier.example/local/fish-market-closes"
    assert "Traders pack up their stalls on the last morning." in art.captions
    assert "The market hall seen from the quay" in art.captions
    assert art.credit == "Photo: Ana Ruiz / Courier"
    assert art.blockquotes == ["We were here before the harbour wall was built."]


def test_body_keeps_the_article_and_drops_the_boilerplate() -> None:
    body = html.read(ARTICLE, "market.html").body
    paragraphs = body.split("\n\n")
    for p in PARAGRAPHS:
        assert p in paragraphs
    for junk in (
        "Sport news menu",
        "Share on social media",
        "Related stories",
        "Council budget row",
        "Reader Bob",
        "All rights reserved",
    ):
        assert junk not in body


def test_site_name_tail_is_cut_from_the_title() -> None:
    head = (
        "<title>Lantern festival returns to the old town - Aldwin Courier</title>"
        '<meta name="application-name" content="Aldwin Courier">'
    )
    art = html.read(page("<p>" + PARAGRAPHS[0] + "</p>", head=head, ld=None), "t.html")
    assert art.headline == "Lantern festival returns to the old town"


def test_title_separator_inside_a_headline_is_kept() -> None:
    head = "<title>Rain or shine - the market stays open</title>"
    art = html.read(page("<p>" + PARAGRAPHS[0] + "</p>", head=head, ld=None), "t.html")
    assert art.headline == "Rain or shine - the market stays open"


def test_markup_in_headlines_is_shown_as_text() -> None:
    body = "<h1>Why &lt;script&gt; tags still worry web editors</h1><p>" + PARAGRAPHS[0] + "</p>"
    art = html.read(page(body, head="<title>x</title>", ld=None), "s.html")
    assert art.headline == "Why <script> tags still worry web editors"
    art = html.read(page("<p>" + PARAGRAPHS[0] + "</p>", head="<title>A <script> in a title</title>", ld=None), "s")
    assert art.headline == "A <script> in a title"


def test_inline_photo_credit_is_split_from_the_caption() -> None:
    body = (
        "<figure><img src=a.jpg><figcaption>Boats in the harbour at dawn. Photo: Jo Brand / Getty Images"
        "</figcaption></figure><p>" + PARAGRAPHS[0] + "</p>"
    )
    art = html.read(page(body, ld=None), "c.html")
    assert art.captions == ["Boats in the harbour at dawn."]
    assert art.credit == "Photo: Jo Brand / Getty Images"


def test_ten_thousand_nested_divs() -> None:
    data = page(
        "<h1>Nested market report</h1>" + "<div>" * 10_000 + "<p>" + PARAGRAPHS[0] + "</p>" + "</div>" * 10_000, ld=None
    )
    art = html.read(data, "deep.html")
    assert art.headline == "Nested market report"
    assert PARAGRAPHS[0] in art.body


def deep_page(depth: int, unit: str = "<div>", close: bool = True) -> bytes:
    """An article nested `depth` units deep (as broken CMS markup does), with nav, figure, body and footer."""
    return page(
        '<nav class="menu"><a href="/">Home</a> <p>Sport news menu and weather links</p></nav>'
        "<header><p>Subscribe to the Aldwin Courier today</p></header>"
        "<h1>Port Aldwin votes to close its old fish market</h1>"
        + unit * depth
        + '<figure><img src="market.jpg" alt=""><figcaption>Traders pack up their stalls on the last morning. '
        '<span class="credit">Photo: Ana Ruiz / Courier</span></figcaption></figure>'
        + "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + ("</div>" * depth if close else "")
        + '<aside class="related"><p>Related stories: council budget row deepens again</p></aside>'
        "<footer><p>Copyright The Aldwin Courier. All rights reserved. Privacy policy.</p></footer>",
        ld=None,
    )


def assert_structure_kept(art) -> None:
    """Headline, caption and credit, every body paragraph; no navigation, header, aside or footer text."""
    assert art.headline == "Port Aldwin votes to close its old fish market"
    assert art.captions == ["Traders pack up their stalls on the last morning."]
    assert art.credit == "Photo: Ana Ruiz / Courier"
    assert art.body.split("\n\n") == PARAGRAPHS
    for junk in ("Sport news menu", "Subscribe", "Related stories", "All rights reserved", "Traders pack up"):
        assert junk not in art.body


@pytest.mark.parametrize("depth", [3_000, 10_000])
def test_page_deeper_than_libxml2_keeps_its_structure(depth: int) -> None:
    # libxml2 stops building the tree at depth 2,048; the page is read through BeautifulSoup instead
    data = deep_page(depth)
    assert html.parse(data.decode()).xpath("count(//div)") >= depth
    assert_structure_kept(html.read(data, "deep.html"))


def test_deep_page_with_more_tags_than_a_soup_is_streamed() -> None:
    # 150,000 unclosed <div><span> pairs: too many elements for a soup, read in one streaming pass
    data = deep_page(75_000, unit="<div><span>", close=False)
    assert html.parse(data.decode()) is None
    assert_structure_kept(html.read(data, "deeper.html"))


def test_big_page_is_read_in_one_pass_with_its_metadata() -> None:
    filler = "".join(f"<li><a href='/a/{i}'>Archive link number {i}</a></li>" for i in range(120_000))
    data = ARTICLE.replace(b"<footer>", b"<footer><ul>" + filler.encode() + b"</ul>")
    assert len(data) > html.BIG_PAGE
    art = html.read(data, "big.html")
    small = html.read(ARTICLE, "market.html")
    for name in ("headline", "byline", "published", "section", "url", "captions", "credit", "blockquotes"):
        assert getattr(art, name) == getattr(small, name), name
    assert [p for p in art.body.split("\n\n") if p in PARAGRAPHS] == PARAGRAPHS
    assert "Archive link" not in art.body and "Sport news menu" not in art.body


@pytest.mark.parametrize(
    ("dateline", "expected"),
    [
        ("erstellt: 01. April 2025, 15:25", datetime(2025, 4, 1, 15, 25)),
        ("Published 5 December 2011 14:05 GMT | Updated 6 December 2011", datetime(2011, 12, 5, 14, 5, tzinfo=UTC)),
        ("December 5, 2011 2:30 PM EST", datetime(2011, 12, 5, 19, 30, tzinfo=UTC)),
        ("06.01.2026, Lesezeit 5 Min.", datetime(2026, 1, 6)),
    ],
)
def test_visible_dateline_when_the_page_has_no_date_metadata(dateline: str, expected: datetime) -> None:
    body = f"<h1>Harbour board closes the market</h1><div class='meta-date'>{dateline}</div><p>{PARAGRAPHS[0]}</p>"
    assert html.read(page(body, ld=None), "d.html").published == expected


def test_dates_of_teasers_far_from_the_headline_are_not_the_articles() -> None:
    teasers = "".join(f"<li><a>Older story {i}</a> <span class='date'>24.04.2023</span></li>" for i in range(5))
    body = "<h1>Harbour board closes the market</h1>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS * 10)
    art = html.read(page(body + f"<ul class='teasers'>{teasers}</ul>", ld=None), "t.html")
    assert art.published is None


def test_xml_declaration_charset() -> None:
    # windows-1251 bytes that charset detection alone reads as other letters; the XML declaration names them
    title = "Съезд партии"
    text = (
        '<?xml version="1.0" encoding="windows-1251"?>\n<!DOCTYPE html><html><head>'
        f"<title>{title}</title></head><body><h1>{title}</h1><p>Съезд партии открылся в Москве.</p></body></html>"
    )
    art = html.read(text.encode("windows-1251"), "ru.html")
    assert art.headline == title
    assert "открылся в Москве" in art.body


@pytest.mark.parametrize(
    "head",
    [
        '<meta charset="iso-8859-2">',
        "<meta http-equiv='Content-Type' content='text/html; charset=ISO-8859-2'>",
        '<?xml version="1.0" encoding="iso-8859-2"?>',
    ],
)
def test_declared_legacy_charset_is_used(head: str) -> None:
    # iso-8859-2 and windows-1250 share most bytes; undeclared, "ą", "ś", "ź" come out as other letters
    title = "Zażółć gęślą jaźń: śledź w Łodzi"
    opening = f"{head}<html><head>" if head.startswith("<?xml") else f"<html><head>{head}"
    doc = opening + f"<title>{title}</title></head><body><p>{title}.</p></body></html>"
    art = html.read(doc.encode("iso-8859-2"), "pl.html")
    assert art.headline == title


def test_charset_declared_after_a_long_style_block_is_found() -> None:
    # sites put kilobytes of inline CSS before their <meta charset>; detection alone misreads these letters
    title = "Zażółć gęślą jaźń: śledź w Łodzi"
    style = "<style>" + "".join(f".c{i} {{ margin: {i}px; }}\n" for i in range(800)) + "</style>"
    doc = f"<html><head>{style}<meta charset='iso-8859-2'><title>{title}</title></head><body><p>{title}.</p></body>"
    data = doc.encode("iso-8859-2")
    assert data.index(b"charset") > 10_000
    assert html.read(data, "pl.html").headline == title


def test_wrong_declared_charset_and_invalid_utf8() -> None:
    # declared windows-1252, written as UTF-8, with one stray Latin-1 byte: text survives either way
    data = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=windows-1252">'
        "<title>Café owners protest</title></head><body><p>" + PARAGRAPHS[0] + " Prices rose to £5.</p></body></html>"
    ).encode() + b"<p>Caf\xe9</p>"
    art = html.read(data, "cafe.html")
    assert art.headline == "Café owners protest"
    assert "Prices rose to £5." in art.body
    latin = "<html><head><meta charset='iso-8859-1'><title>Crème brûlée day</title></head></html>"
    assert html.read(latin.encode("latin-1"), "l.html").headline == "Crème brûlée day"


def test_truncated_page_still_gives_what_it_has() -> None:
    data = page("<h1>Half a page</h1><p>" + PARAGRAPHS[0] + "</p>", ld=None)[:-60]
    art = html.read(data, "half.html")
    assert art.headline == "Half a page"
    assert PARAGRAPHS[0][:50] in art.body


def test_big_page_path_collects_paragraphs() -> None:
    tree = html.parse(
        page("<nav><p>Menu</p></nav><div>" + "".join(f"<p>{p}</p>" for p in PARAGRAPHS) + "</div>").decode()
    )
    assert html.extract_body(tree, big=True).split("\n\n") == PARAGRAPHS


@pytest.mark.parametrize(
    ("name", "data"),
    [("empty.html", b""), ("blank.html", b" \n\t "), ("junk.html", b"\x00\x01\x02\xff" * 200)],
)
def test_empty_and_junk_pages_are_reported(tmp_path: Path, name: str, data: bytes) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    result = read(path)
    assert result.articles == [] and len(result.errors) == 1


def test_page_without_any_article_is_a_read_error() -> None:
    with pytest.raises(ReadError, match="no article"):
        html.read(b"<html><head><script>var x = 1;</script></head><body><div></div></body></html>", "x.html")


def test_real_pages_have_headline_and_body(shared_data: Path) -> None:
    aeb = sorted((shared_data / "aeb" / "html").glob("*.html.gz"))[:5]
    fundus = sorted((shared_data / "fundus" / "us").glob("*.html.gz"))[:5]
    assert aeb and fundus
    for path in aeb + fundus:
        art = html.read(gzip.decompress(path.read_bytes()), str(path))
        assert art.headline, path.name
        assert len(art.body.split()) > 50, path.name


def test_a_big_page_in_a_legacy_charset_with_few_letters_outside_ascii_is_read_in_its_charset() -> None:
    # a few non-ASCII bytes in a big page are not "UTF-8 but for a few stray bytes" when no byte of the page is
    # UTF-8 outside ASCII: the declared charset is right
    title = "Zażółć gęślą jaźń: śledź w Łodzi"
    style = "<style>" + "".join(f".c{i} {{ margin: {i}px; }}\n" for i in range(2000)) + "</style>"
    doc = f"<html><head><meta charset='iso-8859-2'>{style}<title>{title}</title></head><body><p>Tekst.</p></body>"
    data = doc.encode("iso-8859-2")
    assert len(data) > 40_000
    assert html.read(data, "pl.html").headline == title


def test_a_time_marked_pubdate_is_the_date_even_after_another_time() -> None:
    doc = (b'<html><head><title>Harbour wall</title></head><body><article><h1>Harbour wall</h1>'
           b'<p>Comment: <time datetime="2020-05-05">May 5</time></p>'
           b'<p><time pubdate datetime="2019-03-02T10:00:00Z">March 2</time></p>'
           b"<p>The harbour wall was repaired after the storm, the council said on Monday evening.</p>"
           b"</article></body></html>")
    assert html.read(doc, "a.html").published == datetime(2019, 3, 2, 10, tzinfo=UTC)
