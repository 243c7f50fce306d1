"""Compile the policy's keyword and regex rules into Discord AutoMod rules, and keep them synced.

AutoMod blocks a message before anyone sees it, but it reads raw text only: Steward's
normalisation (look-alike letters, spacing, leetspeak), classifiers, rates and links stay
in Steward, which keeps judging every message it receives. Only enforcing rules that
delete are compiled, the most severe first, within Discord's limits: six keyword-trigger
rules, 1,000 keywords of up to 60 characters each, ten regex patterns of up to 260
characters each (Rust syntax: no look-around, no back-references).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from bot.core.templates import pick_language
from policies.policy import Policy, RuleSpec
from policies.verdict import Mode, Severity

logger = logging.getLogger(__name__)

PREFIX = "Steward: "
"""The name prefix that marks the AutoMod rules Steward owns (it leaves others alone)."""
KEYWORD_TRIGGER = 1
MAX_RULES = 6
MAX_KEYWORDS = 1000
MAX_KEYWORD_LENGTH = 60
MAX_PATTERNS = 10
MAX_PATTERN_LENGTH = 260
_ORDER = [Severity.CRITICAL, Severity.HIGH, Severity.MEDIUM, Severity.LOW]
_NOT_IN_RUST = re.compile(r"\(\?<?[=!]|\\[1-9]")


@dataclass(frozen=True, slots=True)
class Compiled:
    """AutoMod rules to hold, and the policy rules left to Steward alone.

    Attributes:
        rules: AutoMod rule payloads (without exemptions), by name.
        owner: AutoMod rule name -> the Steward rule it came from.
        skipped: Steward rule ids (or patterns) AutoMod cannot hold, with why.
    """

    rules: dict[str, dict[str, Any]]
    owner: dict[str, str]
    skipped: list[str]


def _deletes(policy: Policy, spec: RuleSpec) -> bool:
    actions = spec.actions
    if actions is None:
        actions = list(policy.data.severities[spec.severity].actions)
    return "delete" in actions


def _chunks(items: list[str], size: int) -> Iterable[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def compile_policy(
    policy: Policy,
    *,
    room: int = MAX_RULES,
    language: str = "en",
    shadow: frozenset[str] = frozenset(),
) -> Compiled:
    """Return the AutoMod rules for a policy's enforcing keyword and regex rules.

    Args:
        policy: The policy.
        room: How many keyword-trigger rules are free (the server's own rules count too).
        language: The community's language: a blocked member reads the guideline in it
            (Discord shows one message to everyone).
        shadow: Rules moderators put in shadow mode (or on trial) at run time: they block
            nothing, there or here.
    """
    specs = sorted(
        (r.spec for r in policy.rules if r.spec.type in ("keywords", "regex")),
        key=lambda s: _ORDER.index(s.severity),
    )
    rules: dict[str, dict[str, Any]] = {}
    owner: dict[str, str] = {}
    skipped: list[str] = []
    for spec in specs:
        if spec.mode is not Mode.ENFORCE or spec.id in shadow or not _deletes(policy, spec):
            continue
        if spec.type == "keywords":
            words = params_words(spec.params.get("words"))
            kept = [w for w in words if len(w) <= MAX_KEYWORD_LENGTH]
            batches = [{"keyword_filter": c} for c in _chunks(kept, MAX_KEYWORDS)]
        else:
            patterns = [str(p) for p in spec.params.get("patterns", [])]
            kept = [
                p for p in patterns if len(p) <= MAX_PATTERN_LENGTH and not _NOT_IN_RUST.search(p)
            ]
            skipped += [f"{spec.id}: {p}" for p in patterns if p not in kept]
            batches = [{"regex_patterns": c} for c in _chunks(kept, MAX_PATTERNS)]
        for number, metadata in enumerate(batches, 1):
            if len(rules) >= room:
                skipped.append(f"{spec.id}: Discord allows {MAX_RULES} keyword rules a server")
                break
            name = f"{PREFIX}{spec.id}" + (f" {number}" if len(batches) > 1 else "")
            rules[name] = {
                "name": name,
                "event_type": 1,
                "trigger_type": KEYWORD_TRIGGER,
                "trigger_metadata": metadata,
                "actions": [
                    {
                        "type": 1,
                        "metadata": {
                            "custom_message": (
                                pick_language(spec.guideline, language) or "Blocked by Steward"
                            )[:150]
                        },
                    }
                ],
                "enabled": True,
            }
            owner[name] = spec.id
    return Compiled(rules, owner, skipped)


def params_words(words: Any) -> list[str]:
    """Return a keyword rule's words, every language together, each once."""
    if isinstance(words, dict):
        found = [str(w) for listed in words.values() for w in listed]
    else:
        found = [str(w) for w in words or []]
    return list(dict.fromkeys(w.strip().lower() for w in found if w.strip()))
