"""Declare platform-neutral commands once; adapters map them to slash commands.

A command is a cog method decorated with :func:`command`. Its options come from the
method's signature, so the name, type, default and description of each option are
written exactly once::

    @command("warn", description="Warn a member.", permission=Permission.MODERATOR)
    async def warn(
        self,
        ctx: CommandContext,
        member: Annotated[Member, "Who to warn"],
        reason: Annotated[str, "Why"] = "",
    ) -> None: ...
"""

from __future__ import annotations

import enum
import inspect
import math
import re
import types
import typing
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

from bot.core.actions import ReplyEphemeral
from bot.core.community import CommunityInfo, Permission
from bot.core.durations import parse_duration
from bot.core.events import CommandInvoked
from bot.core.models import Channel, Member
from bot.core.protocols import Gateway
from bot.core.refs import Ref
from bot.core.templates import pick_language

COMMAND_ATTR = "__steward_command__"
_NO_DEFAULT = inspect.Parameter.empty


class OptionType(enum.StrEnum):
    """The types a command option may have, on every platform."""

    STRING = "string"
    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    DURATION = "duration"
    MEMBER = "member"
    CHANNEL = "channel"


_NOUNS = {
    OptionType.STRING: "text",
    OptionType.INTEGER: "a whole number",
    OptionType.NUMBER: "a number",
    OptionType.BOOLEAN: "yes or no",
    OptionType.DURATION: "a duration",
    OptionType.MEMBER: "a member",
    OptionType.CHANNEL: "a channel",
}
"""How an option's type reads in an error a member sees."""

LARGEST_INTEGER = 2**53
"""The largest whole number an option takes (Discord's limit for its integer options).

Case and review numbers are looked up in the database, whose integers end at 2**63 - 1:
a larger one failed the command with an OverflowError instead of finding nothing."""

_TYPES: dict[Any, OptionType] = {
    str: OptionType.STRING,
    int: OptionType.INTEGER,
    float: OptionType.NUMBER,
    bool: OptionType.BOOLEAN,
    timedelta: OptionType.DURATION,
    Member: OptionType.MEMBER,
    Channel: OptionType.CHANNEL,
}


class _MayHaveLeft:
    """The marker type of :data:`MAY_HAVE_LEFT`."""

    def __repr__(self) -> str:
        return "MAY_HAVE_LEFT"


MAY_HAVE_LEFT = _MayHaveLeft()
"""Marks a member option that also names someone no longer in the community.

``Annotated[Member, "Whose record", MAY_HAVE_LEFT]``: a banned or departed member is not
found among the members, yet their record is still asked for; the option then stands for
them as a member who is not ``present``: by the name the platform still knows them by, or
by id alone, nameless (``Member(ref, name="", present=False)``)."""


@dataclass(frozen=True, slots=True)
class CompletedBy:
    """Marks an option whose values the command's cog offers as the member types them.

    ``Annotated[int, "The review item's number", CompletedBy("review_item_choices")]``
    names a method of the cog, ``async def review_item_choices(self, typed: str, member:
    Member) -> list[Choice]``, asked only for members allowed to run the command (Discord
    shows its answer as the option's autocompletion; platforms without one ignore it).

    Attributes:
        method: The name of the cog's method that offers the choices.
    """

    method: str


Choice = tuple[str, str | int]
"""One value offered as a member types an option: (what they read, the value it sets)."""


def offered(choices: Iterable[Choice], typed: str) -> list[Choice]:
    """Return the choices that fit what was typed so far, in their order.

    A choice fits when its value starts with the text (``1`` finds item 12) or a word of
    its label does, case aside (``ali`` finds alice's items, ``re`` finds ``reached_out``
    but not ``breaks``); a leading ``#`` or ``@`` is how numbers and people are written,
    not part of them; nothing typed fits every choice.
    """
    wanted = typed.strip().lstrip("#@").casefold()
    at_a_word = re.compile(rf"(?<!\w){re.escape(wanted)}")
    return [
        (label, value)
        for label, value in choices
        if str(value).casefold().startswith(wanted) or at_a_word.search(label.casefold())
    ]


@dataclass(frozen=True, slots=True, kw_only=True)
class OptionSpec:
    """One option of a command.

    Attributes:
        name: The option's name, as typed (``member``).
        type: Its type.
        description: What it is for, shown by platforms as a hint.
        required: Whether the command needs it.
        default: Its value when not given (only for optional options).
        may_have_left: For a member option: someone no longer in the community is
            accepted by their id (see :data:`MAY_HAVE_LEFT`).
        completed_by: The cog's method that offers values as a member types them (see
            :class:`CompletedBy`), if any.
    """

    name: str
    type: OptionType
    description: str = ""
    required: bool = True
    default: Any = None
    may_have_left: bool = False
    completed_by: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandSpec:
    """A command as declared: what platforms register and what the router checks.

    Attributes:
        name: The full command path, words separated by spaces (``"case show"``).
        description: One line describing what it does.
        permission: The least permission needed to run it.
        options: Its options, in the order of the method's parameters.
        method: The name of the cog method that runs it.
        translations: The description in other languages, as (language, text) pairs:
            for the commands members use (``/appeal``, ``/report``, ``/help``), whose
            descriptions they read in Discord's picker and in ``/help``.
        rest: The text option that takes the rest of a typed line (Slack, the console);
            ``None``: the last text option.
    """

    name: str
    description: str
    permission: Permission
    options: tuple[OptionSpec, ...]
    method: str
    translations: tuple[tuple[str, str], ...] = ()
    rest: str | None = None

    def description_in(self, lang: str | None, fallback: str = "en") -> str:
        """Return the description in ``lang`` if written, else ``fallback``'s, else English."""
        return pick_language({"en": self.description, **dict(self.translations)}, lang, fallback)

    @property
    def usage(self) -> str:
        """Return a one-line usage string (``/warn <member> [reason]``)."""
        return self.usage_as(f"/{self.name}")

    def usage_as(self, typed: str) -> str:
        """Return the usage string with the command as members type it (``/steward warn``)."""
        parts = [typed]
        parts.extend(f"<{o.name}>" if o.required else f"[{o.name}]" for o in self.options)
        return " ".join(parts)


class CommandError(Exception):
    """A command could not run as asked; the message is shown to the member."""


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandContext:
    """What a command handler gets besides its options.

    Attributes:
        invocation: The event that ran the command.
        community: The community it ran in.
        gateway: The platform connection, for replies and lookups.
        permission: The permission the author holds.
    """

    invocation: CommandInvoked
    community: CommunityInfo
    gateway: Gateway
    permission: Permission

    @property
    def author(self) -> Member:
        """Return who ran the command."""
        return self.invocation.author

    async def reply(self, content: str) -> None:
        """Answer the author privately (an ephemeral reply)."""
        await self.gateway.apply(
            ReplyEphemeral(
                community=self.community.ref,
                interaction=self.invocation.interaction,
                channel=self.invocation.channel,
                member=self.author.ref,
                content=content,
            )
        )


CommandHandler = Callable[..., Awaitable[None]]


def command(
    name: str,
    *,
    description: str,
    permission: Permission = Permission.MODERATOR,
    translations: Mapping[str, str] | None = None,
    rest: str | None = None,
) -> Callable[[CommandHandler], CommandHandler]:
    """Declare a cog method as a command; its options are read from its signature.

    Args:
        name: The command path, words separated by single spaces (``"case show"``).
        description: One line describing what it does.
        permission: The least permission needed to run it.
        translations: The description in other languages, by language code.
        rest: The text option that takes the rest of a line typed on Slack or in the
            console, when that is not the last one (``prompt add``'s text, before its
            optional tags); text options after it are set by name (``language=fr``).

    Returns:
        The decorator, which leaves the method unchanged apart from a marker.
    """
    words = name.split(" ")
    if not all(w.isascii() and w.replace("-", "").isalnum() and w.islower() for w in words):
        raise ValueError(f"command names are lowercase words separated by spaces: {name!r}")

    def mark(func: CommandHandler) -> CommandHandler:
        options = _options_of(func)
        if rest is not None and not any(
            o.name == rest and o.type is OptionType.STRING for o in options
        ):
            raise ValueError(f"command {name!r}: rest={rest!r} names no text option")
        spec = CommandSpec(
            name=name,
            description=description,
            permission=permission,
            options=options,
            method=func.__name__,
            translations=tuple(sorted((translations or {}).items())),
            rest=rest,
        )
        setattr(func, COMMAND_ATTR, spec)
        return func

    return mark


def _options_of(func: CommandHandler) -> tuple[OptionSpec, ...]:
    hints = typing.get_type_hints(func, include_extras=True)
    params = list(inspect.signature(func).parameters.values())[2:]  # skip self, ctx
    options: list[OptionSpec] = []
    for param in params:
        hint = hints.get(param.name)
        description = _description(hint)
        may_have_left = MAY_HAVE_LEFT in _metadata(hint)
        completed_by = next((m.method for m in _metadata(hint) if isinstance(m, CompletedBy)), None)
        hint = _unannotated(hint)
        optional = False
        if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
            members = [_unannotated(a) for a in typing.get_args(hint) if a is not type(None)]
            optional = len(members) < len(typing.get_args(hint))
            hint = members[0] if len(members) == 1 else hint
        if hint not in _TYPES:
            raise TypeError(
                f"option {param.name!r} of {func.__qualname__} has unsupported type {hint!r}"
            )
        has_default = param.default is not _NO_DEFAULT
        options.append(
            OptionSpec(
                name=param.name,
                type=_TYPES[hint],
                description=description,
                required=not (has_default or optional),
                default=param.default if has_default else None,
                may_have_left=may_have_left,
                completed_by=completed_by,
            )
        )
    return tuple(options)


def _unannotated(hint: Any) -> Any:
    return typing.get_args(hint)[0] if typing.get_origin(hint) is typing.Annotated else hint


def _description(hint: Any) -> str:
    """Return the first string of an ``Annotated`` hint, looking inside ``X | None`` too."""
    return next((e for e in _metadata(hint) if isinstance(e, str)), "")


def _metadata(hint: Any) -> tuple[Any, ...]:
    """Return what an ``Annotated`` hint adds to its type, looking inside ``X | None`` too."""
    for candidate in (hint, *typing.get_args(hint)):
        if typing.get_origin(candidate) is typing.Annotated:
            return tuple(typing.get_args(candidate)[1:])
    return ()


MemberLookup = Callable[[Ref], Awaitable[Member | None]]
ChannelLookup = Callable[[Ref], Awaitable[Channel | None]]


async def parse_options(
    spec: CommandSpec,
    raw: Mapping[str, Any],
    *,
    platform: str,
    find_member: MemberLookup,
    find_channel: ChannelLookup,
    typed: str | None = None,
) -> dict[str, Any]:
    """Turn raw option values into typed arguments for a command handler.

    Args:
        spec: The command.
        raw: Values as delivered: strings from a console or Slack, typed values from
            Discord. Members and channels are given by id.
        platform: The platform the ids belong to.
        find_member: Looks a member up by ref.
        find_channel: Looks a channel up by ref.
        typed: The command as members type it on this platform, for the usage shown in an
            error (``/steward kick`` on Slack); ``None`` writes ``/kick``.

    Returns:
        Keyword arguments for the handler.

    Raises:
        CommandError: If an option is missing, unknown or of the wrong type.
    """
    usage = spec.usage_as(typed) if typed else spec.usage
    unknown = sorted(set(raw) - {o.name for o in spec.options})
    if unknown:
        raise CommandError(f"unknown option {unknown[0]!r}; usage: {usage}")
    values: dict[str, Any] = {}
    for option in spec.options:
        value = raw.get(option.name)
        if value is None or value == "":
            if option.required:
                raise CommandError(f"missing {option.name!r}; usage: {usage}")
            values[option.name] = option.default
            continue
        values[option.name] = await _convert(option, value, platform, find_member, find_channel)
    return values


async def _convert(
    option: OptionSpec,
    value: Any,
    platform: str,
    find_member: MemberLookup,
    find_channel: ChannelLookup,
) -> Any:
    text = str(value).strip()
    try:
        match option.type:
            case OptionType.STRING:
                return text
            case OptionType.INTEGER:
                return _whole_number(value, text)
            case OptionType.NUMBER:
                return _real_number(value, text)
            case OptionType.BOOLEAN:
                return _boolean(value, text)
            case OptionType.DURATION:
                if isinstance(value, timedelta):
                    return value
                try:
                    return parse_duration(text)
                except ValueError as error:
                    raise CommandError(str(error)) from error
            case OptionType.MEMBER:
                return await _member(option, value, platform, find_member)
            case OptionType.CHANNEL:
                ident = text.lstrip("#")
                channel = await find_channel(Ref(platform, ident)) if ident else None
                if channel is None:
                    raise CommandError(f"no channel {text!r} here")
                return channel
    except ValueError as error:
        raise CommandError(f"{option.name!r} must be {_NOUNS[option.type]}: {error}") from error
    raise CommandError(f"unsupported option type {option.type}")  # pragma: no cover


async def _member(
    option: OptionSpec, value: Any, platform: str, find_member: MemberLookup
) -> Member:
    # A platform that knows who someone is though they are no member (Discord's user
    # picker) delivers them as a member who is not present; others deliver an id.
    known = value if isinstance(value, Member) else None
    ident = known.ref.id if known else str(value).strip().lstrip("@")
    member = await find_member(Ref(platform, ident)) if ident else None
    if member is not None and (member.present or option.may_have_left):
        return member
    if member is None and ident and option.may_have_left:
        if known:
            return replace(known, present=False)
        return Member(ref=Ref(platform, ident), name="", present=False)  # their cases name them
    # Someone who is not here (gone, or a deactivated account) is acted on by no command
    # but those that read a record: by name where the platform still knows it.
    named = member or known
    raise CommandError(f"no member {(named.name if named else str(value).strip())!r} here")


def _marked(word: str) -> bool:
    return word.startswith(("@", "#"))


def bind_words(
    spec: CommandSpec, words: Sequence[str], *, mentions: Callable[[str], bool] = _marked
) -> dict[str, str]:
    """Map the words typed after a command's name to its options, as raw text.

    For platforms whose commands are typed as one line (Slack's slash command, the local
    console). ``name=value`` sets an option by name; other words fill the options in order,
    and the last text option takes whatever is left (a reason needs no quotes), unless its
    words were quoted: then it ends with the quotes and the words after it fill the options
    after it. Options
    after that text option take the last words when those can be theirs: in
    ``ban @bob spamming links 7d`` the reason is "spamming links" and the duration 7d.
    Words left over become an option no command has, which the router refuses by name.

    Args:
        spec: The command.
        words: The words after its name, quotes already read.
        mentions: Whether a word can stand for a member or a channel (the platform knows
            how it writes them); by default, one written with ``@`` or ``#``.
    """
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
    chosen = [i for i, o in enumerate(unfilled) if o.name == spec.rest]
    cut = chosen[0] if chosen else texts[-1] if texts else len(unfilled)
    for option in unfilled[:cut]:
        if rest:
            named[option.name] = rest.pop(0)
    _bind_quoted_text(unfilled[cut:], rest, named)
    if texts:
        # A required option after the text takes its word regardless, for the usage answer.
        for option in reversed(unfilled[cut + 1 :]):
            if option.type is OptionType.STRING and not option.required:
                continue  # any word could be it: set by name only
            if rest and (option.required or _could_be(option.type, rest[-1], mentions)):
                named[option.name] = rest.pop()
        if rest:
            named[unfilled[cut].name], rest = " ".join(rest), []
    if rest:
        named[" ".join(rest)] = "?"
    return named


def _bind_quoted_text(
    options: Sequence[OptionSpec], rest: list[str], named: dict[str, str]
) -> None:
    """Bind a quoted text and the words after it to ``options`` (the text's first), in order.

    Quoted, the text ends where its quotes do (``prompt add "Your desk?" fun``); a word
    with a space in it was quoted. Unquoted, nothing is bound here: the text takes the rest.
    """
    if not options or len(rest) < 2 or not any(c.isspace() for c in rest[0]):
        return
    for option in options:
        if rest:
            named[option.name] = rest.pop(0)


def _could_be(kind: OptionType, word: str, mentions: Callable[[str], bool]) -> bool:
    if kind in {OptionType.MEMBER, OptionType.CHANNEL}:
        return mentions(word)
    return reads_as(kind, word)


def plain_number(text: str) -> int | None:
    """Return the whole number a platform's id or choice spells in ASCII digits, if any.

    ``str.isdigit`` also accepts "²" (which ``int`` refuses) and any length (which SQLite
    refuses past 64 bits): a button's target or choice is read with this instead.
    """
    if not (text.isascii() and text.isdigit()):
        return None
    number = int(text)
    return number if number <= LARGEST_INTEGER else None


def reads_as(kind: OptionType, text: str) -> bool:
    """Return whether typed text converts to a value of an option type.

    Text always does; whether a word names a member or a channel depends on the platform,
    so for those this says only that the word is not empty.
    """
    try:
        match kind:
            case OptionType.INTEGER:
                _whole_number(None, text)
            case OptionType.NUMBER:
                _real_number(None, text)
            case OptionType.BOOLEAN:
                _boolean(None, text)
            case OptionType.DURATION:
                parse_duration(text)
            case _:
                return bool(text) or kind is OptionType.STRING
    except ValueError:
        return False
    return True


_WHOLE = re.compile(r"[+-]?[0-9]+")


def _whole_number(value: Any, text: str) -> int:
    # "#12" is how people write case numbers.
    digits = text.removeprefix("#")
    if not isinstance(value, int) and _WHOLE.fullmatch(digits) is None:
        # Python's own words ("invalid literal for int() with base 10") help nobody.
        raise ValueError(f"{text[:40]!r} is not one, such as 12")
    number = int(value) if isinstance(value, int) else int(digits)
    if abs(number) > LARGEST_INTEGER:
        raise ValueError(f"{text!r} is too large")
    return number


def _real_number(value: Any, text: str) -> float:
    try:
        real = float(value) if isinstance(value, int | float) else float(text)
    except ValueError:
        raise ValueError(f"{text[:40]!r} is not one, such as 2.5") from None
    if not math.isfinite(real):
        raise ValueError(f"{text!r} is not a finite number")
    return real


def _boolean(value: Any, text: str) -> bool:
    if isinstance(value, bool):
        return value
    lowered = text.lower()
    if lowered in {"true", "yes", "on", "1"}:
        return True
    if lowered in {"false", "no", "off", "0"}:
        return False
    raise ValueError(f"{text!r} is not yes or no")


def commands_of(cls: type) -> list[CommandSpec]:
    """Return the commands a class declares, base classes first, overrides counted once.

    Each attribute is resolved on ``cls`` itself, so a subclass that overrides a command
    method replaces it, and one that overrides it without the decorator removes it.

    Raises:
        TypeError: If an option is completed by a method ``cls`` does not have as a
            coroutine (a typo would otherwise only show as a silent autocompletion).
    """
    found: list[CommandSpec] = []
    for attr in attribute_names(cls):
        spec = getattr(getattr(cls, attr, None), COMMAND_ATTR, None)
        if isinstance(spec, CommandSpec):
            for option in spec.options:
                method = getattr(cls, option.completed_by or "", None)
                if option.completed_by and not inspect.iscoroutinefunction(method):
                    raise TypeError(
                        f"option {option.name!r} of /{spec.name} is completed by "
                        f"{cls.__name__}.{option.completed_by}, which is no async method"
                    )
            found.append(spec)
    return found


def attribute_names(cls: type) -> list[str]:
    """Return attribute names in definition order, base classes first, each once."""
    names: dict[str, None] = {}
    for klass in reversed(cls.__mro__):
        names.update(dict.fromkeys(vars(klass)))
    return list(names)
