"""证件照: nothing to read from text; size, colour and face are measured elsewhere."""

from __future__ import annotations

from pipeline.types import Document, FieldValue


def extract(doc: Document) -> dict[str, FieldValue]:
    return {}
