"""``/policy words``: add entries to a rule's lists, or take them out, from chat.

A scam wave brings a new domain or phrase, and a word that keeps catching an innocent
phrase needs taking out: moderators should not have to wait for whoever edits the policy
file. The edit is kept in the database and laid over the policy file at every start and
reload (:mod:`policies.list_edits`), synced to Discord's AutoMod like any policy change,
announced in the staff channel, and listed with who made it and when. An entry that would
make the rule match one of the policy's own "fine" examples is refused: the examples are
the policy's word on what must pass.
"""

from __future__ import annotations

from typing import Annotated

from bot.core.commands import Choice, CommandContext, CommandError, CompletedBy, command, offered
from bot.core.models import Member
from bot.core.quoting import quoted
from cogs._moderation_base import ModerationCog
from moderation.repositories import RecordedListEdit
from policies.list_edits import (
    ListEdit,
    editable_lists,
    entry_key,
    failed_examples,
    list_entries,
    listed_in,
    moot_edits,
    with_edits,
)
from policies.policy import CompiledRule
from policies.rule import judges_messages

_ENTRIES_MOST = 20
"""The most entries one command adds or takes out."""
_ENTRY_LONGEST = 100
"""The longest entry, in characters: a word, a phrase or a domain, not a paragraph."""


class ListEditCommands(ModerationCog):
    """Edit the word and domain lists of the policy's rules at run time."""

    @command(
        "policy words",
        description="Add words or domains to a rule's list, or take them out; or list them.",
        # Typed as one line (Slack, the console), the words after the rule are those added.
        rest="add",
    )
    async def policy_words(
        self,
        ctx: CommandContext,
        rule: Annotated[str, "A rule id", CompletedBy("rules_with_lists")],
        add: Annotated[str, "Entries to add, separated by commas"] = "",
        remove: Annotated[str, "Entries to take out, separated by commas"] = "",
        which: Annotated[
            str,
            "Which list: a language (en, fr) for words; deny or allow for links",
            CompletedBy("list_names"),
        ] = "",
    ) -> None:
        """Edit one of a rule's lists, from now on and after restarts; without edits, list it."""
        compiled = self.policy.rule(rule)
        if compiled is None:
            raise CommandError(f"no rule {rule!r}; try /policy show")
        if not type(compiled.rule).editable_lists:
            raise CommandError(
                f"{rule} ({compiled.spec.type}) has no list moderators can edit; "
                "its policy file sets what it matches"
            )
        adding, removing = _entries(add), _entries(remove)
        if not adding and not removing:
            await ctx.reply(await self._shown_lists(ctx, compiled, which))
            return
        name = _list_name(compiled, which, ctx.community.language)
        _listed(compiled, name)  # refuses a list the rule lacks, naming those it has
        edits = [ListEdit(rule, name, e, added=True) for e in adding] + [
            ListEdit(rule, name, e, added=False) for e in removing
        ]
        moot = moot_edits(self.policy, edits)
        wanted = [e for e in edits if e not in moot]
        missed = self._checked(rule, wanted)
        for edit in wanted:
            await self._keep(ctx, edit)
        answer = _moot_lines(moot, rule, _shown_name(name))
        if wanted:
            # Laid anew from the file and every stored edit, not from the policy checked
            # above: another moderator's edit may have landed while these were stored.
            await self.use_policy_file(self.policy_file, self.engine.shadow)
            await self.announce_policy_change()
            done = _done(wanted, rule, _shown_name(name))
            await self.tell_staff_of_change(ctx, rule, done)
            replay = (
                f", {self.typed('policy replay')} {rule} tries the rule on this channel"
                if judges_messages(compiled.rule)
                else ""
            )
            answer = [
                f"{done[0].upper()}{done[1:]}. In force now and after restarts; the policy "
                f"file is unchanged ({self.typed('policy words')} {rule} lists the edits"
                f"{replay}).",
                *_missed_lines(missed, rule),
                *answer,
            ]
        await ctx.reply("\n".join(answer))

    async def rules_with_lists(self, typed: str, member: Member) -> list[Choice]:
        """Offer the rules whose lists moderators may edit, each with its type."""
        del member  # only moderators are asked
        return offered(
            [
                (f"{c.spec.id} ({c.spec.type})", c.spec.id)
                for c in self.policy.rules
                if type(c.rule).editable_lists
            ],
            typed,
        )

    async def list_names(self, typed: str, member: Member) -> list[Choice]:
        """Offer the lists the policy's rules have, each with the rules that have it."""
        del member
        rules_of: dict[str, list[str]] = {}
        for compiled in self.policy.rules:
            for name in editable_lists(compiled):
                rules_of.setdefault(_shown_name(name), []).append(compiled.spec.id)
        return offered(
            [(f"{name}: {', '.join(rules)}", name) for name, rules in rules_of.items()], typed
        )

    def _checked(self, rule: str, edits: list[ListEdit]) -> list[str]:
        """Refuse edits that break the rule; return what they give up.

        Returns:
            The policy's examples of a match that the rule misses only since the edits
            (an entry taken out that they needed).

        Raises:
            CommandError: If the rule would not load, or the edits make it match a text
                the policy gives as fine.
        """
        if not edits:
            return []
        policy, refused = with_edits(self.policy, edits)
        if refused:
            raise CommandError("Nothing changed: " + "; ".join(refused))
        # Only what the edits change counts: a policy file may ship failing examples.
        before = set(failed_examples(self.policy, rule))
        new = [f for f in failed_examples(policy, rule) if f not in before]
        wrong = [f.text for f in new if not f.expected_match]
        if wrong:
            raise CommandError(
                f"Nothing changed: {rule} would then match {_texts(wrong)}, which the policy "
                "gives as fine"
            )
        return [f.text for f in new if f.expected_match]

    async def _keep(self, ctx: CommandContext, edit: ListEdit) -> None:
        """Record an edit, or forget the earlier one it undoes (the file's entry is back)."""
        community = ctx.community.ref
        if edit.added == listed_in(self.policy_file.rule(edit.rule), edit):  # as the file has it
            await self.store.list_edits.drop(community, edit.rule, edit.list, edit.entry)
        else:
            await self.store.list_edits.record(
                community, edit, str(ctx.author.ref), self.ctx.clock.now()
            )

    async def _shown_lists(self, ctx: CommandContext, compiled: CompiledRule, which: str) -> str:
        """Return a rule's lists (or one list's entries) and the edits moderators made."""
        rule = compiled.spec.id
        if which:
            name = _list_name(compiled, which, ctx.community.language)
            entries = _listed(compiled, name)
            shown = ", ".join(_code(e) for e in entries) or "none"
            return f"{rule}, list {_shown_name(name)} ({len(entries)}): {shown}"
        names = editable_lists(compiled)
        counts = ", ".join(f"{_shown_name(n)} ({len(list_entries(compiled, n))})" for n in names)
        lines = [
            f"{rule}: lists moderators can edit: {counts or 'none yet'}. "
            f"{self.typed('policy words')} {rule} with a list named in which shows it."
        ]
        recorded = await self.list_edits_of(rule)
        if recorded:
            lines.append("Edited here, not in the policy file:")
            lines.extend([await self._edit_line(r) for r in recorded])
        return "\n".join(lines)

    async def _edit_line(self, recorded: RecordedListEdit) -> str:
        """Return one edit as a line: what, to which list, by whom, when."""
        edit = recorded.edit
        sign, way = ("+", "added to") if edit.added else ("-", "taken out of")
        who = await self.name_of(recorded.actor)
        return (
            f"{sign} {_code(edit.entry)} {way} {_shown_name(edit.list)} by {who} "
            f"on {recorded.at:%Y-%m-%d}"
        )


def _listed(compiled: CompiledRule, name: str) -> list[str]:
    """Return a list's entries in a rule.

    Raises:
        CommandError: If the rule has no such list for moderators to edit.
    """
    try:
        return list_entries(compiled, name)
    except ValueError as error:
        raise CommandError(str(error)) from None


def _entries(text: str) -> list[str]:
    """Return the entries of a comma-separated option, once each.

    Raises:
        CommandError: If there are too many, or one is too long.
    """
    found: dict[str, str] = {}
    for part in text.split(","):
        if part.strip():
            found.setdefault(entry_key(part), part.strip())
    if len(found) > _ENTRIES_MOST:
        raise CommandError(f"at most {_ENTRIES_MOST} entries at a time")
    if any(len(e) > _ENTRY_LONGEST for e in found.values()):
        raise CommandError(
            f"an entry is a word, a phrase or a domain: {_ENTRY_LONGEST} characters at most"
        )
    return list(found.values())


def _list_name(compiled: CompiledRule, which: str, language: str) -> str:
    """Return the list an edit names: ``which`` as typed, a language, or the rule's main list.

    A rule with lists by language takes a language (``fr``), the community's by default;
    another rule takes a list's name (``deny``), its first list by default.
    """
    params = type(compiled.rule).editable_lists
    by_language = next(
        (p for p in params if isinstance(getattr(compiled.rule.params, p), dict)), None
    )
    which = which.strip().casefold()
    if which in params or "." in which:
        return which
    if by_language is not None:
        return f"{by_language}.{which or language.partition('-')[0].casefold()}"
    return which or params[0]  # a name it lacks is refused, with the names it has


def _code(entry: str) -> str:
    """Return an entry as inline code, so a prefix's ``*`` does not turn text italic."""
    return "`" + entry.replace("`", "'") + "`"


def _shown_name(name: str) -> str:
    """Return a list's name as moderators read it (``words.fr`` reads ``fr``)."""
    param, _, language = name.partition(".")
    return language or param


def _done(edits: list[ListEdit], rule: str, shown: str) -> str:
    """Return what the edits did, as the staff channel and the moderator read it."""
    added = [_code(e.entry) for e in edits if e.added]
    removed = [_code(e.entry) for e in edits if not e.added]
    parts = []
    if added:
        parts.append(f"added {', '.join(added)} to")
    if removed:
        parts.append(f"took {', '.join(removed)} out of")
    return f"{' and '.join(parts)} the {shown} list of rule {rule}"


def _moot_lines(moot: list[ListEdit], rule: str, shown: str) -> list[str]:
    """Return a line for the entries that were listed already, or not listed at all."""
    lines = []
    there = [_code(e.entry) for e in moot if e.added]
    absent = [_code(e.entry) for e in moot if not e.added]
    if there:
        lines.append(f"Already on the {shown} list of rule {rule}: {', '.join(there)}.")
    if absent:
        lines.append(f"Not on the {shown} list of rule {rule}: {', '.join(absent)}.")
    return lines


def _missed_lines(missed: list[str], rule: str) -> list[str]:
    """Return a note of the policy's examples of a match that the rule misses since."""
    if not missed:
        return []
    return [f"Note: the policy's examples of a match that {rule} now misses: {_texts(missed)}."]


def _texts(texts: list[str]) -> str:
    """Return the first few of the policy's example texts, quoted as members' words."""
    return ", ".join(f"“{quoted(t)}”" for t in texts[:3])
