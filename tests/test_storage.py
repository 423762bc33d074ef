"""The storage interface: the local folder and S3 through the minio client against a real
S3-compatible server (moto's, started by `.ci/run` or by the `s3_endpoint` fixture)."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import pytest

from pipeline.storage import StorageError, Store, TransientStorageError, open_store
from pipeline.storage.local import LocalStore


def _stores(tmp_path: Path, bucket: str | None) -> list[Store]:
    stores: list[Store] = [LocalStore(tmp_path / "local")]
    if bucket:
        stores.append(open_store(f"s3://{bucket}/some/prefix/"))
    return stores


def _exercise(store: Store, tmp_path: Path) -> None:
    """The same behaviour from every backend."""
    assert isinstance(store, Store)
    assert list(store.list()) == []
    store.write_bytes("a/申请人1/report.json", b'{"ok": 1}')
    store.write_bytes("a/2.txt", b"two")
    store.write_bytes("b.txt", b"bee")
    assert store.read_bytes("a/申请人1/report.json") == b'{"ok": 1}'
    assert store.exists("b.txt") and not store.exists("nope.txt")
    assert list(store.list()) == ["a/2.txt", "a/申请人1/report.json", "b.txt"]
    assert list(store.list("a/")) == ["a/2.txt", "a/申请人1/report.json"]
    infos = {i.key: i for i in store.list_info()}
    assert infos["b.txt"].size == 3 and infos["b.txt"].etag
    assert store.stat("b.txt") == infos["b.txt"]

    # Overwrite: the content tag changes, readers see the new bytes whole.
    store.write_bytes("b.txt", b"bees")
    assert store.read_bytes("b.txt") == b"bees"
    assert store.stat("b.txt").etag != infos["b.txt"].etag

    src = tmp_path / "src.bin"
    src.write_bytes(os.urandom(1000))
    store.upload(src, "up/src.bin")
    dest = store.download("up/src.bin", tmp_path / "dl" / "copy.bin")
    assert dest.read_bytes() == src.read_bytes()
    assert [p.name for p in dest.parent.iterdir()] == ["copy.bin"]  # no temporary left

    with pytest.raises(StorageError):
        store.read_bytes("missing.txt")
    with pytest.raises(StorageError):
        store.download("missing.txt", tmp_path / "dl" / "missing.txt")
    assert not (tmp_path / "dl" / "missing.txt").exists()
    with pytest.raises(StorageError):
        store.write_bytes("../outside.txt", b"x")

    store.delete("b.txt")
    store.delete("b.txt")  # deleting twice is fine
    assert not store.exists("b.txt")


def test_local_store(tmp_path: Path) -> None:
    _exercise(LocalStore(tmp_path / "root"), tmp_path)
    assert not (tmp_path / "outside.txt").exists()


def test_s3_store_against_a_real_server(s3_bucket: str, tmp_path: Path) -> None:
    store = open_store(f"s3://{s3_bucket}/some/prefix/")
    assert store.url == f"s3://{s3_bucket}/some/prefix/"
    _exercise(store, tmp_path)


def test_s3_keys_with_dotdot_are_refused(s3_bucket: str) -> None:
    store = open_store(f"s3://{s3_bucket}/p/")
    for bad in ("../x", "a/../../x", "/abs", "a\\b", "tab\there"):
        with pytest.raises(StorageError):
            store.write_bytes(bad, b"x")
    assert list(open_store(f"s3://{s3_bucket}/").list()) == []


def test_s3_large_files_stream_in_parts(s3_bucket: str, tmp_path: Path) -> None:
    from pipeline.storage.s3 import S3Store

    store = S3Store(s3_bucket, "big/", part_size=5 * 1024 * 1024)  # S3's smallest part
    src = tmp_path / "scan.pdf"
    with open(src, "wb") as fh:
        for _ in range(12):
            fh.write(os.urandom(1024 * 1024))
    store.upload(src, "scan.pdf")
    info = store.stat("scan.pdf")
    assert info.size == src.stat().st_size
    assert info.etag.endswith("-3"), info.etag  # a multipart upload of 3 parts
    dest = store.download("scan.pdf", tmp_path / "back.pdf")
    digest = lambda p: hashlib.sha256(p.read_bytes()).hexdigest()  # noqa: E731
    assert digest(dest) == digest(src)


def test_unreachable_endpoint_is_transient_and_keys_are_never_logged(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    import socket

    from pipeline.storage.s3 import S3Store

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("CERTRIAGE_S3_ENDPOINT", f"127.0.0.1:{port}")
    monkeypatch.setenv("CERTRIAGE_S3_SECURE", "false")
    monkeypatch.setenv("CERTRIAGE_S3_ACCESS_KEY", "AKIA-visible-nowhere")
    monkeypatch.setenv("CERTRIAGE_S3_SECRET_KEY", "secret-visible-nowhere")
    monkeypatch.setenv("CERTRIAGE_S3_REGION", "us-east-1")
    monkeypatch.setenv("CERTRIAGE_S3_RETRIES", "0")
    caplog.set_level(logging.DEBUG)
    store = S3Store.from_url("s3://bucket/p/")
    with pytest.raises(TransientStorageError) as info:
        store.read_bytes("x.json")
    text = " ".join([str(info.value), repr(store), repr(store.settings), caplog.text])
    assert "visible-nowhere" not in text


def test_s3_errors_are_classified(s3_bucket: str) -> None:
    """Permanent refusals are StorageError; SlowDown and 5xx are TransientStorageError."""
    from types import SimpleNamespace

    from minio.error import S3Error, ServerError

    from pipeline.storage.s3 import S3Store

    store = S3Store(s3_bucket)
    with pytest.raises(StorageError) as info:
        S3Store(s3_bucket + "-missing").read_bytes("x")  # no such bucket: refused for good
    assert not isinstance(info.value, TransientStorageError)

    def s3_error(code: str, status: int) -> S3Error:
        return S3Error(SimpleNamespace(status=status), code, "msg", "/r", "req", "host")

    for exc, transient in ((s3_error("SlowDown", 503), True), (s3_error("InternalError", 500), True),
                           (ServerError("bad gateway", 502), True), (s3_error("AccessDenied", 403), False),
                           (s3_error("NoSuchKey", 404), False)):
        with pytest.raises(StorageError) as info:
            with store._errors("read", "k"):
                raise exc
        assert isinstance(info.value, TransientStorageError) is transient, exc
