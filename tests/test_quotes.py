"""Quotation and source attribution (search/quotes/) on invented sentences and our seed article."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest

from search.articles import Article
from search.ingest import parse_file
from search.quotes import attribute, extract_quotes, normalise_source
from search.quotes.repeats import held

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "iraq-withdrawal-2011.txt"

# the relevant sentences of the seed article (our own material), so the case runs without the file
SEED_BODY = """About 300,000 uniformed personnel and contractors spread across 500 bases occupied Iraq during \
the height of America’s nearly nine-year occupation. Today, all but 8,000 US troops and 5,000 contractors \
remain, the Wall Street Journal reported.

That number is expected to move down to zero by the end of December, with the exception of about 200 \
soldiers attached to the US embassy in Baghdad, Al Jazeera reported.

In recent months, the US military have been withdrawing its troops and bases in Iraq. US President Barack \
Obama announced in October that the government will withdraw all American troops out of Iraq by the end of \
2011 in an agreement made with Prime Minister Mouri al-Maliki.

The departure of US soldiers does not necessarily mean the war is over, however, as Al Jazeera wrote:

“Tens of millions of Iraqis are not leaving the country, of course, and for them the war is not over, not \
when car bombs and assassinations are a part of daily life. At least 187 civilians were killed last month \
in attacks, according to official figures, and the actual tally is almost certainly higher. The security \
situation in much of the country remains tenuous at best.”

The near decade war has taken a bloody toll for both countries. Nearly 4,500 U.S. military personnel and \
more than 100,000 Iraqi civilians have died from the war, according to Iraq Body Count."""


def seed_body_from_file() -> str:
    """The seed's body paragraphs: after the photo credit, without the 'More from GlobalPost' teasers."""
    text = SEED.read_text(encoding="utf-8")
    body = text.split("Mario Tama", 1)[1]
    return "\n".join(p for p in body.splitlines() if not p.startswith("More from GlobalPost"))


def check_seed(body: str) -> None:
    """The acceptance case: one direct quote by Al Jazeera, and the three outlets as sources."""
    article = attribute(Article(path="seed.txt", body=body))
    direct = [q for q in article.quotes if q.kind == "direct"]
    assert len(direct) == 1
    assert (direct[0].source, direct[0].cue) == ("Al Jazeera", "wrote")
    assert direct[0].text.startswith("Tens of millions") and direct[0].text.endswith("tenuous at best.")
    assert body[direct[0].start : direct[0].end] == direct[0].text
    for name in ("Wall Street Journal", "Al Jazeera", "Iraq Body Count"):
        assert name in article.sources
    assert not any("official" in s.lower() for s in article.sources)
    assert article.sources.index("Wall Street Journal") < article.sources.index("Iraq Body Count")


def test_seed_inline() -> None:
    check_seed(SEED_BODY)


def test_seed_file() -> None:
    if not SEED.exists():
        pytest.skip(f"seed article not found at {SEED}")
    check_seed(seed_body_from_file())


def test_curly_and_straight_quotes() -> None:
    text = '“We will build the bridge by spring,” Mayor Ann Cole said.\n\n"The money is there," said Tom Reyes.'
    quotes = extract_quotes(text)
    assert [(q.text, q.source, q.cue, q.kind) for q in quotes] == [
        ("We will build the bridge by spring,", "Ann Cole", "said", "direct"),
        ("The money is there,", "Tom Reyes", "said", "direct"),
    ]
    assert all(text[q.start : q.end] == q.text for q in quotes)
    assert text[quotes[0].source_start : quotes[0].source_end] == "Mayor Ann Cole"


def test_split_quote_has_one_source() -> None:
    text = "Jane Doe runs the bakery. “We open at six,” she said. “We close when the bread is gone.”"
    quotes = extract_quotes(text)
    assert {q.source for q in quotes} == {"Jane Doe"}
    assert "We close when the bread is gone." in " ".join(q.text for q in quotes)
    assert quotes[0].source_mention == "she"


def test_multi_paragraph_quote() -> None:
    text = (
        "Coach Lee Park spoke after the game.\n\n“We played hard in the first half and we kept the ball.\n\n"
        "“Then the rain came and nobody could hold on to anything,” Park said."
    )
    quotes = extract_quotes(text)
    assert len(quotes) == 1
    assert quotes[0].text.startswith("We played hard") and quotes[0].text.endswith("anything,")
    assert quotes[0].source == "Lee Park"  # the surname maps to the full name seen earlier


def test_cue_before_the_quote() -> None:
    text = "Asked about the strike, Union leader Maria Gomez said: “Nobody wants this, but we have no choice.”"
    (q,) = extract_quotes(text)
    assert (q.source, q.cue, q.kind) == ("Maria Gomez", "said", "direct")


def test_pronoun_resolves_to_last_person_named() -> None:
    text = "Senator Paul Mint left the hall early.\n\n“I have said all I needed to say tonight,” he told reporters."
    (q,) = extract_quotes(text)
    assert (q.source, q.source_mention, q.cue) == ("Paul Mint", "he", "told")


def test_apposition() -> None:
    text = "“The fund is empty and the roof still leaks,” John Smith, a spokesman for the school board, said."
    (q,) = extract_quotes(text)
    assert q.source == "John Smith"


def test_according_to_and_reported_are_indirect() -> None:
    text = (
        "More than 40 homes were flooded, according to the Red Cross. "
        "The river rose two metres overnight, The Wall Street Journal reported. "
        "Prices fell by a third, according to official figures."
    )
    quotes = extract_quotes(text)
    assert [(q.source, q.cue, q.kind) for q in quotes] == [
        ("Red Cross", "according to", "indirect"),
        ("Wall Street Journal", "reported", "indirect"),
    ]
    assert quotes[0].text == "More than 40 homes were flooded"


@pytest.mark.parametrize("name", ["the Wall Street Journal", "The Wall Street Journal", "WSJ", "Wall Street Journal"])
def test_wsj_aliases(name: str) -> None:
    assert normalise_source(name) == "Wall Street Journal"


def test_normalise_strips_titles_and_the() -> None:
    assert normalise_source("Prime Minister Nouri al-Maliki") == "Nouri al-Maliki"
    assert normalise_source("the Iraq Body Count") == "Iraq Body Count"


def test_surname_maps_to_full_name_and_sources_deduplicated() -> None:
    body = (
        "President Barack Obama spoke on Monday. “We will bring them home,” Obama said.\n\n"
        "Later, the New York Times reported that the plan was final. “It is done,” he added."
    )
    article = attribute(Article(path="a.txt", body=body, blockquotes=["“We will bring them home,” Obama said."]))
    assert article.sources == ["Barack Obama", "New York Times"]
    assert [q.text for q in article.quotes].count("We will bring them home,") == 1


def test_scare_quotes_are_not_quotes() -> None:
    text = "The so-called “reform” bill passed. Critics call the plan a “tax grab” and a giveaway to banks."
    assert [q for q in extract_quotes(text) if q.kind == "direct"] == []


def test_non_names_are_not_sources() -> None:
    text = "“The numbers are worse than last year,” experts said. Unemployment rose, a statement said."
    quotes = extract_quotes(text)
    assert [q.source for q in quotes] == [None]


@pytest.mark.parametrize(
    "text",
    [
        '"' * 10_000,
        "\u201c" * 10_000,
        '\u201c a \u201d b " c \u201d ' * 3_000,
        "A " * 200_000,
        "said " * 100_000,
        "He said \u201cx y z\u201d and " * 5_000,
        "\u201c" + "word " * 100_000,
        "\u201cx\n\n" * 5_000,
    ],
    ids=["straight", "curly", "unbalanced", "capitals", "cues", "dense", "unclosed", "paragraphs"],
)
def test_pathological_inputs_return(text: str) -> None:
    assert isinstance(extract_quotes(text), list)


def test_one_megabyte_body() -> None:
    body = (SEED_BODY + "\n\n") * (1_000_000 // len(SEED_BODY))
    quotes = extract_quotes(body)
    assert sum(q.kind == "direct" for q in quotes) == body.count("Tens of millions")


@pytest.mark.parametrize(
    ("text", "source", "cue"),
    [
        (
            "The repairs cost 212 million crowns, about 18 percent more than first budgeted, "
            "the Kestrel Courier reported last spring.",
            "Kestrel Courier",
            "reported",
        ),
        (
            "According to the Kestrel Chamber of Commerce, eleven businesses on the street "
            "closed in the past two years.",
            "Kestrel Chamber of Commerce",
            "according to",
        ),
        (
            "Insurers expect claims to run into the tens of millions, the Valley Ledger reported, "
            "citing two people familiar with early estimates.",
            "Valley Ledger",
            "reported",
        ),
        (
            "Local residents have agreed to shield street lamps in the villages below the summit, "
            "the Highland Observer reported last year.",
            "Highland Observer",
            "reported",
        ),
        (
            "About 4,200 supporters watched the final, a record for the competition, "
            "according to the Football Association.",
            "Football Association",
            "according to",
        ),
        ("Ms Lindqvist said the library money was well spent.", "Lindqvist", "said"),
        ("The Wall Street Journal reported that talks had stalled.", "Wall Street Journal", "reported"),
        ("Reuters reported on Tuesday that the ferry contract had been cancelled.", "Reuters", "reported"),
        (
            "The ferry contract was cancelled in March, as the New York Times first reported.",
            "New York Times",
            "reported",
        ),
        ("The bridge will close for repairs in May, said councillor Petra Novak.", "Petra Novak", "said"),
        ("The budget is balanced for the first time, said Mayor Tomasz Wierzbicki.", "Tomasz Wierzbicki", "said"),
    ],
)
def test_indirect_attributions(text: str, source: str, cue: str) -> None:
    (q,) = extract_quotes(text)
    assert (q.source, q.cue, q.kind) == (source, cue, "indirect")
    assert text[q.start : q.end] == q.text and len(q.text.split()) >= 3
    assert source.split()[-1] in text[q.source_start : q.source_end]


@pytest.mark.parametrize(
    "text",
    [
        "About 4,200 supporters watched the final, a record for the competition, "
        "according to the county football association.",
        "Reservoir levels stood at 87 percent of capacity on Wednesday, according to the authority's weekly bulletin.",
        "The project was funded by a grant from the Harbour Heritage Fund, according to the archive's annual report.",
    ],
)
def test_unnamed_indirect_sources_are_skipped(text: str) -> None:
    assert [q.source for q in extract_quotes(text) if q.source] == []


def test_indirect_needs_a_named_source() -> None:
    text = (
        "The committee said the budget was balanced. The weather was bad, the spokesman said. "
        "Most shops said they would open on Sunday. For his part, Tom Reyes said. "
        "Anna Berg, 41, a baker from the old town, said she would stay. Media reports say the vote was close."
    )
    assert [(q.source, q.text) for q in extract_quotes(text)] == [("Anna Berg", "she would stay")]


# --- cost on hostile text: every shape must come back, with sane quotes (speed is measured in
# bench/attribution_cost.py, not asserted here) ---

SIZE = 200_000
_SENTENCES = [s + "." for s in SEED_BODY.replace("\n", " ").split(". ") if s]


def _fill(unit: str, size: int = SIZE) -> str:
    return (unit * (size // len(unit) + 1))[:size]


HOSTILE = {
    "one paragraph": _fill(SEED_BODY.replace("\n", " ") + " "),
    "only opening marks": _fill(
        " ".join(f"\u201c{w}" if i % 7 == 0 else f'"{w}' if i % 11 == 0 else w for i, w in enumerate(SEED_BODY.split()))
        + " "
    ),
    "cue words": _fill("said " * 300 + "\u201cWe will go on with it,\u201d said said Anna Berg said according to "),
    "capitalised runs": _fill(
        " ".join(f"Harbour{i % 97} Kestrel Valley" for i in range(3000)) + " said, \u201cWe have a plan.\u201d\n\n"
    ),
    "one line without spaces": _fill("".join(SEED_BODY.split())),
    "short paragraphs": _fill(
        "\n\n".join([*_SENTENCES, "\u201cYes,\u201d he said.", "\u201cNo,\u201d said Tom Reyes."]) + "\n\n"
    ),
    "whitespace inside a quote": "\u201ca " + " " * SIZE + "b\nc\u201d said Tom Reyes.",
    "tabs and no-break spaces": "Tom Reyes said \u201ca" + "\t\u00a0" * (SIZE // 2) + "\u201d",
    "said, said": _fill("said, "),
    "quote said, quote said": _fill("\u201cYes,\u201d said, "),
    "said. said.": _fill("said. "),
    "straight marks": _fill('a"'),
    "brackets after a cue": "\u201cWe will win the vote,\u201d said (" + "(" * SIZE,
    "thousands of short quotes": "".join(f"\u201cNo {i},\u201d he said. " for i in range(SIZE // 20)),
    "one quote repeated": _fill("\u201cWe will win the vote,\u201d said Tom Reyes. "),
}


def _words_in_order(needle: str, hay: str) -> bool:
    """Every word of needle appears in hay, in order (a quote may join two halves or two paragraphs)."""
    it = iter(re.findall(r"\w+", hay))
    return all(w in it for w in re.findall(r"\w+", needle))


@pytest.mark.parametrize("name", HOSTILE)
def test_hostile_text_gives_sane_quotes(name: str) -> None:
    text = HOSTILE[name]
    article = attribute(Article(path="hostile.txt", body=text))
    for q in article.quotes:
        assert q.kind in ("direct", "indirect") and q.text.strip()
        assert 0 <= q.start <= q.end <= len(text)
        assert _words_in_order(q.text, text[q.start : q.end]), q
        if q.source is not None:
            assert q.source.strip() and q.source == q.source.strip()
            assert text[q.source_start : q.source_end] == q.source_mention
    assert article.sources == list(dict.fromkeys(q.source for q in article.quotes if q.source))
    assert all(isinstance(s, str) and s for s in article.sources)


def test_repeats_count_once_in_a_long_article() -> None:
    """Thousands of quotes (past the budget of full comparisons): pull quotes and quotes inside longer ones by
    the same speaker still count once, a shorter one by someone else is kept."""
    body = "\n\n".join(
        f"\u201cThe harbour plan number {i} will cost more than anyone said,\u201d Mayor Ann Cole said."
        for i in range(4000)
    )
    body += "\n\n\u201charbour plan number 17 will cost more,\u201d Ann Cole said again."
    body += "\n\n\u201cplan number 2500 will cost more than\u201d is not true, Tom Reyes said later."
    pulled = [
        "\u201cThe harbour plan number 5 will cost more than anyone said.\u201d",
        "\u201cThe ferry is late,\u201d she said.",
    ]
    article = attribute(Article(path="long.txt", body=body, blockquotes=pulled))
    texts = [q.text for q in article.quotes]
    assert len(texts) == len(set(texts)) == 4002
    assert not any("number 17 will cost more," in t for t in texts)
    assert any(t.startswith("plan number 2500") for t in texts)
    assert "The ferry is late," in texts
    assert article.sources == ["Ann Cole", "Tom Reyes"]


def test_repeat_search_is_exact_past_the_budget() -> None:
    """The word-anchored search (budget 0) finds what full scans find, on quotes cut anywhere but at both ends
    of a two-word piece, with and without a condition on the quote holding it."""
    rng = random.Random(8)
    vocab = ["harbour", "bridge", "the", "a", "of", "said", "plan", "cost", "anna", "berg", "no", "nobody", "is"]
    hays = [" ".join(rng.choice(vocab) for _ in range(rng.randint(1, 30))) for _ in range(400)]
    needles = []
    for _ in range(1500):
        toks = rng.choice(hays).split(" ")
        a = rng.randrange(len(toks))
        piece = toks[a : rng.randint(a + 1, min(len(toks), a + 6))]
        if len(piece) == 1:
            i = rng.randrange(len(piece[0]))
            piece = [piece[0][i : rng.randint(i + 1, len(piece[0]))]]
        elif rng.random() < 0.5:
            piece[0] = piece[0][rng.randrange(len(piece[0])) :]
        else:
            piece[-1] = piece[-1][: rng.randint(1, len(piece[-1]))]
        needles.append(" ".join(piece))
    needles = list(dict.fromkeys([*needles, "harbour harbour harbour", "nothing at all here", ""]))
    own = [rng.randrange(-1, len(hays)) for _ in needles]

    def accept(i: int, e: int) -> bool:
        return (i + e) % 3 == 0

    assert held(needles, hays, own, budget=0) == held(needles, hays, own)
    assert held(needles, hays, own, accept, budget=0) == held(needles, hays, own, accept)
    assert any(held(needles, hays, own, accept)) and not all(held(needles, hays, own, accept))


def test_hostile_source_names_normalise() -> None:
    assert normalise_source("the " * 50_000 + "Wall Street Journal") == "Wall Street Journal"
    assert normalise_source("Secretary " + "of " * 50_000 + "State John Kerry").endswith("John Kerry")
    assert normalise_source("Ann Cole (" + "(" * 100_000).startswith("Ann Cole (")
    assert normalise_source("Ann Cole " + "(x) " * 50_000) == "Ann Cole"


@pytest.mark.parametrize("shape", ["one paragraph", "one line without spaces", "short paragraphs"])
def test_hostile_text_files_parse(tmp_path: Path, shape: str) -> None:
    path = tmp_path / "big.txt"
    path.write_text("Harbour news\n\n" + HOSTILE[shape], encoding="utf-8")
    (article,) = parse_file(path).articles
    assert article.headline and article.body
    assert all(_words_in_order(q.text, article.body[q.start : q.end]) for q in article.quotes)


def test_a_record_too_deep_to_read_keeps_its_neighbours(tmp_path: Path) -> None:
    """Records nested about as deep as the parser allows (whether the parser or the reader gives up first) are
    each reported, and the records around them are read and attributed."""
    path = tmp_path / "records.jsonl"
    good = '{"headline": "Bridge reopens", "body": "\u201cWe are back,\u201d said Tom Reyes."}'
    deep = ['{"headline": "deep", "body": ' + "[" * d + '"x"' + "]" * d + "}" for d in range(700, 1000, 25)]
    path.write_text("\n".join([good, *deep, good.replace("Bridge", "Ferry")]) + "\n", encoding="utf-8")
    result = parse_file(path)
    assert [a.headline for a in result.articles] == ["Bridge reopens", "Ferry reopens"]
    assert [a.sources for a in result.articles] == [["Tom Reyes"], ["Tom Reyes"]]
    assert [e.split(": ", 1)[1] for e in result.errors] == ["JSON is nested too deeply"] * len(deep)
