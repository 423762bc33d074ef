"""Field extractors: one module per document type, OCR text and layout to the contract's
fields (vocabulary.md). The registry lists each once; a type without an extractor keeps
no fields. An extractor is `extract(doc: Document) -> dict[str, FieldValue]` and never
raises for a document's content."""

from __future__ import annotations

import importlib
import logging

from pipeline.types import DocType, Document, FieldValue

log = logging.getLogger(__name__)

EXTRACTORS: dict[DocType, str] = {}


def extract_document(doc: Document) -> Document:
    """The document with its fields filled by its type's extractor."""
    target = EXTRACTORS.get(doc.type)
    if target is None:
        return doc
    module, func = target.split(":")
    try:
        fields: dict[str, FieldValue] = getattr(importlib.import_module(module), func)(doc)
    except Exception:  # noqa: BLE001 - a broken extractor must not stop a batch
        log.exception("extractor for %s failed on %s", doc.type.value, doc.ref)
        return doc
    return doc.model_copy(update={"fields": fields})
