"""Read ``/steward case show 12`` as a command path and options, against the CommandSpecs.

Slack delivers one slash command with free text. The longest run of leading words that
names a command is its path; the words after it fill the options
(:func:`bot.core.commands.bind_words`).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable

from bot.core.commands import CommandSpec, bind_words

_USER = re.compile(r"<@([UW][A-Z0-9]+)(?:\|[^>]*)?>")
_CHANNEL = re.compile(r"<#([CG][A-Z0-9]+)(?:\|[^>]*)?>")


def _words(text: str) -> tuple[list[str], frozenset[str]]:
    """Return the words, mentions as bare ids, and the ids that were mentions."""
    mentioned = frozenset(_USER.findall(text)) | frozenset(_CHANNEL.findall(text))
    text = _CHANNEL.sub(r"\1", _USER.sub(r"\1", text))
    try:
        return shlex.split(text), mentioned
    except ValueError:  # an unbalanced quote: read it as plain words
        return text.split(), mentioned


def parse(
    text: str, specs: Iterable[CommandSpec], *, prefix: str = "steward"
) -> tuple[str, dict[str, str]]:
    """Return the command path and raw options that ``text`` asks for.

    ``/steward status`` finds ``steward status`` too: the slash command's own name may
    start a path. An empty text asks for ``help``; text that names no command keeps its
    first word as the path, so the router answers that there is no such command.
    """
    words, mentioned = _words(text.strip())
    if not words:
        return "help", {}
    by_name = {spec.name: spec for spec in specs}
    for candidate in (words, [prefix, *words]):
        for length in range(len(candidate), 0, -1):
            name = " ".join(candidate[:length]).lower()
            spec = by_name.get(name)
            if spec is not None:
                # Slack sends a mention as <@U123|name>: a bare word is one only that way.
                words_after = candidate[length:]
                return name, bind_words(
                    spec, words_after, mentions=lambda w: w in mentioned or w.startswith(("@", "#"))
                )
    return words[0].lower(), {}


def wants_reason(name: str, options: dict[str, str], specs: Iterable[CommandSpec]) -> bool:
    """Return whether a command needs a reason it was not given (ask for it in a modal)."""
    spec = next((s for s in specs if s.name == name), None)
    if spec is None or set(options) - {o.name for o in spec.options}:
        return False
    reason = next((o for o in spec.options if o.name == "reason"), None)
    if reason is None or not reason.required or options.get("reason"):
        return False
    # Only when everything else it needs is there: otherwise the usage answer is better.
    return all(o.name in options for o in spec.options if o.required and o.name != "reason")
