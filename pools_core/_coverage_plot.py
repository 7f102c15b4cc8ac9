"""``coverage --plot FILE.png``: a tile-grid map of the US states (one square each, DC and
Puerto Rico included) shaded by the share of calls at ``area_code`` level, each labelled with
the state and that share, and under it one bar of the levels over all calls.

matplotlib is the optional ``[plot]`` extra; it is imported here only (Agg backend: no display
needed), when a plot is drawn.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from ._coverage import Coverage

__all__ = ["SIZE", "draw"]

#: The picture's size in pixels (width, height): FIGSIZE inches at DPI.
FIGSIZE: Final = (10.0, 7.2)
DPI: Final = 100
SIZE: Final = (int(FIGSIZE[0] * DPI), int(FIGSIZE[1] * DPI))

# (row, column) of each state: the common tile-grid layout of US maps.
TILES: Final = {
    "AK": (0, 0), "ME": (0, 11),
    "VT": (1, 10), "NH": (1, 11),
    "WA": (2, 1), "ID": (2, 2), "MT": (2, 3), "ND": (2, 4), "MN": (2, 5), "IL": (2, 6),
    "WI": (2, 7), "MI": (2, 8), "NY": (2, 9), "RI": (2, 10), "MA": (2, 11),
    "OR": (3, 1), "NV": (3, 2), "WY": (3, 3), "SD": (3, 4), "IA": (3, 5), "IN": (3, 6),
    "OH": (3, 7), "PA": (3, 8), "NJ": (3, 9), "CT": (3, 10),
    "CA": (4, 1), "UT": (4, 2), "CO": (4, 3), "NE": (4, 4), "MO": (4, 5), "KY": (4, 6),
    "WV": (4, 7), "VA": (4, 8), "MD": (4, 9), "DE": (4, 10),
    "AZ": (5, 2), "NM": (5, 3), "KS": (5, 4), "AR": (5, 5), "TN": (5, 6), "NC": (5, 7),
    "SC": (5, 8), "DC": (5, 9),
    "OK": (6, 4), "LA": (6, 5), "MS": (6, 6), "AL": (6, 7), "GA": (6, 8),
    "HI": (7, 0), "TX": (7, 4), "FL": (7, 9), "PR": (7, 11),
}  # fmt: skip

_LEVEL_COLORS: Final = {
    "area_code": "#1b7837",
    "state": "#7fbf7b",
    "time_zone": "#fdb863",
    "none": "#d6604d",
}
_NO_CALLS: Final = "#eeeeee"


def draw(coverage: Coverage, path: str | Path) -> None:
    """Draw the map and the bar of ``coverage`` to ``path`` (PNG, :data:`SIZE` pixels)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Rectangle

    from ._coverage import LEVELS

    cmap = matplotlib.colormaps["Greens"]
    fig = plt.figure(figsize=FIGSIZE, dpi=DPI)
    try:
        grid = fig.add_axes((0.02, 0.2, 0.96, 0.72))
        rows = 1 + max(r for r, _ in TILES.values())
        for state, (row, col) in TILES.items():
            counts = coverage.by_state.get(state)
            color: Any
            if counts is None or counts.calls == 0:
                color, label, ink = _NO_CALLS, f"{state}\n-", "#9e9e9e"
            else:
                share = counts.share("area_code")
                color = cmap(0.12 + 0.88 * share)
                label = f"{state}\n{100 * share:.0f}%"
                ink = "white" if share > 0.55 else "#212121"
            y = rows - 1 - row
            grid.add_patch(Rectangle((col, y), 0.92, 0.92, facecolor=color, edgecolor="white"))
            grid.text(col + 0.46, y + 0.46, label, ha="center", va="center", fontsize=8, color=ink)
        grid.set_xlim(-0.1, 12.1)
        grid.set_ylim(-0.1, rows + 0.1)
        grid.set_aspect("equal")
        grid.axis("off")
        outside = coverage.calls - sum(
            counts.calls for state, counts in coverage.by_state.items() if state in TILES
        )
        title = (
            f"Local presence: share of calls with a pool number in their area code "
            f"({coverage.calls:,} calls"
        )
        title += f", {outside:,} outside the map)" if outside else ")"
        fig.suptitle(title, fontsize=11)

        bar = fig.add_axes((0.06, 0.1, 0.88, 0.05))
        left = 0.0
        for level in LEVELS:
            share = coverage.levels.share(level)
            label = f"{level} {100 * share:.1f}%"
            bar.barh(0, share, left=left, color=_LEVEL_COLORS[level], label=label)
            left += share
        bar.set_xlim(0, 1)
        bar.set_yticks([])
        bar.set_xticks([0, 0.25, 0.5, 0.75, 1.0], ["0%", "25%", "50%", "75%", "100%"])
        bar.tick_params(labelsize=8)
        bar.set_title("All calls by level", fontsize=9, loc="left")
        bar.legend(
            loc="upper center", bbox_to_anchor=(0.5, -0.55), ncol=4, fontsize=8, frameon=False
        )
        fig.savefig(path, format="png", dpi=DPI)
    finally:
        plt.close(fig)
