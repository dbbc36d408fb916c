"""The village small and micro power list (村级小微权力清单), shared by the
kiosk and the county.

A :class:`~powerlist.model.Catalog` lists :class:`~powerlist.model.PowerItem`
entries in three categories (重大决策 and 日常管理 are public power, 便民服务
are services for villagers), each with its legal basis, materials, disclosure,
accountability, integrity risks and one or more flowcharts. Catalogs are
written as UTF-8 TOML files (see ``docs/catalog-format.md``), published by the
county in their dict form, and a town's own list is merged onto the county's
common list. Nothing here reads files at import time.
"""

from powerlist.codec import catalog_from_dict, catalog_to_dict
from powerlist.errors import CatalogError
from powerlist.files import (
    load_catalog,
    load_sample,
    parse_catalog,
    sample_text,
    validate_file,
)
from powerlist.merge import merge
from powerlist.model import (
    CATEGORIES,
    NODE_KINDS,
    PUBLIC_POWER,
    Catalog,
    CatalogRef,
    Contact,
    Edge,
    Flowchart,
    LegalBasis,
    Node,
    PowerItem,
)
from powerlist.search import search
from powerlist.summary import describe

__all__ = [
    "CATEGORIES",
    "NODE_KINDS",
    "PUBLIC_POWER",
    "Catalog",
    "CatalogError",
    "CatalogRef",
    "Contact",
    "Edge",
    "Flowchart",
    "LegalBasis",
    "Node",
    "PowerItem",
    "catalog_from_dict",
    "catalog_to_dict",
    "describe",
    "load_catalog",
    "load_sample",
    "merge",
    "parse_catalog",
    "sample_text",
    "search",
    "validate_file",
]
