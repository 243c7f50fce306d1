"""docs/policies.md documents every rule type and every parameter."""

from __future__ import annotations

from pathlib import Path

import policies.rules  # noqa: F401 - registers the rule types
from policies.rule import RULE_TYPES

DOCS = (Path(__file__).parents[2] / "docs" / "policies.md").read_text(encoding="utf-8")


def test_every_rule_type_and_parameter_is_documented() -> None:
    headings = {
        h.strip()
        for line in DOCS.splitlines()
        if line.startswith("### ")
        for h in line[4:].split(",")
    }
    for name, cls in RULE_TYPES.items():
        assert name in headings, f"rule type {name} has no section"
        for param in cls.Params.model_fields:
            assert f"`{param}`" in DOCS, f"{name}.{param} is not documented"
