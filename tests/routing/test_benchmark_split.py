"""The tuning/validation split of the benchmark families: a pure function of an instance's name that alternates
within each class, and (with the shared benchmark folder) a near-even split of every class that is there."""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest

from routing.benchmarks.split import half, in_split, position


@pytest.mark.parametrize(
    ("kind", "name", "expected"),
    [
        ("solomon", "C101", 1),
        ("solomon", "rc208", 8),
        ("solomon", "R112.txt", 12),
        ("top", "p4.2.a", 1),
        ("top", "some/folder/p7.4.t.txt", 20),
        ("pvrp", "p01", 1),
        ("pvrp", "pr10", 10),
    ],
)
def test_position_is_read_from_the_name(kind: str, name: str, expected: int) -> None:
    """The place in the class comes from the number or letter in the name, with or without folder and ending."""
    assert position(kind, name) == expected


def test_halves_alternate_within_a_class() -> None:
    """Consecutive instances of a class fall in different halves, the first of each class in the tuning half."""
    assert [half("solomon", f"R1{i:02d}") for i in range(1, 5)] == ["tuning", "validation"] * 2
    assert [half("top", f"p2.3.{c}") for c in "abcd"] == ["tuning", "validation"] * 2
    assert [half("pvrp", n) for n in ("p01", "p02", "pr01", "pr02")] == ["tuning", "validation"] * 2


def test_every_instance_is_in_all_and_in_exactly_one_half() -> None:
    """``all`` takes any name; a named instance is in one half and not the other."""
    assert in_split("top", "anything at all", "all")
    for name in ("C105", "C106"):
        assert in_split("solomon", name, "tuning") != in_split("solomon", name, "validation")


@pytest.mark.parametrize(("kind", "name"), [("solomon", "X101"), ("top", "p1.2"), ("pvrp", "q01"), ("week", "a")])
def test_a_name_outside_the_family_has_no_half(kind: str, name: str) -> None:
    """A name the family does not use is refused rather than put in a half by accident."""
    with pytest.raises(ValueError, match=r"split|named like"):
        half(kind, name)


BENCHMARKS = os.environ.get("SEFER_BENCHMARKS_DIR")


@pytest.mark.parametrize(("kind", "pattern"), [("solomon", "*.txt"), ("top", "p*.txt"), ("pvrp", "p*[0-9]")])
def test_shared_folders_split_every_class_nearly_in_half(kind: str, pattern: str) -> None:
    """On the shared instances each half holds between 35 % and 65 % of the family, and both halves cover every
    class with more than two instances (a class is the name without its position)."""
    if not BENCHMARKS or not (Path(BENCHMARKS) / kind).is_dir():
        pytest.skip("SEFER_BENCHMARKS_DIR with this family is not set")
    names = [p.stem if kind != "pvrp" else p.name for p in sorted((Path(BENCHMARKS) / kind).glob(pattern))]
    halves = Counter(half(kind, name) for name in names)
    assert 0.35 <= halves["tuning"] / len(names) <= 0.65, halves
    classes: dict[str, list[str]] = {}
    for name in names:
        key = {"top": name.rsplit(".", 1)[0], "solomon": name[:-2], "pvrp": name.rstrip("0123456789")}[kind]
        classes.setdefault(key, []).append(half(kind, name))
    for key, seen in classes.items():
        assert len(seen) <= 2 or set(seen) == {"tuning", "validation"}, key
