"""Moderators' list edits laid over a policy file: what applies, what is moot, what waits."""

from __future__ import annotations

from policies.list_edits import ListEdit, editable_lists, list_entries, moot_edits, with_edits
from policies.policy import load_policy, parse_policy


def test_edits_lay_over_the_lists_and_moot_ones_change_nothing() -> None:
    policy = load_policy("default")
    edits = [
        ListEdit("insults", "words.en", "lampbreaker*", added=True),
        ListEdit("insults", "words.en", "IDIOT*", added=True),  # listed already
        ListEdit("insults", "words.en", "loser*", added=False),
        ListEdit("insults", "words.en", "not-listed", added=False),
        ListEdit("insults", "words.de", "vollidiot*", added=True),  # a list of its own
        ListEdit("spam-links", "deny", "lumen-giveaway.xyz", added=True),
    ]
    edited, left_out = with_edits(policy, edits)
    assert left_out == []
    insults = edited.rule("insults")
    assert insults is not None
    english = list_entries(insults, "words.en")
    assert "lampbreaker*" in english and "loser*" not in english
    assert english.count("idiot*") == 1
    assert list_entries(insults, "words.de") == ["vollidiot*"]
    assert "words.de" in editable_lists(insults)
    links = edited.rule("spam-links")
    assert links is not None and list_entries(links, "deny") == ["lumen-giveaway.xyz"]
    # The policy loaded from the file is untouched.
    original = policy.rule("insults")
    assert original is not None and "loser*" in list_entries(original, "words.en")


def test_edits_of_a_rule_gone_or_left_invalid_wait_and_the_rule_keeps_its_lists() -> None:
    policy = parse_policy(
        """
[policy]
name = "small"
extends = "default"
[[rules]]
id = "words"
type = "keywords"
[rules.params.words]
en = ["lampbreaker"]
"""
    )
    edits = [
        ListEdit("gone", "deny", "x.example", added=True),
        ListEdit("words", "words.en", "lampbreaker", added=False),  # nothing left to match
        ListEdit("words", "patterns", "x", added=True),
    ]
    edited, left_out = with_edits(policy, edits)
    assert left_out[0] == "rule gone: no longer in the policy; its list edits wait"
    assert left_out[1].startswith("rule words: rule words has no list 'patterns'")
    assert len(left_out) == 2
    rule = edited.rule("words")
    assert rule is not None and list_entries(rule, "words.en") == ["lampbreaker"]


def test_edits_the_policy_caught_up_with_are_moot() -> None:
    policy = load_policy("default")
    edits = [
        ListEdit("insults", "words.en", "Moron*", added=True),  # the file lists it
        ListEdit("insults", "words.en", "lampbreaker*", added=True),
        ListEdit("insults", "words.de", "dummkopf", added=False),  # no such list: nothing
        ListEdit("insults", "words.en", "loser*", added=False),
        ListEdit("gone", "deny", "x.example", added=True),  # waits for its rule
        ListEdit("insults", "patterns", "x", added=True),  # no such list: waits
    ]
    assert moot_edits(policy, edits) == [edits[0], edits[2]]
