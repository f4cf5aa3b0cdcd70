"""The product's own catalogue of commune-level procedures, shipped as package data."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

from services.procedures.procedure import Procedure

CATALOGUE_FILE = "catalogue.json"


class CatalogueError(ValueError):
    """The shipped catalogue is malformed; the message names the entry and the problem."""


def load_catalogue() -> list[Procedure]:
    """Every shipped procedure, in catalogue order (parsed once per process)."""
    return list(_load())


@cache
def _load() -> tuple[Procedure, ...]:
    text = resources.files(__package__).joinpath(CATALOGUE_FILE).read_text(encoding="utf-8")
    entries = json.loads(text)
    if not isinstance(entries, list):
        raise CatalogueError(f"{CATALOGUE_FILE} must hold a JSON list")
    procedures: list[Procedure] = []
    seen: set[str] = set()
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            raise CatalogueError(f"entry {index} is not a JSON object")
        try:
            procedure = Procedure.from_dict(entry)
        except ValueError as error:
            raise CatalogueError(f"entry {index} ({entry.get('code')}): {error}") from error
        if procedure.code in seen:
            raise CatalogueError(f"entry {index}: duplicate code {procedure.code}")
        seen.add(procedure.code)
        procedures.append(procedure)
    return tuple(procedures)
