"""Templates a community manager writes are checked when the configuration loads.

`render` never fails a notice: what it cannot fill stays as written, so a misspelt
placeholder reached members as "{membr}". These tests pin the check that refuses it, and
that every template Steward ships passes that check.
"""

from __future__ import annotations

import string
from pathlib import Path
from typing import Any

import pytest

from bot.core.templates import render, template_problem
from bot.registry import CogRegistry
from cogs import _recognition, modmail, routing, welcome
from cogs._moderation_base import GuidelinesSettings
from moderation.notices import DEFAULT_TEMPLATES, PLACEHOLDERS, wording_problems
from tests.bot.test_config import problems_of, write


@pytest.mark.parametrize(
    ("template", "problem"),
    [
        ("Welcome, {member}!", None),
        ("Braces: {{like this}}", None),
        ("Hi {membr}", "unknown placeholder {membr}; this template knows {community}, {member}"),
        ("Hi {member.__class__}", "{member.__class__} is not a placeholder"),
        ("Hi {member!r}", "{member!r} is not a placeholder"),
        ("Hi {member:>9}", "{member:>9} is not a placeholder"),
        ("Hi {}", "{} is not a placeholder"),
        ("Hi {member", "a lone { or }: write {{ or }} for a brace"),
        ("Hi }", "a lone { or }: write {{ or }} for a brace"),
    ],
)
def test_a_template_may_use_only_its_plain_placeholders(template: str, problem: str | None) -> None:
    found = template_problem(template, {"member", "community"})
    assert found == problem if problem is None else (found or "").startswith(problem)


def test_a_template_that_passes_renders_every_placeholder() -> None:
    template = "Welcome to {community}, {member}! {{Braces}} stay."
    assert template_problem(template, {"member", "community"}) is None
    assert render(template, {"member": "ana", "community": "Lumen"}) == (
        "Welcome to Lumen, ana! {Braces} stay."
    )


def test_every_notice_steward_ships_passes_its_own_check() -> None:
    formatter = string.Formatter()
    for language, templates in DEFAULT_TEMPLATES.items():
        assert set(templates) == set(PLACEHOLDERS), language
        assert wording_problems(templates) == [], language
        for name, template in templates.items():
            used = {field for _, field, _, _ in formatter.parse(template) if field}
            assert used <= PLACEHOLDERS[name], (language, name)


@pytest.mark.parametrize(
    ("settings", "field"),
    [
        (welcome.WelcomeSettings, "messages"),
        (welcome.WelcomeSettings, "gate_messages"),
        (modmail.ModmailSettings, "opened"),
        (modmail.ModmailSettings, "closed"),
        (modmail.ModmailSettings, "blocked"),
        (routing.RoutingSettings, "acknowledgements"),
        (_recognition.RecognitionSettings, "messages"),
    ],
)
def test_every_template_a_cog_ships_passes_its_own_check(settings: Any, field: str) -> None:
    defaults = settings().model_dump()[field]
    assert defaults
    # Validating the defaults as if a community had written them raises on any problem.
    assert settings.model_validate({field: defaults}).model_dump()[field] == defaults


def test_a_misspelt_notice_or_placeholder_is_refused_with_its_line(
    tmp_path: Path, registry: CogRegistry
) -> None:
    path = write(
        tmp_path,
        '[communities.lumen]\nplatform = "local"\n\n'
        "[communities.lumen.cogs.guidelines.notices.en]\n"
        'warned = "A friendly heads-up, {membr}."\n'
        'warnd = "Typo in the name."\n\n'
        "[communities.lumen.cogs.welcome.messages]\n"
        'fr = "Bienvenue {member} sur {communaute} !"\n',
    )
    notices, greeting = problems_of(path, registry)
    assert notices.startswith(
        f"{path}:4: communities.lumen.cogs.guidelines.notices.en: warned: unknown placeholder "
        "{membr}; this template knows {ban_length}, {case}, {channel}, {community}, "
    )
    assert "; warnd: no such notice (notices: appeal, appeal_at, " in notices
    assert greeting == (
        f"{path}:9: communities.lumen.cogs.welcome.messages.fr: unknown placeholder "
        "{communaute}; this template knows {community}, {guidelines}, {introductions}, {member}"
    )


def test_notice_languages_are_standard_language_tags() -> None:
    worded = {"warned": "Um aviso amigável."}
    settings = GuidelinesSettings.model_validate({"notices": {"pt_br": worded}})
    assert settings.notices == {"pt-BR": worded}
    with pytest.raises(ValueError, match="'portuguese' is not a language tag"):
        GuidelinesSettings.model_validate({"notices": {"portuguese": worded}})
