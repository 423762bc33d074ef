"""Where batches come from and outputs go: one small interface, one file per backend.

`open_store("/some/dir")` gives the local file system (the default);
`open_store("s3://bucket/prefix/")` gives S3/MinIO through the `minio` client, with the
endpoint and credentials from `CERTRIAGE_S3_*` environment variables. Backends are
listed once in `BACKENDS` and imported lazily, so a missing optional client only
matters to whoever asks for that scheme.
"""

from __future__ import annotations

from pipeline.storage.base import ObjectInfo, StorageError, Store, TransientStorageError
from pipeline.urls import scheme_of

# scheme -> "module:factory"; the factory takes the URL and returns a Store.
BACKENDS: dict[str, str] = {
    "file": "pipeline.storage.local:LocalStore.from_url",
    "s3": "pipeline.storage.s3:S3Store.from_url",
}


def open_store(url: str) -> Store:
    """The store for a folder path, file:// URL or s3:// URL."""
    import importlib

    scheme = scheme_of(url)
    target = BACKENDS.get(scheme)
    if target is None:
        raise StorageError(f"unsupported storage scheme {scheme}:// (known: {', '.join(sorted(BACKENDS))})")
    module_name, _, attr = target.partition(":")
    obj: object = importlib.import_module(module_name)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj(str(url))  # type: ignore[operator]


__all__ = ["BACKENDS", "ObjectInfo", "Store", "StorageError", "TransientStorageError", "open_store", "scheme_of"]
