"""Quotation and source attribution (search/quotes.py) on invented sentences and our seed article."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.articles import Article
from search.quotes import attribute, extract_quotes, normalise_source

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
