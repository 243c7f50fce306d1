"""Load the configured text model once and serve it to every community.

The model comes from a directory ``steward train`` writes and needs the ``ml`` extra.
Nothing here imports the machine-learning code until a model is configured, so Steward
without the extra still starts, and says what to do when a model is configured but
cannot be loaded.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from bot.config import (
    REMEMBERED_ANSWERS,
    ClassifierSection,
    ConfigError,
    ConfigProblem,
    LoadedConfig,
    locate_in,
)

if TYPE_CHECKING:
    from policies.classifiers.serving import ClassifierService, TextModel

ModelLoader = Callable[[Path], "TextModel"]
"""Load a model directory; raises when it cannot."""


class ModelUnavailable(Exception):
    """A configured model could not be loaded; the message names it and what to do."""


def load_text_model(
    path: Path,
    *,
    english_threads: int = 1,
    multilingual_threads: int = 1,
    first_look: bool = True,
    second_look: bool = True,
    spare_core: bool = True,
) -> TextModel:
    """Load a model directory with :func:`policies.classifiers.model.load_model`.

    Args:
        path: The model directory.
        english_threads: The threads the English encoder computes with.
        multilingual_threads: The threads the multilingual encoder computes with.
        first_look: Let the model's first look clear plainly harmless texts, when it has one.
        second_look: Let spam take its second look where its two votes are unsure, when the
            model has one.
        spare_core: Let the English lane work out a text's lexical votes on a second core
            while the other lane is idle.

    Raises:
        ImportError: If the machine-learning code cannot be imported (no ``ml`` extra).
        Exception: Whatever the loader raises for a missing or broken model.
    """
    from policies.classifiers.model import load_model  # noqa: PLC0415 - needs the ml extra

    return load_model(
        path,
        english_threads=english_threads,
        multilingual_threads=multilingual_threads,
        first_look=first_look,
        second_look=second_look,
        spare_core=spare_core,
    )


def open_classifier(
    path: Path,
    *,
    max_batch: int = 16,
    english_threads: int = 1,
    multilingual_threads: int = 1,
    first_look: bool = True,
    second_look: bool = True,
    spare_core: bool = True,
    remembered: int = REMEMBERED_ANSWERS,
    loader: ModelLoader | None = None,
) -> ClassifierService:
    """Load the model at ``path`` and start the service that scores with it.

    Args:
        path: The model directory.
        max_batch: The most texts scored in one batch.
        english_threads: The threads the English encoder computes with.
        multilingual_threads: The threads the multilingual encoder computes with.
        first_look: Let the model's first look clear plainly harmless texts.
        second_look: Let spam take its second look where its two votes are unsure.
        spare_core: Let the English lane use a second core while the other lane is idle.
        remembered: How many latest answers the service keeps, to answer a text seen again
            at once (0 keeps none).
        loader: Loads the directory (and then decides the threads itself);
            :func:`load_text_model` when ``None``.

    Raises:
        ModelUnavailable: If the model or the code to run it cannot be loaded.
    """
    default = functools.partial(
        load_text_model,
        english_threads=english_threads,
        multilingual_threads=multilingual_threads,
        first_look=first_look,
        second_look=second_look,
        spare_core=spare_core,
    )
    model = loaded_model(path, loader or default)
    from policies.classifiers.serving import ClassifierService  # noqa: PLC0415 - only when used

    return ClassifierService(model, max_batch=max_batch, remembered=remembered)


def loaded_model(path: Path, loader: ModelLoader) -> TextModel:
    """Return ``loader(path)``, or say what is wrong and what to do.

    Raises:
        ModelUnavailable: If the model or the code to run it cannot be loaded.
    """
    try:
        return loader(path)
    except Exception as error:
        raise ModelUnavailable(
            f"cannot load the classifier model at {path} ({type(error).__name__}: {error}); "
            "build one with `steward train` (it needs the ml extra: pip install 'steward[ml]')"
        ) from error


class ServingOptions(TypedDict):
    """The keyword arguments of :func:`open_classifier` that the configuration sets."""

    max_batch: int
    english_threads: int
    multilingual_threads: int
    first_look: bool
    second_look: bool
    spare_core: bool
    remembered: int


def serving_options(section: ClassifierSection) -> ServingOptions:
    """Return the keyword arguments of :func:`open_classifier` that ``section`` sets."""
    return ServingOptions(
        max_batch=section.max_batch,
        english_threads=section.english_threads,
        multilingual_threads=section.multilingual_threads,
        first_look=section.first_look,
        second_look=section.second_look,
        spare_core=section.spare_core,
        remembered=section.remembered,
    )


def configured_classifier(
    loaded: LoadedConfig, loader: ModelLoader | None = None
) -> ClassifierService | None:
    """Open the classifier the ``[classifier]`` section names, or return ``None`` if none.

    Raises:
        ConfigError: If the model cannot be loaded, naming the ``model`` key.
    """
    section: ClassifierSection = loaded.config.classifier
    path = section.model_path
    if path is None:
        return None
    try:
        return open_classifier(path, loader=loader, **serving_options(section))
    except ModelUnavailable as error:
        key = ("classifier", "model")
        raise ConfigError(
            [ConfigProblem(loaded.source, ".".join(key), locate_in(loaded, key), str(error))]
        ) from error
