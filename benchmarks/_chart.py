"""The chart of ``python -m benchmarks``: one horizontal bar per ratio, labelled with its value,
each target drawn as a dashed line across its bar. matplotlib (a benchmark-only extra, Agg
backend) is imported here only, when the chart is drawn.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

from benchmarks._harness import Figure
from benchmarks.measures import NAMES

__all__ = ["draw"]

_MET: Final = "#2e7d32"
_MISSED: Final = "#c62828"
_REFERENCE: Final = "#78909c"


def _rows(document: Mapping[str, Any]) -> tuple[list[Figure], list[Figure]]:
    """The ratio figures (charted), and the other figures (listed under the chart)."""
    ratios: list[Figure] = []
    others: list[Figure] = []
    for name in NAMES:
        result = document.get(name)
        if not result:
            continue
        for figure in result["figures"].values():
            if figure["value"] is None:
                continue
            (ratios if figure["unit"] == "ratio" else others).append(figure)
    return ratios, others


def draw(document: Mapping[str, Any], path: Path) -> None:
    """Draw the ratios of ``document`` (a ``results.json``) to ``path`` (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch
    from matplotlib.ticker import FormatStrFormatter, NullFormatter

    ratios, others = _rows(document)
    height = 1.9 + 0.42 * max(1, len(ratios))
    fig, ax = plt.subplots(figsize=(12, height))
    positions = list(range(len(ratios)))[::-1]
    values = [float(f["value"] or 0.0) for f in ratios]
    colors = [_REFERENCE if f["met"] is None else _MET if f["met"] else _MISSED for f in ratios]
    ax.barh(positions, values, color=colors, height=0.62)
    ax.set_xscale("log")
    largest = max([*values, *(float(f["target"] or 0.0) for f in ratios), 1.0])
    smallest = min([*(v for v in values if v > 0), 1.0])
    lo, hi = smallest / 2.0, largest * 4.0
    ax.set_xlim(lo, hi)
    ax.axvline(1.0, color="#424242", linewidth=0.8)
    for y, value, figure in zip(positions, values, ratios, strict=True):
        target = figure["target"]
        label = f"{value:.3g}"
        right = value
        if target is not None:
            ax.vlines(target, y - 0.42, y + 0.42, colors="black", linestyles="--", linewidth=1.4)
            label += f"   (target {figure['compare']} {target:g})"
            right = max(value, target)
        ax.text(right * 1.06, y, label, va="center", fontsize=8.5)
    ticks = [t for t in (0.1, 0.2, 0.3, 0.5, 0.8, 1, 1.5, 2, 3, 5, 10, 20, 50) if lo <= t <= hi]
    ax.set_xticks(ticks)
    ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_yticks(positions)
    ax.set_yticklabels([f["label"] for f in ratios], fontsize=8.5)
    ax.set_xlabel("ratio (log scale); 1 = parity with the baseline measured in the same run")
    info = document["machine"]
    run = document["run"]
    kind = "SMOKE run: figures meaningless" if run["smoke"] else f"run {run['started']}"
    ax.set_title(
        "bland_pools / ghl_pools benchmarks\n"
        f"{info['cpu_model']}, {info['cores']} cores, Python {info['python']}, "
        f"aiohttp {info['aiohttp']} ({kind})",
        fontsize=10,
    )
    ax.legend(
        handles=[
            Patch(color=_MET, label="target met"),
            Patch(color=_MISSED, label="target missed"),
            Patch(color=_REFERENCE, label="for reference"),
            Line2D([], [], color="black", linestyle="--", label="target"),
        ],
        loc="upper right",
        fontsize=8,
    )
    if others:
        footer = "; ".join(
            f"{f['label']}: {f['value']:g}"
            + (f" (target {f['compare']} {f['target']:g})" if f["target"] is not None else "")
            for f in others
        )
        fig.text(0.01, 0.01, footer, fontsize=7.5, wrap=True)
    fig.tight_layout(rect=(0, 0.04 if others else 0, 1, 1))
    fig.savefig(path, dpi=110)
    plt.close(fig)
