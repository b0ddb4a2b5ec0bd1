"""Source names, kinds and aliases (search/quotes/names.py, kinds.py, aliases.py) on articles written here."""

from __future__ import annotations

from pathlib import Path

import pytest

from search.articles import Article, Quote
from search.quotes import SHIPPED, Aliases, AliasesError, attribute, extract_quotes, normalise_source, source_kind


def sources(body: str, aliases: Aliases | None = None) -> list[str | None]:
    """The source of every quote of an article, in order."""
    return [q.source for q in attribute(Article(path="a.txt", body=body), aliases).quotes]


# --- names without titles, roles and time words ---


@pytest.mark.parametrize(
    ("body", "name"),
    [
        ("Goalkeeper Ada Brennan said the pitch had been under water since Friday.", "Ada Brennan"),
        ("\u201cWe sail at dawn whatever the weather does,\u201d said Deckhand Jo Smith.", "Jo Smith"),
        ("\u201cWe pass the bill this week,\u201d Senate Majority Leader Mitch McConnell said.", "Mitch McConnell"),
        ("\u201cThe quay needs dredging before winter,\u201d Kestrel Harbour Master Ines Duarte told the council.",
         "Ines Duarte"),
        ("Midfielder Kofi Mensah said, \u201cWe lost the game in the first ten minutes.\u201d", "Kofi Mensah"),
        ("\u201cNobody has paid us since March,\u201d Trawlerman Ian Cole said.", "Ian Cole"),
        ("\u201cThe fund is empty,\u201d Former Treasurer Tove Lind said.", "Tove Lind"),
        ("\u201cThe bridge is safe,\u201d said the town's chief engineer, Ravi Mehta.", "Ravi Mehta"),
    ],
)
def test_titles_and_roles_are_not_part_of_the_name(body: str, name: str) -> None:
    assert sources(body) == [name]


def test_a_job_noun_the_article_writes_in_lower_case_is_a_role() -> None:
    """'Lockkeep' is on no list: the article also says 'the lockkeep', and a given name follows it."""
    body = (
        "The lockkeep opens the gates at six.\n\n"
        "Lockkeep Ines Oblak said the canal would close for repairs in the spring."
    )
    assert sources(body) == ["Ines Oblak"]


def test_a_capitalised_word_before_a_name_stays_when_nothing_says_it_is_a_role() -> None:
    assert sources("\u201cThe label is ours,\u201d Playing Field Promotions said.") == ["Playing Field Promotions"]
    assert sources("\u201cWe asked for the report twice,\u201d Dean Baker said.") == ["Dean Baker"]


@pytest.mark.parametrize(
    ("body", "names"),
    [
        (
            "Anna Berg runs the boatyard on the north shore.\n\n"
            "On Thursday Berg told reporters that the yard would close in the new year.",
            ["Anna Berg"],
        ),
        ("On Thursday Berg told reporters: \u201cThe yard will close in the new year.\u201d", ["Berg"]),
        ("Last week Smith said that the ferry would not run again this year.", ["Smith"]),
        ("In May Smith said the plant would close within the year.", ["Smith"]),
        ("\u201cWe are not finished with the valley,\u201d May Lund said.", ["May Lund"]),
        ("\u201cIt is over for this season,\u201d Earlier Tom Reyes said.", ["Tom Reyes"]),
        ("Tuesday Priya Raman said the harbour fees would rise by a tenth.", ["Priya Raman"]),
    ],
)
def test_time_words_are_never_part_of_a_name(body: str, names: list[str]) -> None:
    found = sources(body)
    assert found == names
    assert not any(word in (s or "") for s in found for word in ("Thursday", "Tuesday", "Last", "Earlier"))


def test_a_surname_alone_is_the_full_name_used_earlier() -> None:
    body = (
        "Goalkeeper Ada Brennan kept a clean sheet for the fourth game running.\n\n"
        "\u201cThe defence did the work,\u201d Brennan said. \u201cI only had to catch two balls.\u201d\n\n"
        "\u201cShe will play on Sunday,\u201d coach Lee Park said. Park said that the squad was fit."
    )
    quotes = attribute(Article(path="a.txt", body=body)).quotes
    assert [q.source for q in quotes] == ["Ada Brennan", "Lee Park", "Lee Park"]
    assert quotes[0].source_mention == "Brennan"


def test_a_description_is_the_person_it_describes() -> None:
    body = (
        "Florida Sen. Marco Rubio spoke first at the town hall.\n\n"
        "The Florida senator sought to calm his supporters, saying the person would \u201cnot get beat up\u201d "
        "at his rally."
    )
    (q,) = extract_quotes(body)
    assert (q.source, q.source_mention, q.source_kind) == ("Marco Rubio", "The Florida senator", "person")


def test_an_organisation_keeps_the_words_of_its_name() -> None:
    assert normalise_source("Republican National Committee") == "Republican National Committee"
    assert normalise_source("the House Armed Services Committee") == "House Armed Services Committee"
    assert normalise_source("the state Division of Gaming Enforcement") == "Division of Gaming Enforcement"


def test_long_hostile_names_normalise() -> None:
    assert normalise_source("Goalkeeper " * 50_000 + "Ada Brennan") == "Ada Brennan"
    assert normalise_source("Thursday " * 50_000 + "Berg") == "Berg"


# --- kinds ---


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("Priya Raman", "person"),
        ("Tomasz Wierzbicki", "person"),
        ("Lindqvist", "person"),
        ("Emily Post", "person"),
        ("Kestrel Courier", "outlet"),
        ("Valley Ledger", "outlet"),
        ("Highland Observer", "outlet"),
        ("North Coast Radio", "outlet"),
        ("Reuters", "outlet"),
        ("Associated Press", "outlet"),
        ("Wall Street Journal", "outlet"),
        ("Kestrel Chamber of Commerce", "organisation"),
        ("Ministry of Transport", "organisation"),
        ("Vell Water Authority", "organisation"),
        ("Harbour Workers Union", "organisation"),
        ("University of Leeds", "organisation"),
        ("Norsk Hydro Inc.", "organisation"),
        ("FBI", "organisation"),
        ("Russia", "organisation"),
        ("Republicans", "organisation"),
        ("Iraq Body Count", "organisation"),
    ],
)
def test_source_kind(name: str, kind: str) -> None:
    assert source_kind(name) == kind


def test_every_attributed_quote_has_the_kind_of_its_source() -> None:
    body = (
        "\u201cWe promised the town a bridge that will stand for a hundred years,\u201d Mayor Tomasz Wierzbicki "
        "said.\n\n"
        "The repairs cost 212 million crowns, the Kestrel Courier reported.\n\n"
        "Eleven shops closed in two years, according to the Kestrel Chamber of Commerce.\n\n"
        "\u201cNobody could see that rust until we opened it,\u201d she told the council, and Priya Raman, the "
        "engineer, agreed."
    )
    article = attribute(Article(path="a.txt", body=body))
    kinds = {q.source: q.source_kind for q in article.quotes}
    assert kinds == {
        "Tomasz Wierzbicki": "person",
        "Kestrel Courier": "outlet",
        "Kestrel Chamber of Commerce": "organisation",
    }
    assert all(q.source_kind is None for q in article.quotes if q.source is None)


def test_quote_to_dict_has_the_source_kind() -> None:
    (q,) = extract_quotes("\u201cThe ferry runs again on Monday,\u201d the Valley Ledger reported.")
    assert q.to_dict() == {
        "text": "The ferry runs again on Monday,",
        "source": "Valley Ledger",
        "source_kind": "outlet",
        "cue": "reported",
        "kind": "direct",
    }
    assert Quote("x y z", None, None, "indirect").to_dict()["source_kind"] is None


# --- aliases ---


def test_shipped_aliases_both_ways() -> None:
    shipped = Aliases.load()
    for spelling in ("WSJ", "wsj", "the WSJ", "The Journal", "Wall St. Journal", "the wall street journal"):
        assert shipped.canonical(spelling) == "Wall Street Journal"
    assert shipped.aliases_of("WSJ")[0] == "Wall Street Journal"
    assert {"WSJ", "the Journal"} <= set(shipped.aliases_of("Wall Street Journal"))
    assert shipped.canonical("UN") == "United Nations"
    assert shipped.canonical("Kestrel Courier") == "Kestrel Courier"  # unknown: itself
    assert shipped.aliases_of("Kestrel Courier") == []
    assert shipped.kind_of("Thomson Reuters") == "outlet"
    assert shipped.paths == [SHIPPED]


def test_a_users_file_adds_and_overrides(tmp_path: Path) -> None:
    mine = tmp_path / "aliases.toml"
    mine.write_text(
        '[aliases]\n"Kestrel Courier" = ["the Courier", "KC"]\n"Jakarta Journal" = ["the Journal"]\n'
        '"wall street journal" = ["Dow Jones paper"]\n'
        '[kinds]\n"Kestrel Courier" = "outlet"\n"Bloomberg" = "organisation"\n',
        encoding="utf-8",
    )
    aliases = Aliases.load(mine)
    assert aliases.canonical("KC") == "Kestrel Courier" and aliases.canonical("the courier") == "Kestrel Courier"
    assert aliases.canonical("The Journal") == "Jakarta Journal"  # overridden
    assert aliases.canonical("WSJ") == "Wall Street Journal"  # kept
    assert aliases.canonical("Dow Jones paper") == "Wall Street Journal"  # added, shipped spelling kept
    assert "the Journal" not in aliases.aliases_of("Wall Street Journal")
    assert aliases.kind_of("Bloomberg") == "organisation" and source_kind("Bloomberg", aliases) == "organisation"
    assert Aliases.load().canonical("The Journal") == "Wall Street Journal"  # the shipped default is untouched

    body = "\u201cThe quay will be dredged in June,\u201d the Journal reported. KC reported the cost was rising."
    article = attribute(Article(path="a.txt", body=body), aliases)
    assert article.sources == ["Jakarta Journal", "Kestrel Courier"]
    assert attribute(Article(path="a.txt", body=body)).sources[0] == "Wall Street Journal"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[aliases\n", "not valid TOML"),
        ('[aliases]\n"WSJ" = 3\n', "must be a name = a list of spellings"),
        ('[kinds]\n"Reuters" = "newspaper"\n', "must be one of person, outlet, organisation"),
        ('[outlets]\n"Reuters" = []\n', "unknown table [outlets]"),
    ],
)
def test_a_bad_aliases_file_is_reported(tmp_path: Path, content: str, message: str) -> None:
    bad = tmp_path / "mine.toml"
    bad.write_text(content, encoding="utf-8")
    with pytest.raises(AliasesError, match="mine.toml") as raised:
        Aliases.load(bad)
    assert message in str(raised.value)
    with pytest.raises(AliasesError, match="cannot be read"):
        Aliases.load(tmp_path / "absent.toml")


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("\u201cThe ferry is late every single morning.\u201d \u2015 Marta Quist\n"
         "\u201cWe cannot plan our shifts around it.\u201d \u2014 Olu Adebayo, a nurse\n",
         [("Marta Quist", None), ("Olu Adebayo", None)]),
        ("\"Nobody asked us about the new timetable.\" - Jonas Meier\n", [("Jonas Meier", None)]),
        # a dash that starts a new thought is not a signature
        ("\u201cThe ferry is late,\u201d said Karin Holm \u2014 Tuesday was the worst day.\n",
         [("Karin Holm", "said")]),
    ],
)
def test_a_quotation_signed_with_a_dash_and_a_name_is_theirs(body: str, expected: list) -> None:
    assert [(q.source, q.cue) for q in extract_quotes(body)] == expected


@pytest.mark.parametrize("title", ["Col.", "Prof.", "Capt.", "Sgt.", "Rev.", "Adm.", "Dr.", "Gen."])
def test_a_title_abbreviation_with_a_stop_is_not_the_name(title: str) -> None:
    assert sources(f"\u201cWe will hold the line,\u201d said {title} Anna Berg.") == ["Anna Berg"]


def test_a_chain_of_aliases_ends_at_one_name_whichever_spelling_is_met(tmp_path: Path) -> None:
    mine = tmp_path / "mine.toml"
    mine.write_text('[aliases]\n"Dow Jones" = ["Wall Street Journal"]\n', encoding="utf-8")
    aliases = Aliases.load(mine)
    assert {aliases.canonical(n) for n in ("WSJ", "the Journal", "Wall Street Journal", "dow jones")} == {"Dow Jones"}
    body = ("The WSJ reported that rents had risen. \u201cRents rose,\u201d WSJ reported. "
            "According to the Wall Street Journal, prices fell.")
    assert set(sources(body, aliases)) == {"Dow Jones"}
    assert {"WSJ", "Wall Street Journal"} <= set(aliases.aliases_of("Dow Jones"))
