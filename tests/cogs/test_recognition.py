"""The weekly highlight's words: in its own language, with names that cannot hide a link."""

from __future__ import annotations

from bot.core.refs import Ref
from cogs._discussion_store import Credit
from cogs._recognition import RecognitionSettings, highlight


def credit(name: str, thanks: int, reactions: int) -> Credit:
    return Credit(member=Ref("local", name), name=name, thanks=thanks, reactions=reactions)


def test_what_members_drew_is_said_in_the_highlights_language() -> None:
    said = highlight([credit("claire", 3, 1)], RecognitionSettings(), "fr-FR")
    assert said == (
        "Les membres les plus serviables de la semaine, remerciés par la communauté : "
        "**claire** (remerciements : 3, réactions : 1). Merci !"
    )


def test_a_name_written_as_a_masked_link_shows_where_it_leads() -> None:
    # A raider's display name would otherwise be a clickable "free nitro" in a public post.
    said = highlight(
        [credit("[free nitro](https://phish.example)", 2, 0)], RecognitionSettings(), "en"
    )
    assert "**[free nitro]\\(https://phish.example)** (thanks: 2, reactions: 0)" in said


def test_a_community_template_in_another_language_gets_english_labels() -> None:
    settings = RecognitionSettings(messages={"de": "Danke an {members}!"})
    assert highlight([credit("jan", 1, 1)], settings, "de") == (
        "Danke an **jan** (thanks: 1, reactions: 1)!"
    )
