"""Refer to things on a platform by a platform name and a string id."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True, order=True)
class Ref:
    """Point at one object (member, channel, message, community) on one platform.

    Ids are strings on every platform: Slack ids and timestamps are strings already and
    Discord snowflakes convert to and from strings without loss.

    Attributes:
        platform: The platform's stable name, for example ``"discord"``, ``"slack"``, ``"local"``.
        id: The object's id on that platform.
    """

    platform: str
    id: str
    # Refs key every dict on the hot path; hashing the fields once beats doing it per lookup.
    _hash: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.platform, str) or not self.platform or ":" in self.platform:
            raise ValueError(f"a Ref needs a platform name without ':', got {self.platform!r}")
        if not isinstance(self.id, str) or not self.id:
            raise ValueError(f"a Ref needs a non-empty string id, got {self.id!r}")
        object.__setattr__(self, "_hash", hash((self.platform, self.id)))

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        return f"{self.platform}:{self.id}"

    @classmethod
    def parse(cls, text: str) -> Ref:
        """Read a ref from its ``platform:id`` form.

        Args:
            text: The text, as produced by ``str(ref)``.

        Returns:
            The ref.

        Raises:
            ValueError: If the text has no platform prefix.
        """
        platform, sep, ident = text.partition(":")
        if not sep:
            raise ValueError(f"not a ref (expected platform:id): {text!r}")
        return cls(platform, ident)
