"""The model card: what a model directory holds, how it was made, and how well it does."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

CARD_FILE = "card.json"
CARD_TEXT = "MODEL_CARD.md"


@dataclass(frozen=True, slots=True)
class DataUse:
    """One data set that went into (or judged) a model.

    Attributes:
        source: Its name (``insults/train``, ``sms``, ``chat_spam``...).
        label: The label it teaches.
        examples: How many examples were used.
        positives: How many of them carry the label.
        use: ``train``, ``validation`` (stacking and calibration), ``cross-fitted`` (the
            scorers and the stack learnt from it in folds), ``self-training`` (unlabelled;
            ``positives`` counts those the teacher put at 0.5 or more) or ``evaluation``.
    """

    source: str
    label: str
    examples: int
    positives: int
    use: str


@dataclass(frozen=True, slots=True)
class ModelCard:
    """What a model is.

    Attributes:
        model_id: Its name (``steward-text``).
        version: ``YYYY.MM.DD-<digest>``: the date and a digest of profile, seed and data.
        created: When it was built (ISO 8601).
        profile: ``quick``, ``starter`` or ``full``.
        seed: The random seed.
        labels: The labels it scores.
        encoder: The base encoder and how it was tuned.
        languages: Languages with their own calibration on the multilingual path.
        data: The data sets used.
        metrics: Held-out figures by data set and label.
        communities: Per community key, how many decisions its head learnt from.
        recipe: The number of the training recipe that built it (``train.RECIPE``);
            ``None`` for models whose cards predate recording it.
    """

    model_id: str
    version: str
    created: str
    profile: str
    seed: int
    labels: tuple[str, ...]
    encoder: Mapping[str, Any]
    languages: tuple[str, ...] = ()
    data: tuple[DataUse, ...] = ()
    metrics: Mapping[str, Any] = field(default_factory=dict)
    communities: Mapping[str, int] = field(default_factory=dict)
    recipe: int | None = None

    @property
    def name(self) -> str:
        """Return ``model_id@version``, as case evidence records it."""
        return f"{self.model_id}@{self.version}"

    def save(self, directory: Path) -> None:
        """Write ``card.json`` and a readable ``MODEL_CARD.md`` into ``directory``."""
        data = asdict(self)
        (directory / CARD_FILE).write_text(
            json.dumps(data, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        (directory / CARD_TEXT).write_text(self.markdown(), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> ModelCard:
        """Read ``card.json`` from a model directory."""
        data = json.loads((directory / CARD_FILE).read_text(encoding="utf-8"))
        return cls(
            model_id=data["model_id"],
            version=data["version"],
            created=data["created"],
            profile=data["profile"],
            seed=int(data["seed"]),
            labels=tuple(data["labels"]),
            encoder=data["encoder"],
            languages=tuple(data.get("languages", ())),
            data=tuple(DataUse(**d) for d in data.get("data", ())),
            metrics=data.get("metrics", {}),
            communities=data.get("communities", {}),
            recipe=data.get("recipe"),
        )

    def markdown(self) -> str:
        """Return the card for people to read."""
        recipe = "" if self.recipe is None else f" (recipe {self.recipe})"
        lines = [
            f"# {self.name}",
            "",
            f"Built {self.created} with the `{self.profile}` profile{recipe}, seed {self.seed}, "
            "by `steward train`. Labels: " + ", ".join(f"`{label}`" for label in self.labels) + ".",
            "",
            "## Encoder",
            "",
            *_bullets(self.encoder),
            "",
            "## Data",
            "",
            "| source | label | use | examples | positives |",
            "|---|---|---|---|---|",
            *(
                f"| {d.source} | {d.label} | {d.use} | {d.examples} | {d.positives} |"
                for d in self.data
            ),
            "",
            "## Held-out metrics",
            "",
            "```json",
            json.dumps(self.metrics, indent=2, ensure_ascii=False),
            "```",
        ]
        if self.languages:
            lines += ["", "Languages calibrated on their own: " + ", ".join(self.languages) + "."]
        if self.communities:
            lines += ["", "## Community heads", ""]
            lines += [f"- {key}: {count} decisions" for key, count in self.communities.items()]
        return "\n".join(lines) + "\n"


def _bullets(described: Mapping[str, Any], depth: int = 0) -> list[str]:
    """Return a nested Markdown list of a mapping (the strong encoder nests in the encoder)."""
    lines = []
    for key, value in described.items():
        if isinstance(value, Mapping):
            lines.append(f"{'  ' * depth}- {key}:")
            lines.extend(_bullets(value, depth + 1))
        else:
            lines.append(f"{'  ' * depth}- {key}: {value}")
    return lines
