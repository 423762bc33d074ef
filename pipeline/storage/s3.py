"""S3 / MinIO store through the `minio` client.

The endpoint and credentials come from the environment (`pipeline.settings.S3Settings`),
never from the URL, and are never logged (the store's repr shows the bucket, prefix and endpoint host only):

- ``CERTRIAGE_S3_ENDPOINT``   host[:port], e.g. ``minio.internal:9000`` (default
  ``s3.amazonaws.com``)
- ``CERTRIAGE_S3_ACCESS_KEY`` / ``CERTRIAGE_S3_SECRET_KEY``
- ``CERTRIAGE_S3_SECURE``     ``1``/``true`` for HTTPS (default), ``0``/``false`` for HTTP
- ``CERTRIAGE_S3_REGION``     optional; saves the client a bucket-location request

Large files stream: uploads go through ``fput_object`` in parts of ``PART_SIZE``
(multipart above one part; S3 makes the object visible only when the upload completes,
so a reader never sees half an object) and downloads through ``fget_object`` into a
temporary file that is renamed into place. Errors worth retrying (timeouts, refused or
reset connections, 5xx, ``SlowDown``) become `TransientStorageError`, everything else
`StorageError`, so the flows retry only the former.
"""

from __future__ import annotations

import contextlib
import io
import mimetypes
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pipeline.fileio import temp_beside
from pipeline.settings import S3Settings, Settings
from pipeline.storage.base import ObjectInfo, StorageError, TransientStorageError

PART_SIZE = 16 * 1024 * 1024  # multipart part size; S3's minimum is 5 MiB
# S3 error codes that mean "try again later" rather than "this request is wrong".
TRANSIENT_CODES = {
    "SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable", "RequestTimeTooSkewed",
    "OperationAborted", "Throttling", "ThrottlingException", "RequestLimitExceeded",
}
MISSING_CODES = {"NoSuchKey", "NoSuchObject", "NotFound", "ResourceNotFound"}


def _minio() -> Any:
    try:
        import minio
    except ImportError as exc:  # pragma: no cover - minio is a declared dependency
        raise StorageError("s3:// needs the minio client: pip install 'minio>=7.2'") from exc
    return minio


def make_client(settings: S3Settings) -> Any:
    """A minio client with bounded timeouts and few internal retries (the flows retry)."""
    import urllib3

    minio = _minio()
    endpoint = settings.endpoint
    for scheme in ("https://", "http://"):  # tolerate a URL in the endpoint variable
        if endpoint.startswith(scheme):
            endpoint = endpoint[len(scheme):]
    endpoint = endpoint.rstrip("/")
    timeout = urllib3.Timeout(connect=settings.timeout, read=settings.timeout)
    http = urllib3.PoolManager(
        timeout=timeout,
        maxsize=16,
        retries=urllib3.Retry(total=settings.retries, backoff_factor=0.2,
                              status_forcelist=[500, 502, 503, 504]),
    )
    access = settings.access_key.get_secret_value() if settings.access_key else None
    secret = settings.secret_key.get_secret_value() if settings.secret_key else None
    return minio.Minio(endpoint, access_key=access, secret_key=secret,
                       secure=settings.secure, region=settings.region, http_client=http)


def parse_s3_url(url: str) -> tuple[str, str]:
    """``s3://bucket/some/prefix/`` -> ("bucket", "some/prefix/")."""
    if not url.lower().startswith("s3://"):
        raise StorageError(f"not an s3:// URL: {url}")
    rest = url[5:]
    bucket, _, prefix = rest.partition("/")
    if not bucket:
        raise StorageError(f"no bucket in {url}")
    return bucket, prefix


def safe_key(key: str) -> str:
    """A key relative to the store's prefix; refuses '..', absolute keys and control
    characters (the object-storage twin of the zip-slip checks in ingest)."""
    if any(ord(c) < 32 for c in key):
        raise StorageError(f"control character in key {key!r}")
    if key.startswith("/") or "\\" in key:
        raise StorageError(f"absolute or backslash key refused: {key!r}")
    if ".." in key.split("/"):
        raise StorageError(f"'..' in key refused: {key!r}")
    return key


class S3Store:
    """A bucket prefix; keys are '/'-separated paths below it."""

    def __init__(self, bucket: str, prefix: str = "", settings: S3Settings | None = None,
                 client: Any = None, part_size: int = PART_SIZE) -> None:
        self.bucket = bucket
        self.part_size = part_size
        self.prefix = prefix.lstrip("/")
        if self.prefix and not self.prefix.endswith("/"):
            self.prefix += "/"
        self.settings = settings or Settings().s3
        self.client = client or make_client(self.settings)
        self.url = f"s3://{bucket}/{self.prefix}"

    @classmethod
    def from_url(cls, url: str) -> S3Store:
        bucket, prefix = parse_s3_url(url)
        return cls(bucket, prefix)

    def __repr__(self) -> str:
        return f"S3Store({self.url!r}, endpoint={self.settings.endpoint!r})"

    # ------------------------------------------------------------ helpers

    def _name(self, key: str) -> str:
        return self.prefix + safe_key(key)

    @contextlib.contextmanager
    def _errors(self, op: str, key: str) -> Iterator[None]:
        """minio/urllib3 exceptions -> StorageError / TransientStorageError."""
        import urllib3

        minio = _minio()
        where = f"{op} s3://{self.bucket}/{self.prefix}{key}"
        try:
            yield
        except minio.error.S3Error as exc:
            status = getattr(getattr(exc, "response", None), "status", 0) or 0
            if exc.code in MISSING_CODES:
                raise StorageError(f"no such object: {where}") from exc
            if exc.code in TRANSIENT_CODES or status >= 500 or status == 429:
                raise TransientStorageError(f"{where}: {exc.code}") from exc
            raise StorageError(f"{where}: {exc.code} {exc.message or ''}".strip()) from exc
        except minio.error.ServerError as exc:
            cls = TransientStorageError if exc.status_code >= 500 or exc.status_code == 429 else StorageError
            raise cls(f"{where}: HTTP {exc.status_code}") from exc
        except minio.error.InvalidResponseError as exc:  # a proxy's HTML error page
            raise TransientStorageError(f"{where}: invalid response") from exc
        except (urllib3.exceptions.HTTPError, ConnectionError, TimeoutError) as exc:
            raise TransientStorageError(f"{where}: {type(exc).__name__}") from exc

    # ------------------------------------------------------------ Store

    def read_bytes(self, key: str) -> bytes:
        name = self._name(key)
        with self._errors("read", key):
            resp = self.client.get_object(self.bucket, name)
            try:
                return resp.read()
            finally:
                resp.close()
                resp.release_conn()

    def write_bytes(self, key: str, data: bytes) -> None:
        name = self._name(key)
        with self._errors("write", key):
            self.client.put_object(self.bucket, name, io.BytesIO(data), len(data),
                                   content_type=_content_type(key))

    def exists(self, key: str) -> bool:
        try:
            self.stat(key)
        except TransientStorageError:
            raise
        except StorageError:
            return False
        return True

    def stat(self, key: str) -> ObjectInfo:
        name = self._name(key)
        with self._errors("stat", key):
            obj = self.client.stat_object(self.bucket, name)
        return ObjectInfo(key=key, size=int(obj.size or 0), etag=(obj.etag or "").strip('"'))

    def list_info(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Objects under `prefix` with size and ETag, sorted by key."""
        full = self.prefix + (safe_key(prefix) if prefix else "")
        with self._errors("list", prefix):
            objs = [o for o in self.client.list_objects(self.bucket, prefix=full, recursive=True)
                    if not o.is_dir]
        out = [ObjectInfo(key=o.object_name[len(self.prefix):], size=int(o.size or 0),
                          etag=(o.etag or "").strip('"')) for o in objs]
        yield from sorted(out, key=lambda o: o.key)

    def list(self, prefix: str = "") -> Iterator[str]:
        for info in self.list_info(prefix):
            yield info.key

    def download(self, key: str, dest: Path) -> Path:
        dest = Path(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = temp_beside(dest)  # minio writes here and renames it over dest
        name = self._name(key)
        try:
            with self._errors("download", key):
                self.client.fget_object(self.bucket, name, str(dest), tmp_file_path=str(tmp))
        finally:
            tmp.unlink(missing_ok=True)
        return dest

    def upload(self, src: Path, key: str) -> None:
        name = self._name(key)
        with self._errors("upload", key):
            self.client.fput_object(self.bucket, name, str(src), content_type=_content_type(key),
                                    part_size=self.part_size)

    def delete(self, key: str) -> None:
        name = self._name(key)
        with self._errors("delete", key):
            self.client.remove_object(self.bucket, name)

    # ------------------------------------------------------------ admin

    def ensure_bucket(self) -> None:
        """Create the bucket if it is missing (tests and first-time setups)."""
        with self._errors("make bucket", ""):
            if not self.client.bucket_exists(self.bucket):
                self.client.make_bucket(self.bucket)


def _content_type(key: str) -> str:
    return mimetypes.guess_type(key)[0] or "application/octet-stream"
