"""Read ``/steward case show 12`` as a command path and options, against the CommandSpecs.

Slack delivers one slash command with free text. The longest run of leading words that
names a command is its path; the words after it fill the options: ``name=value`` by name,
the rest in order, and the last text option takes whatever is left (a reason). Options after
that text option are read from the end when the last words can be theirs: in
``/steward ban @bob spamming links 7d`` the reason is "spamming links" and the duration 7d,
and without the 7d the reason is still "spamming links".
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterable

from bot.core.commands import CommandSpec, OptionSpec, OptionType, reads_as

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
                return name, _options(spec, candidate[length:], mentioned)
    return words[0].lower(), {}


def _options(spec: CommandSpec, words: list[str], mentioned: frozenset[str]) -> dict[str, str]:
    known = {o.name for o in spec.options}
    named: dict[str, str] = {}
    rest: list[str] = []
    for word in words:
        key, sep, value = word.partition("=")
        if sep and key in known:
            named[key] = value
        else:
            rest.append(word)
    unfilled = [o for o in spec.options if o.name not in named]
    texts = [i for i, o in enumerate(unfilled) if o.type is OptionType.STRING]
    cut = texts[-1] if texts else len(unfilled)
    for option in unfilled[:cut]:
        if rest:
            named[option.name] = rest.pop(0)
    if texts:
        # From the end, the options after the text take the last words that can be theirs
        # (a required one takes its word regardless, for the usage answer); the text
        # option takes what lies between.
        for option in reversed(unfilled[cut + 1 :]):
            if rest and (option.required or _could_be(option, rest[-1], mentioned)):
                named[option.name] = rest.pop()
        if rest:
            named[unfilled[cut].name], rest = " ".join(rest), []
    if rest:
        # Too many words: pass them on as an option no command has, so the router
        # answers "unknown option '...'" with the usage.
        named[" ".join(rest)] = "?"
    return named


def _could_be(option: OptionSpec, word: str, mentioned: frozenset[str]) -> bool:
    """Return whether a word can be the value of an option, as typed on Slack."""
    match option.type:
        case OptionType.MEMBER | OptionType.CHANNEL:
            # Slack sends a mention as <@U123|name>: a bare word is a member only that way.
            return word in mentioned or word.startswith(("@", "#"))
        case _:
            return reads_as(option.type, word)


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
