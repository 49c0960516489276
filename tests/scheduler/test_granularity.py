"""What a place is at each grain: settlements counted once, units whole at unit grain."""

from __future__ import annotations

from dataclasses import replace

import pytest

from scheduler.domain import Network
from scheduler.granularity import Granularity, at_granularity, coverage
from tests.fakes import tiny_network


def _with_villages() -> Network:
    """The tiny network with two villages in P3 (60,000 + 30,000 people) holding 5,000 and 3,000 of them."""
    network = tiny_network()
    p3 = network.place("P3")
    villages = (
        replace(p3, id="V1", unit_id="P3", unit_type="settlement", lat=40.1, population=5_000),
        replace(p3, id="V2", unit_id="P3", unit_type="settlement", lat=39.9, population=3_000),
    )
    return replace(network, places=(*network.places, *villages))


def test_settlement_grain_leaves_the_unit_what_its_settlements_do_not_hold() -> None:
    """At settlement grain P3 keeps 90,000 − 8,000 at its centre and the villages keep theirs: nobody twice."""
    network = _with_villages()
    grained = at_granularity(network, Granularity.SETTLEMENT)
    assert grained.place("P3").population == 90_000 - 8_000
    assert grained.place("V1").population == 5_000
    before = sum(p.population or 0 for p in network.places if p.unit_id is None)
    assert sum(p.population or 0 for p in grained.places) == before


def test_unit_grain_drops_the_settlements_and_keeps_units_whole() -> None:
    """At unit grain the villages are gone and P3 has its full population."""
    grained = at_granularity(_with_villages(), "unit")
    assert not grained.has_place("V1")
    assert grained.place("P3").population == 90_000
    assert all(not p.is_settlement for p in grained.places)


def test_coverage_counts_settlements_per_unit() -> None:
    """P3's two villages hold 8,000 of 90,000; a unit without settlements holds none."""
    by_unit = {c.unit_id: c for c in coverage(_with_villages())}
    assert (by_unit["P3"].settlements, by_unit["P3"].settlement_population) == (2, 8_000)
    assert by_unit["P3"].covered_share == pytest.approx(8_000 / 90_000)
    assert by_unit["P0"].settlements == 0


def test_settlements_larger_than_their_unit_leave_it_zero_not_negative() -> None:
    """GeoNames figures are unreliable: a unit whose villages add up to more than it keeps 0, never below."""
    network = _with_villages()
    small = replace(network, places=tuple(replace(p, population=1_000) if p.id == "P3" else p for p in network.places))
    assert at_granularity(small, Granularity.SETTLEMENT).place("P3").population == 0


def test_an_unknown_grain_is_refused() -> None:
    """A typo in the setting is an error, not a silent default."""
    with pytest.raises(ValueError, match="district"):
        at_granularity(_with_villages(), "district")
