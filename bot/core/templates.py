"""Render notices from templates in the brand's voice and the member's language."""

from __future__ import annotations

import string
from collections.abc import Mapping
from typing import Any

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
    by_tag = {tag.lower(): text for tag, text in texts.items()}
    for candidate in (lang, primary_subtag(lang), fallback, primary_subtag(fallback), "en"):
        if candidate and candidate.lower() in by_tag:
            return by_tag[candidate.lower()]
    return next(iter(texts.values()), "")
