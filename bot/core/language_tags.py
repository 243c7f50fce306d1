"""Language tags as communities, prompts and notices name them: BCP 47, standardised.

A community's ``language`` decides which notices its members read when their own
language is unknown, which prompts a schedule may post, and how the classifier reads a
line too short for any detector. A typo there ("Danish", "dk") would pass silently and
leave all three in English, so it is refused when the configuration loads, with examples.
Tags are standardised by ``langcodes`` (the IETF registry's rules): ``pt-br`` becomes
``pt-BR`` and ``en_US`` ``en-US``, so a tag matches however it was typed.
"""

from __future__ import annotations

from typing import Annotated

import langcodes
from pydantic import AfterValidator

EXAMPLES = "such as en, da, fr-CA or pt-BR"


def standard_language_tag(value: str) -> str:
    """Return ``value`` as a standard BCP 47 tag.

    Raises:
        ValueError: If it is not a tag, or names a language or region the registry does
            not know; the message gives examples of tags.
    """
    try:
        tag = langcodes.standardize_tag(value.strip())
    except ValueError:  # langcodes.LanguageTagError is one
        raise ValueError(f"{value!r} is not a language tag ({EXAMPLES})") from None
    if not langcodes.tag_is_valid(tag):
        raise ValueError(f"{value!r} names no known language or region ({EXAMPLES})")
    return tag


def standard_or_empty(value: str) -> str:
    """Return ``value`` as :func:`standard_language_tag` does, or ``""`` when it is blank."""
    return standard_language_tag(value) if value.strip() else ""


def primary_subtag(tag: str | None) -> str:
    """Return a tag's language, lower-cased (``fr`` of ``fr-CA``); empty for none."""
    return (tag or "").split("-", maxsplit=1)[0].lower()


LanguageTag = Annotated[str, AfterValidator(standard_language_tag)]
"""A pydantic field type: a standard BCP 47 tag."""
LanguageTagOrEmpty = Annotated[str, AfterValidator(standard_or_empty)]
"""A pydantic field type: a standard BCP 47 tag, or empty for "the community's"."""
