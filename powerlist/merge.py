"""A town's own list (个性清单) on top of a county's common list (共性清单)."""

from __future__ import annotations

from dataclasses import replace

from powerlist.errors import CatalogError
from powerlist.model import Catalog, CatalogRef, PowerItem


def _with_origin(item: PowerItem, catalog: Catalog) -> PowerItem:
    return item if item.origin else replace(item, origin=catalog.id)


def merge(common: Catalog, local: Catalog) -> Catalog:
    """The catalog a village uses: *common*'s items in their order, each
    replaced by *local*'s item of the same id where there is one, then
    *local*'s new items. The result carries *local*'s id, title and version,
    records both catalogs in ``merged_from`` and the replaced ids in
    ``replaced``; each item's ``origin`` names the catalog it came from."""
    if local.based_on != common.id:
        raise CatalogError([
            f"{local.id}: based_on is {local.based_on!r} but the common list is "
            f"{common.id!r}; set based_on = \"{common.id}\" in the town's file"
        ])
    own = {item.id: item for item in local.items}
    items: list[PowerItem] = []
    replaced: list[str] = []
    for item in common.items:
        if item.id in own:
            items.append(_with_origin(own.pop(item.id), local))
            replaced.append(item.id)
        else:
            items.append(_with_origin(item, common))
    items.extend(_with_origin(item, local) for item in local.items if item.id in own)
    return Catalog(
        id=local.id,
        title=local.title,
        version=local.version,
        issued_by=local.issued_by,
        updated=max(common.updated, local.updated),
        items=tuple(items),
        sample=common.sample or local.sample,
        based_on=common.id,
        merged_from=(CatalogRef(common.id, common.version), CatalogRef(local.id, local.version)),
        replaced=tuple(replaced),
    )
