"""The fixed split of every benchmark family into a tuning half and a validation half.

A search tuned and measured on the same instances has not been measured: tune on one half, report the other. The
split alternates within each class of the full published family, in the order of the class's names: the first,
third, fifth… instance of a class is tuning, the second, fourth… validation. The position is read from the name
itself (the family names its instances by class and number or letter), so the half of a file depends on nothing
but its name: not on which files a folder holds, and not on a list kept beside the code.

- Solomon ``C101`` … ``RC208``: the class is the letters and the first digit (C1, C2, R1, R2, RC1, RC2), the
  position the last two digits (C101 tuning, C102 validation).
- Chao's TOP ``pS.M.L``: the class is set S with M paths, the position the letter (p1.2.a tuning, p1.2.b validation).
- Cordeau's PVRP ``pNN`` and ``prNN``: the class is ``p`` or ``pr``, the position the number (p01 tuning, p02
  validation).
"""

from __future__ import annotations

import re
from typing import Literal

Half = Literal["tuning", "validation"]
Split = Literal["tuning", "validation", "all"]
SPLITS: tuple[Split, ...] = ("tuning", "validation", "all")

_POSITION = {
    "solomon": re.compile(r"(?:C|R|RC)[12](\d\d)", re.IGNORECASE),
    "top": re.compile(r"p\d+\.\d+\.([a-z])", re.IGNORECASE),
    "pvrp": re.compile(r"pr?(\d+)", re.IGNORECASE),
}


def position(kind: str, name: str) -> int:
    """The instance's place in its class, counted from 1 (``C105`` → 5, ``p4.2.c`` → 3, ``pr07`` → 7).

    ``name`` may carry a folder and a ``.txt`` ending. Raises ``ValueError`` for a name the family does not use.
    """
    stem = name.replace("\\", "/").rsplit("/", 1)[-1]
    if stem.lower().endswith(".txt"):
        stem = stem[:-4]
    pattern = _POSITION.get(kind)
    if pattern is None:
        raise ValueError(f"no split is defined for the {kind} family")
    match = pattern.fullmatch(stem)
    if match is None:
        raise ValueError(f"{name!r} is not named like a {kind} instance, so it has no split half")
    key = match.group(1)
    return ord(key.lower()) - ord("a") + 1 if key.isalpha() else int(key)


def half(kind: str, name: str) -> Half:
    """The half an instance belongs to: odd positions tune, even positions validate."""
    return "tuning" if position(kind, name) % 2 == 1 else "validation"


def in_split(kind: str, name: str, split: Split) -> bool:
    """Whether the instance belongs to ``split`` (every instance belongs to ``all``, whatever its name)."""
    return split == "all" or half(kind, name) == split
