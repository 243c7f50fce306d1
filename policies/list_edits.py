"""Moderators' run-time edits of a rule's lists: entries added or taken out, file unchanged.

A scam wave brings a new domain or phrase, and moderators need it caught now, not once
someone has edited the policy file and reloaded it; a listed word that keeps catching an
innocent phrase needs taking out as quickly. An edit names a rule, one of the lists its
type lets moderators edit (:attr:`~policies.rule.Rule.editable_lists`; one language's list
of a list by language is named ``words.fr``), an entry, and whether it is added or taken
out. The policy file stays the base: the edits are laid over it each time it loads, and an
edit the file has since made moot (it lists the added entry itself, or no longer lists the
removed one) changes nothing.

Entries compare without regard to case or surrounding spaces, as moderators type them.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from policies.examples import ExampleFailure, check_rule_examples
from policies.policy import CompiledRule, Policy, PolicyError

_LANGUAGE = re.compile(r"^[a-z]{2,3}(?:-[a-z0-9]{2,8})*$", re.IGNORECASE)
"""A language code naming one list of a list by language (``fr``, ``pt-br``)."""


@dataclass(frozen=True, slots=True)
class ListEdit:
    """One entry added to or taken out of one of a rule's lists.

    Attributes:
        rule: The rule's id.
        list: The list: a parameter (``deny``), or a parameter and a language (``words.fr``).
        entry: The word, phrase or domain, as the moderator typed it.
        added: ``True`` when added, ``False`` when taken out.
    """

    rule: str
    list: str
    entry: str
    added: bool


def entry_key(entry: str) -> str:
    """Return what an entry is compared by: the same whatever its case and spaces."""
    return entry.strip().casefold()


def same_entry(a: str, b: str) -> bool:
    """Return whether two entries are the same one, whatever their case and spaces."""
    return entry_key(a) == entry_key(b)


def editable_lists(compiled: CompiledRule) -> list[str]:
    """Return the names of the lists moderators may edit in a rule, as edits name them."""
    names: list[str] = []
    for param in type(compiled.rule).editable_lists:
        value = getattr(compiled.rule.params, param)
        if isinstance(value, dict):
            names.extend(f"{param}.{language}" for language in value)
        else:
            names.append(param)
    return names


def list_entries(compiled: CompiledRule, name: str) -> list[str]:
    """Return a list's entries in a rule; a language the rule has no list for has none.

    Raises:
        ValueError: If the rule's type has no such list for moderators to edit.
    """
    param, _, language = name.partition(".")
    if param not in type(compiled.rule).editable_lists:
        raise ValueError(_no_such_list(compiled, name))
    value = getattr(compiled.rule.params, param)
    if isinstance(value, dict) != bool(language) or (language and not _LANGUAGE.match(language)):
        raise ValueError(_no_such_list(compiled, name))
    if isinstance(value, dict):
        return list(value.get(language, ()))
    return list(value or ())


def with_edits(policy: Policy, edits: Iterable[ListEdit]) -> tuple[Policy, list[str]]:
    """Return the policy with the edits laid over its lists, and what could not be laid.

    An edit the policy has made moot changes nothing. A rule whose edits leave it invalid
    (every word taken out, say) keeps its lists as the policy has them.

    Returns:
        The policy in force, and a line for each rule or edit left out, saying why.
    """
    by_rule: dict[str, list[ListEdit]] = defaultdict(list)
    for edit in edits:
        by_rule[edit.rule].append(edit)
    left_out: list[str] = []
    for rule_id, rule_edits in by_rule.items():
        compiled = policy.rule(rule_id)
        if compiled is None:
            left_out.append(f"rule {rule_id}: no longer in the policy; its list edits wait")
            continue
        try:
            policy = policy.with_params(rule_id, edited_params(compiled, rule_edits))
        except ValueError as error:
            left_out.append(f"rule {rule_id}: {error}")
        except PolicyError as error:
            # The file is not at fault, so its name and lines would mislead.
            left_out.append(f"rule {rule_id}: {'; '.join(p.message for p in error.problems)}")
    return policy, left_out


def listed_in(compiled: CompiledRule | None, edit: ListEdit) -> bool:
    """Return whether a rule (if there is one) lists an edit's entry in the edit's list."""
    try:
        entries = list_entries(compiled, edit.list) if compiled is not None else []
    except ValueError:
        entries = []
    return any(same_entry(e, edit.entry) for e in entries)


def moot_edits(policy: Policy, edits: Iterable[ListEdit]) -> list[ListEdit]:
    """Return the edits a policy has caught up with: it lists what they add, not what they take out.

    An edit of a rule, or a list, the policy no longer has is not moot: it waits.
    """
    moot = []
    for edit in edits:
        compiled = policy.rule(edit.rule)
        if compiled is None:
            continue
        try:
            entries = list_entries(compiled, edit.list)
        except ValueError:
            continue
        if any(same_entry(e, edit.entry) for e in entries) == edit.added:
            moot.append(edit)
    return moot


def edited_params(compiled: CompiledRule, edits: Sequence[ListEdit]) -> dict[str, Any]:
    """Return a rule's parameters, as its spec has them, with the edits laid over its lists.

    Raises:
        ValueError: If an edit names a list the rule's type does not let moderators edit.
    """
    params: dict[str, Any] = dict(compiled.spec.params)
    for edit in edits:
        list_entries(compiled, edit.list)  # refuses a list moderators may not edit
        param, _, language = edit.list.partition(".")
        current = params.get(param, getattr(compiled.rule.params, param))
        if language:
            lists = dict(current)
            lists[language] = _edited(list(lists.get(language, ())), edit)
            params[param] = lists
        else:
            params[param] = _edited(list(current or ()), edit)
    return params


def failed_examples(policy: Policy, rule_id: str) -> list[ExampleFailure]:
    """Return the examples the policy writes for a rule that the rule now gets wrong."""
    compiled = policy.rule(rule_id)
    return check_rule_examples(compiled)[1] if compiled is not None else []


def _edited(entries: list[str], edit: ListEdit) -> list[str]:
    kept = [e for e in entries if not same_entry(e, edit.entry)]
    if edit.added:
        return [*entries, edit.entry.strip()] if len(kept) == len(entries) else entries
    return kept


def _no_such_list(compiled: CompiledRule, name: str) -> str:
    lists = ", ".join(editable_lists(compiled)) or "none"
    return f"rule {compiled.spec.id} has no list {name!r} moderators can edit (its lists: {lists})"
