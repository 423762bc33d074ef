"""Field extractors: one module per document type, OCR text and layout to the contract's
fields (vocabulary.md). The registry lists each once; a type without an extractor keeps
no fields. An extractor is `extract(doc: Document) -> dict[str, FieldValue]` and never
raises for a document's content."""

from __future__ import annotations

import importlib
import logging

from pipeline.types import DocType, Document, FieldValue

log = logging.getLogger(__name__)

EXTRACTORS: dict[DocType, str] = {
    DocType.ID_CARD: "extractors.id_card:extract",
    DocType.DIPLOMA: "extractors.diploma:extract",
    DocType.DEGREE: "extractors.degree:extract",
    DocType.SKILL_CERTIFICATE: "extractors.skill_certificate:extract",
    DocType.TITLE_CERTIFICATE: "extractors.title_certificate:extract",
    DocType.EXAMINER_CARD: "extractors.examiner_card:extract",
    DocType.WORK_CERTIFICATE: "extractors.work_certificate:extract",
    DocType.RECOMMENDATION_FORM: "extractors.recommendation_form:extract",
    DocType.BUSINESS_LICENSE: "extractors.business_license:extract",
    DocType.APPLICATION_LETTER: "extractors.application_letter:extract",
    DocType.PHOTO: "extractors.photo:extract",
}


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
