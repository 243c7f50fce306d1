"""A small synchronous text model for tests: real timing behaviour, scores from word lists.

The trained models come from ``steward train``; serving, the cog and the CLI only need
something that scores a batch synchronously, can be held up or broken on purpose, and
tells which batches it saw.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from bot.core.protocols import TextScores
from policies.classifiers.serving import Routed

if TYPE_CHECKING:
    from policies.classifiers.encoder import Encoded
    from policies.classifiers.english import TextEmbedder, TextEncoder
    from policies.classifiers.heads import FloatArray

HOLD_LIMIT = 30.0
"""Seconds a held model waits at most, so a test that forgets to release it still ends."""


class WordModel:
    """Score ``abuse`` high for texts with an abusive word, ``spam`` high for spam words.

    Args:
        abusive: Words that make a text abusive.
        spammy: Words that make a text spam.
        languages: The language reported per word found in a text (``{"bonjour": "fr"}``);
            ``"en"`` otherwise.
        fail_on: A word that makes the batch holding it raise.
        hold: While not set, every batch waits for it (a model that hangs).
    """

    model_id = "words"
    version = "1"
    labels = ("abuse", "spam")

    def __init__(
        self,
        *,
        abusive: Sequence[str] = ("worthless", "idiot"),
        spammy: Sequence[str] = ("nitro",),
        languages: Mapping[str, str] | None = None,
        fail_on: str | None = None,
        hold: threading.Event | None = None,
    ) -> None:
        self.abusive = tuple(abusive)
        self.spammy = tuple(spammy)
        self.languages = dict(languages or {})
        self.fail_on = fail_on
        self.hold = hold
        self.batches: list[list[str]] = []
        self.communities: list[str | None] = []
        self.entered = threading.Event()

    def score_batch(self, texts: Sequence[str], community: str | None = None) -> list[TextScores]:
        self.batches.append(list(texts))
        self.communities.append(community)
        self.entered.set()
        if self.hold is not None:
            self.hold.wait(HOLD_LIMIT)
        if self.fail_on is not None and any(self.fail_on in t for t in texts):
            raise RuntimeError(f"the model broke on {self.fail_on!r}")
        return [self._score(text) for text in texts]

    def _score(self, text: str) -> TextScores:
        abuse = 0.97 if any(w in text for w in self.abusive) else 0.02
        spam = 0.98 if any(w in text for w in self.spammy) else 0.01
        language = next((lang for word, lang in self.languages.items() if word in text), "en")
        return TextScores({"abuse": abuse, "spam": spam}, language=language)

    @property
    def scored(self) -> list[str]:
        """Return every text the model was given, batch after batch."""
        return [text for batch in self.batches for text in batch]


class LanedWordModel(WordModel):
    """A :class:`WordModel` that routes: texts in another language take a lane of their own.

    Args:
        holds: Per lane, an event every batch of that lane waits for while it is not set.
        route_fails_on: A word that makes routing the texts holding it raise.
        strays: A word whose texts are routed to a lane the model does not have.
        watch: A text whose scoring, in any lane, sets ``watched``.
        **options: As for :class:`WordModel`.
    """

    lanes = ("english", "other")

    def __init__(
        self,
        *,
        holds: Mapping[str, threading.Event] | None = None,
        route_fails_on: str | None = None,
        strays: str | None = None,
        watch: str | None = None,
        **options: Any,
    ) -> None:
        super().__init__(**options)
        self.holds = dict(holds or {})
        self.route_fails_on = route_fails_on
        self.strays = strays
        self.lane_batches: list[tuple[str, list[str]]] = []
        self.entered_lane = {lane: threading.Event() for lane in self.lanes}
        self.watch = watch
        self.watched = threading.Event()

    def route(
        self, texts: Sequence[str], communities: Sequence[str | None] | None = None
    ) -> list[Routed]:
        if self.route_fails_on is not None and any(self.route_fails_on in t for t in texts):
            raise RuntimeError(f"routing broke on {self.route_fails_on!r}")
        routed = []
        for text in texts:
            language = self._score(text).language
            lane = "english" if language == "en" else "other"
            if self.strays is not None and self.strays in text:
                lane = "nowhere"
            routed.append(Routed(text.lower(), language, lane))
        return routed

    def score_lane(
        self, lane: str, texts: Sequence[Routed], community: str | None = None
    ) -> list[TextScores]:
        self.lane_batches.append((lane, [r.text for r in texts]))
        self.entered_lane[lane].set()
        if any(r.text == self.watch for r in texts):
            self.watched.set()
        hold = self.holds.get(lane)
        if hold is not None:
            hold.wait(HOLD_LIMIT)
        return super().score_batch([r.text for r in texts], community)


class Recording:
    """A real encoder (any :class:`TextEncoder`) that notes the texts it was asked about."""

    def __init__(self, inner: TextEncoder) -> None:
        self.inner = inner
        self.asked: list[str] = []

    def encode(self, texts: Sequence[str]) -> Encoded:
        """Note ``texts`` and return the real encoder's outputs."""
        self.asked.extend(texts)
        return self.inner.encode(texts)


class RecordingEmbedder:
    """A real embedder (any :class:`TextEmbedder`) that notes the texts it was asked about."""

    def __init__(self, inner: TextEmbedder) -> None:
        self.inner = inner
        self.asked: list[str] = []

    def embed(self, texts: Sequence[str]) -> FloatArray:
        """Note ``texts`` and return the real embedder's outputs."""
        self.asked.extend(texts)
        return self.inner.embed(texts)
