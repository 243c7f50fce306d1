"""An interactive chat in a local community: ``steward console``.

Type as any member, run moderator commands and watch the bot act. Lines starting with
``/`` are console commands (``/as``, ``/in``, ``/join``, ``/advance`` ...) or, for any
other name, the bot's own commands run as the current member.
"""

from __future__ import annotations

import asyncio
import shlex
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO, cast, get_args

from bot.adapters.local.community import PostRefused
from bot.adapters.local.scenario import CommunityLine, MemberSpec
from bot.core.channels import CHANNEL_SETTING, bare_name, named_values
from bot.core.cog import CogSettings
from bot.core.commands import CommandSpec, bind_words
from bot.core.durations import parse_duration
from bot.core.events import HandAction
from bot.core.text_files import read_text
from bot.registry import CogRegistry
from bot.serve import install_reload_signal
from bot.simulation import LocalSession, action_record, load_for_scenario
from bot.transcript import describe_action

CONSOLE_HELP = """Console commands:
  /as NAME [TEXT]        speak as NAME from now on (and say TEXT once, or run
                         it when it is a /command)
  /in CHANNEL            move to #CHANNEL
  /join NAME [ROLE ...]  a new member joins (roles optional)
  /leave NAME            a member leaves
  /dm TEXT               write to the bot privately
  /react MESSAGE EMOJI   react to a message by id
  /click TARGET CHOICE [REASON]
                         click a button the bot posted; a button that asks why
                         (a review card's Warn, Timeout, Ban) takes the reason inline
  /edit MESSAGE TEXT     edit a message; /delete MESSAGE deletes it (another's
                         message as a moderator with the platform's own tools)
  /byhand ban|unban|kick|untimeout NAME [REASON], /byhand timeout NAME DURATION [REASON]
                         act as the current member with the platform's own tools,
                         not through Steward (a moderator's menu on Discord)
  /rename NAME [DISPLAY NAME]
                         a member takes a new display name (a server nickname);
                         none goes back to their handle
  /advance DURATION      move the clock (30m, 2h, 1d), firing what is due
  /who                   list members and channels
  /quit                  leave the console
Any other /NAME runs the bot's command NAME as the current member; /help lists them.
Plain text is posted as the current member in the current channel."""

DEFAULT_CHANNELS = ["general", "support", "off-topic", "mod-log"]
DEFAULT_MEMBERS = [
    MemberSpec(name="owner", roles=["admin"], owner=True, lang="en"),
    MemberSpec(name="mod1", roles=["moderator"], lang="en"),
    MemberSpec(name="alice", lang="en"),
    MemberSpec(name="bob", lang="fr"),
]


class Console:
    """Turn typed lines into local events and print what the bot does.

    Args:
        session: The running local session.
        out: Where to print.
    """

    def __init__(self, session: LocalSession, out: TextIO) -> None:
        self.session = session
        self.out = out
        self.speaker = "mod1"
        self.channel = "general"
        self.done = False
        session.platform.observe(
            lambda applied: self._print(describe_action(action_record(applied)))
        )
        self._console: dict[str, Callable[[list[str], str], Any]] = {
            "as": self._as,
            "in": self._in,
            "join": self._join,
            "leave": self._leave,
            "dm": self._dm,
            "react": self._react,
            "click": self._click,
            "edit": self._edit,
            "delete": self._delete,
            "advance": self._advance,
            "byhand": self._by_hand,
            "rename": self._rename,
            "who": self._who,
            "quit": self._quit,
            "exit": self._quit,
        }

    def _print(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    @property
    def prompt(self) -> str:
        """Return the prompt showing who speaks where."""
        return f"{self.speaker}@#{self.channel}> "

    async def handle(self, line: str) -> None:
        """Act on one typed line."""
        text = line.strip()
        if not text:
            return
        try:
            if text.startswith("/"):
                await self._slash(text[1:])
            else:
                await self.session.driver.say(self.speaker, self.channel, text)
        except PostRefused as refusal:
            self._print(f"  ! {refusal}")
        except ValueError as error:
            self._print(f"  ! {error}")
        await self.session.app.bus.join()

    async def _slash(self, text: str) -> None:
        name, _, rest = text.partition(" ")
        handler = self._console.get(name)
        if handler is not None:
            result = handler(_words(rest), rest.strip())
            if asyncio.iscoroutine(result):
                await result
            return
        if name == "help":
            self._print(CONSOLE_HELP)
        await self._bot_command(text)

    async def _bot_command(self, text: str) -> None:
        runtime = self.session.app.runtimes[self.session.community.name]
        words = _words(text)
        spec = _longest_command(runtime.commands, words)
        if spec is None:
            await self.session.driver.command(self.speaker, self.channel, words[0], {})
            return
        args = words[len(spec.name.split()) :]
        await self.session.driver.command(
            self.speaker, self.channel, spec.name, bind_words(spec, args)
        )

    def _as(self, words: list[str], rest: str) -> Any:
        if not words:
            raise ValueError("usage: /as NAME [TEXT]")
        if self.session.community.member(words[0]) is None:
            raise ValueError(f"nobody called {words[0]!r} here; /join them first")
        self.speaker = words[0]
        said = rest.strip()[len(words[0]) :].strip()
        if not said:
            return None
        if said.startswith("/"):  # `/as bob /appeal 3 sorry`: bob runs the command
            return self._slash(said[1:])
        return self.session.driver.say(self.speaker, self.channel, said)

    def _in(self, words: list[str], _: str) -> None:
        if not words or words[0].lstrip("#") not in self.session.community.channels:
            raise ValueError(f"channels: {', '.join(self.session.community.channels)}")
        self.channel = words[0].lstrip("#")

    async def _join(self, words: list[str], _: str) -> None:
        if not words:
            raise ValueError("usage: /join NAME [ROLE ...]")
        from bot.adapters.local.driver import member_from  # noqa: PLC0415

        now = self.session.clock.now()
        await self.session.driver.join(
            member_from(words[0], roles=words[1:], joined=now, account_created=now)
        )

    async def _leave(self, words: list[str], _: str) -> None:
        await self.session.driver.leave(words[0] if words else self.speaker)

    async def _dm(self, _: list[str], rest: str) -> None:
        await self.session.driver.direct_message(self.speaker, rest)

    async def _react(self, words: list[str], _: str) -> None:
        if len(words) != 2:
            raise ValueError("usage: /react MESSAGE EMOJI")
        await self.session.driver.react(self.speaker, words[0], words[1])

    async def _click(self, words: list[str], _: str) -> None:
        if len(words) < 2:
            raise ValueError("usage: /click TARGET CHOICE [REASON]")
        reason = " ".join(words[2:])
        await self.session.driver.click(self.speaker, words[0], words[1], reason=reason)

    async def _edit(self, words: list[str], rest: str) -> None:
        if len(words) < 2:
            raise ValueError("usage: /edit MESSAGE TEXT")
        await self.session.driver.edit(words[0], rest.strip()[len(words[0]) :].strip())

    async def _delete(self, words: list[str], _: str) -> None:
        if len(words) != 1:
            raise ValueError("usage: /delete MESSAGE")
        await self.session.driver.delete(words[0], by=self.speaker)

    async def _by_hand(self, words: list[str], _: str) -> None:
        usage = (
            "usage: /byhand ban|unban|kick|untimeout NAME [REASON] or /byhand timeout NAME DURATION"
        )
        if len(words) < 2 or words[0] not in get_args(HandAction):
            raise ValueError(usage)
        action = cast(HandAction, words[0])
        rest, duration = words[2:], None
        if action == "timeout":
            if not rest:
                raise ValueError(usage)
            duration, rest = parse_duration(rest[0]), rest[1:]
        await self.session.driver.by_hand(
            self.speaker, action, words[1], reason=" ".join(rest), duration=duration
        )

    async def _rename(self, words: list[str], _: str) -> None:
        if not words:
            raise ValueError("usage: /rename NAME [DISPLAY NAME] (none goes back to NAME)")
        await self.session.driver.rename(words[0], " ".join(words[1:]))

    async def _advance(self, words: list[str], _: str) -> None:
        if len(words) != 1:
            raise ValueError("usage: /advance DURATION (30m, 2h, 1d)")
        target = self.session.clock.now() + parse_duration(words[0])
        await self.session.advance(target)
        self._print(f"  (the time is now {target.strftime('%Y-%m-%d %H:%M')} UTC)")

    def _who(self, _: list[str], __: str) -> None:
        place = self.session.community
        for entry in place.members.values():
            state = "" if entry.present else " (gone)"
            roles = ",".join(sorted(entry.member.roles))
            self._print(f"  {entry.member.name}{' [' + roles + ']' if roles else ''}{state}")
        self._print(f"  channels: {', '.join('#' + c for c in place.channels)}")

    def _quit(self, _: list[str], __: str) -> None:
        self.done = True


def _reread(source: str, fallback: str) -> str:
    """Read the config file again for a reload; built-in defaults stay as they were."""
    path = Path(source)
    return read_text(path) if path.is_file() else fallback


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def _longest_command(commands: Any, words: list[str]) -> CommandSpec | None:
    for size in range(min(3, len(words)), 0, -1):
        bound = commands.get(" ".join(words[:size]))
        if bound is not None:
            spec: CommandSpec = bound.spec
            return spec
    return None


async def run_console(
    registry: CogRegistry, config_text: str, source: str, *, name: str, stdin: TextIO, out: TextIO
) -> None:
    """Run the console until /quit or end of input."""
    line = CommunityLine(
        type="community", name=name, channels=DEFAULT_CHANNELS, members=DEFAULT_MEMBERS
    )
    loaded = load_for_scenario(line, registry, config_text, source)
    # The channels the configuration names (modmail's, routing's teams', the welcome's)
    # exist here too: a community manager trying their own config sees each cog work.
    named = _channels_named(loaded.cogs[name].values())
    line = line.model_copy(
        update={"channels": [*DEFAULT_CHANNELS, *sorted(named - set(DEFAULT_CHANNELS))]}
    )
    session = await LocalSession.open(
        line,
        loaded,
        registry,
        start=datetime.now(UTC).replace(microsecond=0),
        reload=lambda: load_for_scenario(line, registry, _reread(source, config_text), source),
    )
    console = Console(session, out)
    install_reload_signal(session.app)
    interactive = stdin.isatty()
    out.write(f"Steward console: community {name!r}. /help lists commands; /quit leaves.\n")
    loop = asyncio.get_running_loop()
    try:
        while not console.done:
            if interactive:
                out.write(console.prompt)
                out.flush()
            typed = await loop.run_in_executor(None, stdin.readline)
            if not typed:
                break
            if not interactive:
                out.write(console.prompt + typed.rstrip("\n") + "\n")
            await console.handle(typed)
    finally:
        await session.close()


def _channels_named(settings: Iterable[CogSettings]) -> set[str]:
    """Return the channel names the cogs' settings name (links left out)."""
    return {
        bare_name(value) for each in settings for _, value in named_values(each, CHANNEL_SETTING)
    }
