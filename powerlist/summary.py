"""A catalog in one line, for the CLI and logs."""

from __future__ import annotations

from powerlist.model import CATEGORIES, Catalog


def describe(catalog: Catalog) -> str:
    """E.g. ``村级小微权力清单（示范样本） v1 (sample): 36 items — 重大决策 10,
    日常管理 9, 便民服务 17 — 45 flowcharts``."""
    counts = ", ".join(
        f"{label} {len(catalog.in_category(key))}" for key, label in CATEGORIES.items()
    )
    sample = " (sample)" if catalog.sample else ""
    merged = ""
    if catalog.merged_from:
        merged = "; merged from " + " + ".join(
            f"{ref.id} v{ref.version}" for ref in catalog.merged_from
        )
    items, charts = len(catalog.items), catalog.flowchart_count
    return (
        f"{catalog.title} v{catalog.version}{sample}: {items} item{'s' * (items != 1)} — "
        f"{counts} — {charts} flowchart{'s' * (charts != 1)}{merged}"
    )
