"""The report.json contract, named once: its schema version and the schema the project
carries (schema/report.schema.json, a copy of ../shared/contract's, checked by a test), so
the writer, the tests and a fresh clone all read the same thing."""

from __future__ import annotations

from pathlib import Path

SCHEMA_VERSION = "1"
SCHEMA_PATH = Path(__file__).resolve().parents[1] / "schema" / "report.schema.json"
