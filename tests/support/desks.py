"""Three unrelated events reported by desks that stamp "Desk <n> reports:" on everything they file:
the two-worker feeds test and the learned match's boilerplate test share them."""

from __future__ import annotations

DESK_EVENTS = [
    (
        "Harbor council approves Eastside flood barrier",
        "Harbor city council voted 7-2 to fund the Eastside flood barrier, a $40 million seawall.",
    ),
    (
        "Volcano observatory raises alert level on Mount Kestrel",
        "A seismic swarm under Mount Kestrel's northern crater led geologists to raise the alert.",
    ),
    (
        "Transit workers announce citywide bus strike",
        "The drivers' union called a walkout over pensions, halting every bus route from Monday.",
    ),
]
DESK_OUTLETS = ["leftpaper.com", "rightdaily.com", "centerwire.com", "righttimes.com"]
