"""The sample catalog, kept as JSON beside the kiosk's other files so that a
start does not parse its TOML again (Python's TOML reader is slow next to
its JSON reader, and the home screen's first frame shows the catalog).

The copy is used only while it was made from the same sample text by the
same catalog code: its name carries a digest of both, so a new sample or a
new codec makes (and uses) a new copy. A copy that cannot be read or does
not check as a catalog is made again; a directory that cannot be written
costs only the parse.
"""

from __future__ import annotations

import hashlib
import json
import logging
from importlib import resources
from pathlib import Path

from durable.atomic import atomic_write
from powerlist import Catalog, CatalogError, catalog_from_dict, catalog_to_dict
from powerlist.files import SAMPLE_RESOURCE, parse_catalog, sample_text

log = logging.getLogger(__name__)

#: The modules whose code decides what a catalog read from JSON is.
CODEC_MODULES = ("codec.py", "model.py", "graph.py")


def _digest(text: str) -> str:
    digest = hashlib.sha256(text.encode("utf-8"))
    package = resources.files("powerlist")
    for name in CODEC_MODULES:
        digest.update(package.joinpath(name).read_bytes())
    return digest.hexdigest()[:16]


def cached_sample(directory: Path) -> Catalog:
    """The sample catalog, from the JSON copy in *directory* when it is the
    current one, else parsed (and the copy written for the next start)."""
    text = sample_text()
    copy = directory / f"sample-catalog-{_digest(text)}.json"
    try:
        return catalog_from_dict(json.loads(copy.read_bytes()), SAMPLE_RESOURCE)
    except FileNotFoundError:
        pass
    except (OSError, ValueError, CatalogError) as error:
        log.warning("the kept copy of the sample catalog is not usable (%s): made again",
                    error)
    catalog = parse_catalog(text, SAMPLE_RESOURCE)
    try:
        directory.mkdir(parents=True, exist_ok=True)
        for old in directory.glob("sample-catalog-*.json"):
            old.unlink()
        atomic_write(copy, json.dumps(catalog_to_dict(catalog), ensure_ascii=False).encode())
    except OSError as error:
        log.warning("cannot keep a copy of the sample catalog in %s: %s", directory, error)
    return catalog
