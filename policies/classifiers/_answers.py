"""The classifier service's memory of its latest answers, per text.

A raid posts one message from hundreds of accounts, and everyday chat repeats itself
("thanks!", "gm"). Steward's model scores every text alone, so a text's scores never
depend on what arrives with it: the answer given to a text once is its answer again, for
the same community (whose moderators' heads apply) and the same community language (in
which a text no detector can tell is read). The service answers such a text at once,
without a hand-off to a worker thread, and a batch scores each distinct text once.

A service's memory lasts as long as the service: a new model, or refitted heads, come
with a new service and an empty memory.
"""

from __future__ import annotations

from collections import OrderedDict

from bot.core.protocols import TextScores

LONGEST = 1000
"""Longer texts are never kept: they rarely recur, and memory stays small (a few MB)."""

AnswerKey = tuple[str | None, str | None, str]
"""Whose heads applied (the community), the community's language, and the text."""


class RecentAnswers:
    """The latest answers, least recently used forgotten first; the caller holds a lock.

    Args:
        size: How many answers to keep; 0 keeps none.
    """

    def __init__(self, size: int) -> None:
        if size < 0:
            raise ValueError("an answer memory cannot hold fewer than 0 answers")
        self.size = size
        self._answers: OrderedDict[AnswerKey, TextScores] = OrderedDict()

    def __len__(self) -> int:
        """Return how many answers are kept."""
        return len(self._answers)

    def recall(self, key: AnswerKey) -> TextScores | None:
        """Return the answer kept for ``key``, if any, and count it as just used."""
        found = self._answers.get(key)
        if found is not None:
            self._answers.move_to_end(key)
        return found

    def keep(self, key: AnswerKey, scores: TextScores) -> None:
        """Keep an answer, unless its text is too long or nothing is kept."""
        if self.size == 0 or len(key[2]) > LONGEST:
            return
        self._answers[key] = scores
        self._answers.move_to_end(key)
        while len(self._answers) > self.size:
            self._answers.popitem(last=False)
