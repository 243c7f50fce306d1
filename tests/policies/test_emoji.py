"""The emoji prefilter never skips a text that holds an emoji the emoji package knows."""

from __future__ import annotations

import emoji

from policies._emoji import _MAYBE_EMOJI, emoji_count


def test_the_prefilter_lets_every_known_emoji_through() -> None:
    missed = [e for e in emoji.EMOJI_DATA if _MAYBE_EMOJI.search(e) is None]
    assert missed == []


def test_text_without_emoji_counts_zero_and_cjk_punctuation_is_not_emoji() -> None:
    assert emoji_count("おはようございます、今日も。") == 0
    assert emoji_count("lol 😂😂 :tada: <:lumen:123>") == 4
