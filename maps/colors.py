"""Colours used on the maps: one per vehicle (cycled), one per kind of fixed service centre."""

from __future__ import annotations

from scheduler.domain import CentreKind

VEHICLE_PALETTE: tuple[str, ...] = (
    "#1f77b4",
    "#d62728",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#17becf",
    "#bcbd22",
    "#7f7f7f",
)
"""Distinct, colour-blind-tolerable hues (Tableau 10); a fleet larger than this repeats them."""

CENTRE_COLOURS: dict[CentreKind, str] = {
    CentreKind.ASAN: "#0b3d91",
    CentreKind.DOST: "#b8860b",
}

CENTRE_LABELS: dict[CentreKind, str] = {
    CentreKind.ASAN: "ASAN xidmət centre",
    CentreKind.DOST: "DOST centre",
}


def vehicle_colour(index: int) -> str:
    """The colour of the ``index``-th vehicle of a plan (0-based), cycling through the palette."""
    return VEHICLE_PALETTE[index % len(VEHICLE_PALETTE)]
