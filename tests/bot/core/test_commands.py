"""Commands: options read from signatures, names, usage, and parsing raw option values."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import pytest

from bot.core.actions import Action, ActionResult, ReplyEphemeral
from bot.core.capabilities import Capabilities
from bot.core.commands import (
    MAY_HAVE_LEFT,
    Choice,
    CommandContext,
    CommandError,
    CommandHandler,
    CommandSpec,
    CompletedBy,
    OptionSpec,
    OptionType,
    bind_words,
    command,
    commands_of,
    offered,
    parse_options,
    plain_number,
    reads_as,
)
from bot.core.community import CommunityInfo, Permission
from bot.core.events import CommandInvoked
from bot.core.models import Channel, Member, Message
from bot.core.refs import Ref

ACME = Ref("local", "acme")
ALICE = Member(ref=Ref("local", "u1"), name="alice")
GENERAL = Channel(ref=Ref("local", "c1"), name="general")


class Moderation:
    @command("warn", description="Warn a member.")
    async def warn(
        self,
        ctx: CommandContext,
        member: Annotated[Member, "Who to warn"],
        reason: Annotated[str, "Why"] = "",
    ) -> None:
        """Warn."""

    @command("timeout", description="Silence a member.", permission=Permission.ADMIN)
    async def timeout(  # noqa: PLR0917 - options are positional parameters
        self,
        ctx: CommandContext,
        member: Member,
        duration: timedelta,
        where: Channel | None,
        silent: bool = False,
        note: str | None = None,
        count: Annotated[int | None, "How many"] = None,
    ) -> None:
        """Time out."""

    @command("case show", description="Show a case.", permission=Permission.EVERYONE)
    async def case_show(self, ctx: CommandContext, number: int, weight: float = 1.5) -> None:
        """Show."""

    @command("ping", description="Answer pong.")
    async def ping(self, ctx: CommandContext) -> None:
        """Ping."""

    @command("history", description="Show a record.")
    async def history(
        self, ctx: CommandContext, member: Annotated[Member, "Whose record", MAY_HAVE_LEFT]
    ) -> None:
        """Show a record, of someone who left too."""


class Everything:
    @command("all", description="Every option type.")
    async def all_types(  # noqa: PLR0917 - options are positional parameters
        self,
        ctx: CommandContext,
        text: str,
        count: int,
        ratio: float,
        flag: bool,
        wait: timedelta,
        who: Member,
        where: Channel,
        note: str = "none",
        limit: int | None = None,
    ) -> None:
        """Take everything."""


def spec(name: str, cls: type = Moderation) -> CommandSpec:
    found = {s.name: s for s in commands_of(cls)}
    return found[name]


EVERYTHING = spec("all", Everything)


# -- declaring -------------------------------------------------------------------------


def test_options_come_from_the_signature() -> None:
    warn = spec("warn")
    assert warn.description == "Warn a member."
    assert warn.permission is Permission.MODERATOR
    assert warn.method == "warn"
    assert warn.options == (
        OptionSpec(name="member", type=OptionType.MEMBER, description="Who to warn"),
        OptionSpec(
            name="reason", type=OptionType.STRING, description="Why", required=False, default=""
        ),
    )


def test_required_default_and_optional_options() -> None:
    timeout = spec("timeout")
    assert timeout.permission is Permission.ADMIN
    assert timeout.options == (
        OptionSpec(name="member", type=OptionType.MEMBER),
        OptionSpec(name="duration", type=OptionType.DURATION),
        OptionSpec(name="where", type=OptionType.CHANNEL, required=False, default=None),
        OptionSpec(name="silent", type=OptionType.BOOLEAN, required=False, default=False),
        OptionSpec(name="note", type=OptionType.STRING, required=False, default=None),
        OptionSpec(
            name="count",
            type=OptionType.INTEGER,
            description="How many",
            required=False,
            default=None,
        ),
    )


def test_numbers_and_nested_command_paths() -> None:
    show = spec("case show")
    assert show.method == "case_show"
    assert show.permission is Permission.EVERYONE
    assert [(o.name, o.type, o.required, o.default) for o in show.options] == [
        ("number", OptionType.INTEGER, True, None),
        ("weight", OptionType.NUMBER, False, 1.5),
    ]


def test_every_option_type_is_derived() -> None:
    assert {o.name: o.type for o in EVERYTHING.options} == {
        "text": OptionType.STRING,
        "count": OptionType.INTEGER,
        "ratio": OptionType.NUMBER,
        "flag": OptionType.BOOLEAN,
        "wait": OptionType.DURATION,
        "who": OptionType.MEMBER,
        "where": OptionType.CHANNEL,
        "note": OptionType.STRING,
        "limit": OptionType.INTEGER,
    }


def test_command_leaves_the_method_itself_unchanged() -> None:
    async def handler(self: object, ctx: CommandContext, n: int) -> None:
        """Handle."""

    assert command("count", description="Count.")(handler) is handler


def test_usage() -> None:
    assert spec("warn").usage == "/warn <member> [reason]"
    assert spec("case show").usage == "/case show <number> [weight]"
    assert spec("ping").usage == "/ping"
    assert spec("timeout").usage == "/timeout <member> <duration> [where] [silent] [note] [count]"


async def _list_option(self: object, ctx: CommandContext, tags: list[str]) -> None:
    """Take a list."""


async def _union_option(self: object, ctx: CommandContext, n: int | str) -> None:
    """Take a union."""


async def _ref_option(self: object, ctx: CommandContext, target: Ref) -> None:
    """Take a ref."""


async def _unannotated_option(self: object, ctx: CommandContext, n) -> None:  # type: ignore[no-untyped-def]  # noqa: ANN001
    """Take anything."""


@pytest.mark.parametrize(
    "func",
    [_list_option, _union_option, _ref_option, _unannotated_option],
    ids=["list", "union", "ref", "unannotated"],
)
def test_unsupported_annotation_raises_type_error(func: CommandHandler) -> None:
    with pytest.raises(TypeError, match="unsupported type"):
        command("bad", description="Bad.")(func)


def test_annotated_option_may_be_made_optional_from_outside() -> None:
    async def handler(
        self: object, ctx: CommandContext, member: Annotated[Member, "Who"] | None = None
    ) -> None:
        """Handle."""

    command("who", description="Who.")(handler)
    (option,) = spec("who", type("Holder", (), {"who": handler})).options
    assert option == OptionSpec(
        name="member", type=OptionType.MEMBER, description="Who", required=False
    )


@pytest.mark.parametrize(
    "name",
    ["", "Warn", "WARN", "warn  user", " warn", "warn ", "warn!", "case_show", "ünban", "a\tb"],
)
def test_bad_command_names_are_refused(name: str) -> None:
    with pytest.raises(ValueError, match="command names"):
        command(name, description="Bad.")


def test_rest_must_name_a_text_option() -> None:
    async def handler(self: object, ctx: CommandContext, count: int) -> None:
        """Handle."""

    with pytest.raises(ValueError, match="rest='count' names no text option"):
        command("purge", description="Purge.", rest="count")(handler)


@pytest.mark.parametrize("name", ["warn", "case show", "set-slowmode", "top10", "a b c"])
def test_good_command_names_are_accepted(name: str) -> None:
    async def handler(self: object, ctx: CommandContext) -> None:
        """Handle."""

    command(name, description="Good.")(handler)
    assert spec(name, type("Holder", (), {"handler": handler})).usage == f"/{name}"


# -- inheritance -----------------------------------------------------------------------


class Base:
    @command("warn", description="Warn.")
    async def warn(self, ctx: CommandContext, member: Member) -> None:
        """Warn."""

    @command("note", description="Note.")
    async def note(self, ctx: CommandContext, text: str) -> None:
        """Note."""


class Child(Base):
    @command("kick", description="Kick.")
    async def kick(self, ctx: CommandContext, member: Member) -> None:
        """Kick."""

    async def helper(self) -> None:
        """Not a command."""


class Override(Base):
    @command("warn", description="Warn, louder.")
    async def warn(self, ctx: CommandContext, member: Member) -> None:
        """Warn louder."""


def test_commands_of_includes_inherited_commands_in_order() -> None:
    assert [s.name for s in commands_of(Child)] == ["warn", "note", "kick"]
    assert [s.name for s in commands_of(Base)] == ["warn", "note"]
    assert commands_of(object) == []


def test_an_overriding_command_replaces_the_inherited_one() -> None:
    specs = commands_of(Override)
    assert len(specs) == 2
    assert {s.name: s.description for s in specs} == {"warn": "Warn, louder.", "note": "Note."}


# -- parsing ---------------------------------------------------------------------------


class Directory:
    """Answers member and channel lookups from fixed data and remembers what was asked."""

    def __init__(self) -> None:
        self.members = {ALICE.ref: ALICE}
        self.channels = {GENERAL.ref: GENERAL}
        self.asked: list[Ref] = []

    async def find_member(self, ref: Ref) -> Member | None:
        self.asked.append(ref)
        return self.members.get(ref)

    async def find_channel(self, ref: Ref) -> Channel | None:
        self.asked.append(ref)
        return self.channels.get(ref)


GOOD_RAW: dict[str, Any] = {
    "text": "  hello there ",
    "count": "42",
    "ratio": "2.5",
    "flag": "yes",
    "wait": "1h30m",
    "who": "@u1",
    "where": "#c1",
}


async def parse(
    raw: dict[str, Any], directory: Directory | None = None, *, platform: str = "local"
) -> dict[str, Any]:
    d = directory or Directory()
    return await parse_options(
        EVERYTHING,
        raw,
        platform=platform,
        find_member=d.find_member,
        find_channel=d.find_channel,
    )


async def test_parse_converts_strings() -> None:
    directory = Directory()
    values = await parse(GOOD_RAW, directory)
    assert values == {
        "text": "hello there",
        "count": 42,
        "ratio": 2.5,
        "flag": True,
        "wait": timedelta(hours=1, minutes=30),
        "who": ALICE,
        "where": GENERAL,
        "note": "none",
        "limit": None,
    }
    assert type(values["count"]) is int
    assert type(values["ratio"]) is float
    assert directory.asked == [ALICE.ref, GENERAL.ref]


async def test_parse_accepts_typed_values() -> None:
    raw = GOOD_RAW | {
        "count": 7,
        "ratio": 3,
        "flag": False,
        "wait": timedelta(minutes=5),
        "who": "u1",
        "where": "c1",
        "limit": "10",
    }
    values = await parse(raw)
    assert values["count"] == 7
    assert values["ratio"] == 3.0
    assert type(values["ratio"]) is float
    assert values["flag"] is False
    assert values["wait"] == timedelta(minutes=5)
    assert values["who"] == ALICE
    assert values["where"] == GENERAL
    assert values["limit"] == 10


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("true", True),
        ("YES", True),
        ("on", True),
        ("1", True),
        ("false", False),
        ("No", False),
        ("off", False),
        ("0", False),
    ],
)
async def test_parse_booleans(text: str, expected: bool) -> None:
    assert (await parse(GOOD_RAW | {"flag": text}))["flag"] is expected


async def test_parse_durations_bare_number_is_minutes() -> None:
    assert (await parse(GOOD_RAW | {"wait": "30"}))["wait"] == timedelta(minutes=30)


async def test_parse_looks_ids_up_on_the_given_platform() -> None:
    directory = Directory()
    with pytest.raises(CommandError, match="no member"):
        await parse(GOOD_RAW, directory, platform="slack")
    assert directory.asked == [Ref("slack", "u1")]


async def test_empty_optional_values_take_the_default() -> None:
    values = await parse(GOOD_RAW | {"note": "", "limit": None})
    assert values["note"] == "none"
    assert values["limit"] is None


async def test_an_optional_option_without_default_may_be_left_out() -> None:
    d = Directory()
    values = await parse_options(
        spec("timeout"),
        {"member": "u1", "duration": "1d"},
        platform="local",
        find_member=d.find_member,
        find_channel=d.find_channel,
    )
    assert values == {
        "member": ALICE,
        "duration": timedelta(days=1),
        "where": None,
        "silent": False,
        "note": None,
        "count": None,
    }


async def test_someone_no_longer_here_is_a_member_not_present() -> None:
    # Discord's user picker names someone who left; a typed id names nobody known.
    d = Directory()
    gone = Member(ref=Ref("local", "u9"), name="raider", present=False)

    async def member_option(spec_name: str, value: object) -> Any:
        values = await parse_options(
            spec(spec_name),
            {"member": value},
            platform="local",
            find_member=d.find_member,
            find_channel=d.find_channel,
        )
        return values["member"]

    assert await member_option("history", gone) == gone
    assert await member_option("history", "@u9") == Member(
        ref=Ref("local", "u9"), name="", present=False
    )
    # Someone who is here after all is looked up afresh: their roles count.
    assert await member_option("history", Member(ref=ALICE.ref, name="a", present=False)) == ALICE
    with pytest.raises(CommandError, match=r"^no member 'raider' here$"):
        await member_option("warn", gone)
    with pytest.raises(CommandError, match=r"^no member '@u9' here$"):
        await member_option("warn", "@u9")
    # A deactivated account the platform still finds: its record, yes; an action, no.
    deactivated = Member(ref=Ref("local", "u8"), name="carl", present=False)
    d.members[deactivated.ref] = deactivated
    assert await member_option("history", "u8") == deactivated
    with pytest.raises(CommandError, match=r"^no member 'carl' here$"):
        await member_option("warn", "u8")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"count": None}, "missing 'count'"),
        ({"text": ""}, "missing 'text'"),
        ({"bogus": "1"}, "unknown option 'bogus'"),
        ({"count": "4x"}, "^'count' must be a whole number: '4x' is not one, such as 12$"),
        ({"count": "1.5"}, "'count' must be a whole number"),
        ({"count": "+-5"}, "^'count' must be a whole number: '\\+-5' is not one, such as 12$"),
        ({"ratio": "fast"}, "^'ratio' must be a number: 'fast' is not one, such as 2.5$"),
        # Past what the database holds: it once failed with an OverflowError.
        ({"count": "#" + "9" * 20}, "'count' must be a whole number: '#9+' is too large"),
        ({"ratio": "fast"}, "'ratio' must be a number"),
        ({"ratio": "nan"}, "'ratio' must be a number: 'nan' is not a finite number"),
        ({"ratio": "1e999"}, "'ratio' must be a number: '1e999' is not a finite number"),
        ({"flag": "maybe"}, "'flag' must be yes or no: 'maybe' is not yes or no"),
        ({"wait": "soon"}, r"^'soon' is not a duration: try 10m, 2h or 7d$"),
        ({"who": "@nobody"}, "no member '@nobody'"),
        ({"who": "@"}, "^no member '@' here$"),
        ({"who": "@@@"}, "^no member '@@@' here$"),
        ({"where": "#nowhere"}, "no channel '#nowhere'"),
        ({"where": "#"}, "^no channel '#' here$"),
    ],
)
async def test_parse_errors(change: dict[str, Any], message: str) -> None:
    raw = {k: v for k, v in (GOOD_RAW | change).items() if v is not None}
    with pytest.raises(CommandError, match=message):
        await parse(raw)


async def test_missing_option_error_shows_usage() -> None:
    raw = {k: v for k, v in GOOD_RAW.items() if k != "who"}
    with pytest.raises(CommandError) as caught:
        await parse(raw)
    assert EVERYTHING.usage in str(caught.value)
    assert EVERYTHING.usage.startswith("/all <text> <count>")


# -- the command context ---------------------------------------------------------------


class RecordingGateway:
    """A minimal gateway that records what it is asked to apply."""

    def __init__(self) -> None:
        self.applied: list[Action] = []

    @property
    def platform(self) -> str:
        return "local"

    @property
    def capabilities(self) -> Capabilities:
        return Capabilities.everything()

    async def apply(self, action: Action) -> ActionResult:
        self.applied.append(action)
        return ActionResult.done()

    async def fetch_member(self, community: Ref, member: Ref) -> Member | None:
        return None

    async def fetch_channel(self, community: Ref, channel: Ref) -> Channel | None:
        return None

    async def recent_messages(
        self, community: Ref, channel: Ref, *, limit: int
    ) -> Sequence[Message]:
        return []

    async def resolve_channels(
        self, community: Ref, names: Sequence[str]
    ) -> Mapping[str, str | None]:
        return {name: name for name in names}

    async def resolve_roles(self, community: Ref, names: Sequence[str]) -> Mapping[str, str | None]:
        return {name: f"@{name}" for name in names}


async def test_command_context_replies_privately_to_the_author() -> None:
    gateway = RecordingGateway()
    invocation = CommandInvoked(
        community=ACME,
        at=datetime(2024, 1, 1, tzinfo=UTC),
        name="warn",
        author=ALICE,
        channel=GENERAL.ref,
        interaction=Ref("local", "i1"),
    )
    ctx = CommandContext(
        invocation=invocation,
        community=CommunityInfo(key="acme", ref=ACME, name="Acme"),
        gateway=gateway,
        permission=Permission.MODERATOR,
    )
    assert ctx.author == ALICE
    await ctx.reply("done")
    assert gateway.applied == [
        ReplyEphemeral(
            community=ACME,
            interaction=Ref("local", "i1"),
            channel=GENERAL.ref,
            member=ALICE.ref,
            content="done",
        )
    ]


@pytest.mark.parametrize(
    ("kind", "yes", "no"),
    [
        (OptionType.INTEGER, ["12", "#12", "-3"], ["twelve", "1.5", "9" * 30]),
        (OptionType.NUMBER, ["0.5", "3"], ["nan", "half"]),
        (OptionType.BOOLEAN, ["yes", "OFF", "1"], ["maybe"]),
        (OptionType.DURATION, ["7d", "1h30m", "90"], ["soon", "links"]),
        (OptionType.STRING, ["anything", ""], []),
        (OptionType.MEMBER, ["bob"], [""]),
    ],
)
def test_reads_as_says_whether_typed_text_converts(
    kind: OptionType, yes: list[str], no: list[str]
) -> None:
    assert all(reads_as(kind, text) for text in yes)
    assert not any(reads_as(kind, text) for text in no)


@pytest.mark.parametrize(
    ("text", "number"),
    [("42", 42), ("0", 0), ("²", None), ("٣", None), ("-1", None), ("", None), ("9" * 30, None)],
)
def test_a_plain_number_is_ascii_digits_within_what_storage_takes(
    text: str, number: int | None
) -> None:
    assert plain_number(text) == number


class Prompts:
    @command("prompt add", description="Add a prompt.", rest="text")
    async def add(
        self,
        ctx: CommandContext,
        text: Annotated[str, "The prompt"],
        topics: Annotated[str, "Topics"] = "",
        language: Annotated[str, "Its language"] = "",
    ) -> None:
        """Add."""


@pytest.mark.parametrize(
    ("words", "bound"),
    [
        # Unquoted, the text takes every word: nobody quotes a reason.
        (["What", "is", "on", "your", "desk?"], {"text": "What is on your desk?"}),
        # Quoted, it ends with the quotes; the words after it are the next options.
        (["What is on your desk?", "fun"], {"text": "What is on your desk?", "topics": "fun"}),
        (
            ["Quoi de neuf ?", "fun", "fr"],
            {"text": "Quoi de neuf ?", "topics": "fun", "language": "fr"},
        ),
        (["What is new?"], {"text": "What is new?"}),
        (
            ["What is new?", "language=fr", "fun"],
            {"text": "What is new?", "language": "fr", "topics": "fun"},
        ),
    ],
)
def test_typed_words_bind_to_options(words: list[str], bound: dict[str, str]) -> None:
    assert bind_words(spec("prompt add", Prompts), words) == bound


class Queue:
    @command("review decide", description="Decide an item.")
    async def decide(
        self,
        ctx: CommandContext,
        item: Annotated[int, "The item", CompletedBy("item_choices")],
        note: Annotated[str, "Why"] = "",
    ) -> None:
        """Decide."""

    async def item_choices(self, typed: str, member: Member) -> list[Choice]:
        return offered([("12 alice: spam", 12)], typed)


def test_an_option_names_the_method_that_completes_it() -> None:
    item, note = spec("review decide", Queue).options
    assert (item.completed_by, note.completed_by) == ("item_choices", None)


def test_an_option_completed_by_a_missing_method_is_refused_when_the_cog_is_read() -> None:
    class Typo:
        @command("review decide", description="Decide an item.")
        async def decide(
            self, ctx: CommandContext, item: Annotated[int, "The item", CompletedBy("itme")]
        ) -> None:
            """Decide."""

    with pytest.raises(TypeError, match=r"completed by Typo.itme, which is no async method"):
        commands_of(Typo)


@pytest.mark.parametrize(
    ("typed", "values"),
    [
        ("", [12, 3, "reached_out"]),
        ("1", [12]),  # a number's start
        ("#3", [3]),  # as cases and prompts are written
        ("ALI", [12]),  # a word's start in the label, case aside
        ("@ali", [12]),  # as people are written
        ("lice", []),  # not the middle of a word
        ("re", [3, "reached_out"]),  # "breaks" holds "re", but no word of 12 starts with it
        ("reading corner", [3]),  # several words, as they stand
    ],
)
def test_choices_fit_a_value_or_a_word_of_their_label(typed: str, values: list[object]) -> None:
    choices: list[Choice] = [
        ("12 alice: it breaks the rules", 12),
        ("#3 Which lamp lights your reading corner?", 3),
        ("reached_out: someone was reached", "reached_out"),
    ]
    assert [value for _, value in offered(choices, typed)] == values
