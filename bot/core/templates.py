"""Render notices from templates in the brand's voice and the member's language."""

from __future__ import annotations

import string
from collections.abc import Collection, Mapping
from typing import Any

from pydantic import AfterValidator

from bot.core.language_tags import primary_subtag


class _Lenient(dict[str, Any]):
    """Leave unknown placeholders visible instead of failing a notice."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


_FORMATTER = string.Formatter()


def render(template: str, values: Mapping[str, Any]) -> str:
    """Fill ``{name}`` placeholders; unknown ones stay as written, attribute access is refused.

    Templates come from community managers' config, so only plain names are substituted:
    ``{member.__class__}`` and format specs that could reach into objects are left alone.
    """
    out: list[str] = []
    lenient = _Lenient(values)
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError:
        return template
    for literal, field, spec, conversion in parsed:
        out.append(literal)
        if field is None:
            continue
        if not field.isidentifier() or conversion or spec:
            out.append("{" + field + "}")
            continue
        out.append(str(lenient[field]))
    return "".join(out)


def pick_language(texts: Mapping[str, str], lang: str | None, fallback: str = "en") -> str:
    """Return the text for a member's language, else the community's, else any.

    ``fr-CA`` falls back to ``fr``, for the member's language and the community's alike.
    Tags match whatever their case (BCP 47 tags are case-insensitive: a config's
    ``pt-br`` templates serve a community whose language reads ``pt-BR``). An empty
    mapping yields an empty string.
    """
    tag = picked_language(texts, lang, fallback)
    return texts[tag] if tag is not None else ""


def picked_language(texts: Mapping[str, str], lang: str | None, fallback: str = "en") -> str | None:
    """Return the tag of ``texts`` that :func:`pick_language` speaks; ``None`` when empty.

    What fills a template (a duration, say) must be said in the template's language,
    which is the member's only when the community has a template in it.
    """
    by_tag = {tag.lower(): tag for tag in texts}
    for candidate in (lang, primary_subtag(lang), fallback, primary_subtag(fallback), "en"):
        if candidate and candidate.lower() in by_tag:
            return by_tag[candidate.lower()]
    return next(iter(texts), None)


def template_problem(template: str, known: Collection[str]) -> str | None:
    """Return what is wrong with a template a community manager wrote, or None.

    :func:`render` never fails a notice: what it cannot fill stays as written, so a
    misspelt ``{membr}`` would reach members. The configuration refuses such a template
    instead, with the placeholders it may use.

    Args:
        template: The template.
        known: The placeholders its values fill.
    """
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError:
        return "a lone { or }: write {{ or }} for a brace"
    names = ", ".join("{" + name + "}" for name in sorted(known)) or "none"
    for _, field, spec, conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier() or conversion or spec:
            written = (
                field + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "")
            )
            return f"{{{written}}} is not a placeholder; placeholders are plain names: {names}"
        if field not in known:
            return f"unknown placeholder {{{field}}}; this template knows {names}"
    return None


def placeholders_from(*known: str) -> AfterValidator:
    """Return a pydantic check that a template uses only the placeholders ``known``.

    For a config setting of templates by language::

        Greetings = dict[LanguageTag, Annotated[str, placeholders_from("member")]]
    """
    allowed = frozenset(known)

    def check(template: str) -> str:
        problem = template_problem(template, allowed)
        if problem is not None:
            raise ValueError(problem)
        return template

    return AfterValidator(check)
