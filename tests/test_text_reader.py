"""The plain-text reader on both layouts: the seed's rich layout and the plainer headline-then-body one."""

from __future__ import annotations

from pathlib import Path

from search import readers

RICH = """World

Storm closes the northern ferry route for a week


Waves break over the harbour wall at Portmain on Tuesday as the storm reached its peak.


Ana Ruiz

The ferry between Portmain and the islands will not sail until next Monday, the operator said.

More from Coast News: Islanders stock up before the storm

Engineers will inspect the pier once the wind drops.
"""


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    p = tmp_path / name
    p.write_bytes(content.encode() if isinstance(content, str) else content)
    return p


def read_one(path: Path):
    result = readers.read(path)
    assert result.errors == []
    assert len(result.articles) == 1
    return result.articles[0]


def test_rich_layout_gives_section_headline_caption_credit_and_body(tmp_path: Path) -> None:
    art = read_one(write(tmp_path, "storm.txt", RICH))
    assert art.section == "World"
    assert art.headline == "Storm closes the northern ferry route for a week"
    assert art.captions == ["Waves break over the harbour wall at Portmain on Tuesday as the storm reached its peak."]
    assert art.credit == "Ana Ruiz"
    assert art.body.startswith("The ferry between Portmain")
    assert "More from" not in art.body  # a teaser, not body
    assert art.body.endswith("once the wind drops.")
    assert art.body.count("\n\n") == 1


def test_plain_layout_headline_then_body(tmp_path: Path) -> None:
    text = "Bakery wins national bread prize\n\nA small bakery in Elmford has won.\n\nThe owner said: \"Thanks.\"\n"
    art = read_one(write(tmp_path, "bread.txt", text))
    assert art.headline == "Bakery wins national bread prize"
    assert art.section is None and art.captions == [] and art.credit is None
    assert art.body.startswith("A small bakery in Elmford")


def test_a_short_standfirst_is_not_mistaken_for_a_headline(tmp_path: Path) -> None:
    text = "Chip maker backs new phones\n\nA standfirst without a full stop\n\nThe body, which is long enough.\n"
    art = read_one(write(tmp_path, "chip.txt", text))
    assert art.headline == "Chip maker backs new phones"
    assert art.section is None
    assert art.body.startswith("A standfirst without a full stop")


def test_byline_and_dateline_after_headline(tmp_path: Path) -> None:
    text = ("Local\n\nRiver festival returns\n\nBy Mia Chen and Tom Pike\n\nSaturday, June 3, 2017\n\n"
            "Boats filled the river.\n")
    art = read_one(write(tmp_path, "festival.txt", text))
    assert (art.section, art.headline, art.byline) == ("Local", "River festival returns", "Mia Chen and Tom Pike")
    assert art.published is not None and art.published.date().isoformat() == "2017-06-03"
    assert art.body == "Boats filled the river."


def test_a_sentence_starting_with_by_is_not_a_byline(tmp_path: Path) -> None:
    text = "Domains\n\nBy early 2005 the net could have two new domain names.\n"
    art = read_one(write(tmp_path, "dom.txt", text))
    assert art.byline is None
    assert art.body.startswith("By early 2005")


def test_header_block_states_fields_outright(tmp_path: Path) -> None:
    text = (
        "Headline: Pier reopens\nSection: Local\nBy: Jo Park\nPublished: 2021-04-01T08:00:00Z\n"
        "Caption: The pier at dawn.\nCredit: Jo Park\nURL: https://example.org/pier\n\nThe pier reopened today.\n"
    )
    art = read_one(write(tmp_path, "pier.txt", text))
    assert art.headline == "Pier reopens" and art.section == "Local" and art.byline == "Jo Park"
    assert art.published is not None and art.published.isoformat() == "2021-04-01T08:00:00+00:00"
    assert art.captions == ["The pier at dawn."] and art.credit == "Jo Park"
    assert art.url == "https://example.org/pier"
    assert art.body == "The pier reopened today."


def test_hard_wrapped_paragraphs_are_joined(tmp_path: Path) -> None:
    text = "Wrapped story\n\nThis paragraph was wrapped\nat a narrow width by an\nold newsroom system.\n"
    assert read_one(write(tmp_path, "wrap.txt", text)).body == (
        "This paragraph was wrapped at a narrow width by an old newsroom system."
    )


def test_windows_line_endings_and_latin1_byte(tmp_path: Path) -> None:
    data = "Prices rise\r\n\r\nA loaf now costs \xa32 in the town.\r\n".encode("latin-1")
    art = read_one(write(tmp_path, "prices.txt", data))
    assert art.headline == "Prices rise"
    assert art.body == "A loaf now costs £2 in the town."


def test_seed_article(seed_path: Path) -> None:
    art = read_one(seed_path)
    assert art.section == "Conflict & Justice"
    assert art.headline == "8,000 US troops left in Iraq, down to zero by end of year"
    assert len(art.captions) == 1 and art.captions[0].startswith("An Iraqi Police officer keeps watch")
    assert art.credit == "Mario Tama"
    assert art.body.startswith("About 300,000 uniformed personnel")
    assert "More from GlobalPost" not in art.body
    assert art.body.rstrip().endswith("according to Iraq Body Count.")


def test_bbc_files_read_with_headline_and_body(shared_data: Path) -> None:
    files = sorted((shared_data / "bbc").glob("*/*.txt"))
    assert len(files) == 2225
    for f in files:
        result = readers.read(f)
        assert result.errors == [], f
        art = result.articles[0]
        assert art.headline and art.body, f
        assert art.section is None and not art.captions, f  # the plain layout: no false structure
