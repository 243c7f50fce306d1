"""Intent detection in the seed languages: leads, bugs, support, press and legal, and not chat."""

from __future__ import annotations

from pathlib import Path

import pytest

from policies.intents import IntentError, load_intents

RULES = load_intents()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        (
            "We're looking to buy 200 lamps for our offices. Who handles volume pricing?",
            "sales_lead",
        ),
        ("Bonjour, je voudrais un devis pour 50 lampes", "sales_lead"),
        ("Kunnen jullie een offerte sturen voor ons kantoor?", "sales_lead"),
        ("見積をお願いします", "sales_lead"),
        ("The app crashes when I open the scenes tab, error code 503", "bug_report"),
        ("Aplikacja przestało działać po aktualizacji, kod błędu 12", "bug_report"),
        ("I can't log in and need to reset my password", "support_request"),
        ("Min ordre er ikke kommet, og jeg vil gerne have refusion", "support_request"),
        (
            "Feature request: it would be great if scenes could follow the sunset",
            "product_feedback",
        ),
        ("I'm a journalist writing an article about smart lighting", "press"),
        ("My lawyer will contact you about this trademark infringement", "legal"),
    ],
)
def test_requests_are_told_apart(text: str, intent: str) -> None:
    match = RULES.detect(text)
    assert match is not None and match.intent == intent, match


@pytest.mark.parametrize(
    "text",
    [
        "great lamp, love it",
        "I want to buy a lamp",  # one ordinary cue is not a lead
        "kill the process and restart the app",
        "Merci pour l'aide ce matin, tout marche maintenant !",
    ],
)
def test_ordinary_chat_has_no_intent(text: str) -> None:
    assert RULES.detect(text) is None


def test_a_broken_intents_file_names_itself(tmp_path: Path) -> None:
    with pytest.raises(IntentError, match="cannot read the intents file"):
        load_intents("/nonexistent/intents.toml")
    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 5_000 + "]" * 5_000, encoding="utf-8")
    with pytest.raises(IntentError, match=r"deep\.toml: not valid TOML: nested too deeply"):
        load_intents(deep)
