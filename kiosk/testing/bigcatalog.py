"""A synthetic catalog of any size, made by repeating the sample's items
under new ids: for the search tests and the benchmark's 500-item figures."""

from __future__ import annotations

from dataclasses import replace

from powerlist import Catalog, load_sample


def synthetic_catalog(count: int) -> Catalog:
    sample = load_sample()
    items = []
    for number in range(count):
        item = sample.items[number % len(sample.items)]
        copy = number // len(sample.items)
        name = item.name if copy == 0 else f"{item.name}（{copy + 1}）"
        items.append(replace(item, id=f"{item.id}-{copy}", name=name))
    return replace(sample, id="synthetic", items=tuple(items),
                   title=f"合成清单（{count}项，示范样本）")
