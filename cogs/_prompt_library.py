"""Discussion prompts as data: the TOML library format, read and written.

A library file holds ``[[prompts]]`` tables. Community managers keep their calendar's
prompts in such a file (``library`` in the discussions cog's settings) and moderators add
more with commands; both end up in storage, where rotation and engagement are tracked.
``/prompt export`` writes the same format back, so a library moves between communities.
"""

from __future__ import annotations

import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import tomli_w
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from bot.core.language_tags import LanguageTag
from bot.core.parse_text import parse_toml
from bot.core.text_files import read_text

DEFAULT_LIBRARY = "_discussion_prompts.toml"
"""The starter library shipped with Steward, inside the ``cogs`` package."""


class PromptEntry(BaseModel):
    """One prompt as a library file writes it.

    Attributes:
        text: What is posted (Discord-style markdown; the adapters render it).
        topics: Tags schedules select by (``product``, ``community``, ``introductions``).
        language: The prompt's language (BCP 47, ``en``).
        channel: Only for this channel, when set: its name (``general``) or the platform's
            id; names are looked up when a schedule picks a prompt.
        answers: A poll's choices; a prompt without answers is a discussion prompt.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    text: str = Field(min_length=3, max_length=1800)
    topics: tuple[str, ...] = ()
    language: LanguageTag = "en"
    channel: str = ""
    answers: tuple[str, ...] = Field((), max_length=10)


class LibraryError(ValueError):
    """A library file or text is not valid; the message says where."""


class _Library(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    prompts: tuple[PromptEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class Library:
    """The prompts of one library file or text, in order."""

    prompts: tuple[PromptEntry, ...]


def parse_library(text: str, *, source: str = "library") -> Library:
    """Read a library from TOML text.

    Raises:
        LibraryError: If the text is not TOML or a prompt is not valid; names ``source``.
    """
    try:
        data = parse_toml(text)
        return Library(_Library.model_validate(data).prompts)
    except tomllib.TOMLDecodeError as error:
        raise LibraryError(f"{source}: not valid TOML: {error}") from error
    except ValidationError as error:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()
        )
        raise LibraryError(f"{source}: {problems}") from error


def load_library(path: Path | str | None) -> Library:
    """Read a library file, or the starter library when ``path`` is empty.

    Raises:
        LibraryError: If the file cannot be read or is not valid.
    """
    if not path:
        text = resources.files("cogs").joinpath(DEFAULT_LIBRARY).read_text(encoding="utf-8")
        return parse_library(text, source=f"cogs/{DEFAULT_LIBRARY}")
    try:
        text = read_text(path)
    except OSError as error:
        raise LibraryError(f"{path}: cannot read the prompt library: {error}") from error
    return parse_library(text, source=str(path))


def dump_library(prompts: Sequence[PromptEntry]) -> str:
    """Write prompts in the library format (empty fields left out)."""
    tables = [entry.model_dump(mode="json", exclude_defaults=True) for entry in prompts]
    for table, entry in zip(tables, prompts, strict=True):
        table["text"] = entry.text
    return tomli_w.dumps({"prompts": tables})
