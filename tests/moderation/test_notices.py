"""Notices say what is not plain text (a duration, an appeal's outcome) in their own language."""

from __future__ import annotations

from datetime import timedelta

from moderation.cases import AppealStatus
from moderation.notices import Notices


def test_an_appeals_outcome_is_said_in_the_notices_language() -> None:
    notices = Notices()
    values = {"case": "#1", "outcome": AppealStatus.OVERTURNED, "note": ""}
    assert notices.render("appeal_decided", "fr-CA", values).startswith(
        "Ton appel du cas #1 a été tranché : la décision est annulée."
    )
    assert "決定は取り消されました" in notices.render("appeal_decided", "ja", values)
    # A language Steward has no template in speaks the community's, outcome included.
    nl = Notices(default_language="nl")
    assert "het besluit is teruggedraaid" in nl.render("appeal_decided", "de", values)


def test_a_template_a_community_wrote_in_another_language_gets_english_words() -> None:
    notices = Notices(overrides={"de": {"timed_out": "Du bist für {duration} stumm."}})
    said = notices.render("timed_out", "de", {"duration": timedelta(hours=2)})
    assert said == "Du bist für 2h stumm."  # no German words here: the compact form
    outcome = notices.render("appeal_used", "de", {"case": "#1", "outcome": AppealStatus.UPHELD})
    assert "(the decision stands)" in outcome  # no German template: English, words and all
