"""Moving a batch in from a store and the outputs out to one, object by object.

Plain functions: the flows map the per-object ones (`pull_object`, `push_object`) as
tasks, so each object is retried on its own after a transient error and runs in
parallel; `certriage run --no-prefect` calls them in a loop.

Pull: the objects under a prefix are downloaded (streamed) into a local folder that
mirrors them, skipping those whose ETag and size match the copy already there (a resumed
run downloads only what it lacks), and removing local files the prefix no longer has.
Keys with '..' (or absolute, or with control characters) are refused, like zip slip.

Push: a finished local output folder is uploaded with ``report.json`` removed first and
uploaded last, so its presence under the prefix means every file it points at is there.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.fileio import atomic_write
from pipeline.storage import Store, open_store, scheme_of
from pipeline.storage.base import ObjectInfo, StorageError
from pipeline.types import Finding, FindingCode, Severity, Skipped

REPORT_KEY = "report.json"
# Output subfolders whose stale objects a push removes (everything there is ours).
OWNED_PREFIXES = ("evidence/", "pages/")
SOURCE_DIR = "source"  # under the work dir: the mirrored batch
META_DIR = "source-etags"  # under the work dir: ETag of each mirrored object

_stores: dict[tuple[int, str], Store] = {}
_stores_lock = threading.Lock()


def store_for(url: str) -> Store:
    """One store (and HTTP connection pool) per URL and process; tasks get the URL, so
    no client and no credential travels to a worker: each reads its own environment."""
    key = (os.getpid(), url)
    with _stores_lock:
        store = _stores.get(key)
        if store is None:
            store = _stores[key] = open_store(url)
    return store


def split_object_url(url: str) -> tuple[str, str | None]:
    """``s3://b/p/`` -> (``s3://b/p/``, None); ``s3://b/p/batch.zip`` -> (``s3://b/p/``,
    ``batch.zip``): a URL not ending in '/' may name one object (a zipped batch)."""
    if url.endswith("/"):
        return url, None
    head, _, name = url.rpartition("/")
    return head + "/", name


# ---------------------------------------------------------------- pull


@dataclass
class PullPlan:
    """What a pull has to do: objects to fetch, keys refused, local files to keep."""

    url: str  # the prefix the keys are relative to
    root: Path  # the local mirror (the batch folder, or the folder holding the zip)
    source: Path  # what to ingest: the mirror folder or the downloaded zip
    fetch: list[ObjectInfo] = field(default_factory=list)
    refused: list[tuple[str, str]] = field(default_factory=list)  # (key, reason)
    keep: set[str] = field(default_factory=set)


def _refusal(key: str) -> str | None:
    from pipeline.storage.s3 import safe_key

    if key.endswith("/"):
        return None  # folder marker objects: nothing to fetch, nothing to report
    try:
        safe_key(key)
    except StorageError:
        if ".." in key.split("/"):
            return "路径含 .."
        return "绝对路径" if key.startswith("/") or "\\" in key else "名称含控制字符"
    return None


def _etag_file(meta_root: Path, key: str) -> Path:
    return meta_root / f"{key}.etag"


def _tag(info: ObjectInfo) -> str:
    return f"{info.etag} {info.size}"


def plan_pull(url: str, work_dir: Path) -> PullPlan:
    """List the source and decide what to download into ``<work_dir>/source``."""
    prefix_url, name = split_object_url(url)
    root = Path(work_dir) / SOURCE_DIR
    meta = Path(work_dir) / META_DIR
    store = store_for(prefix_url)
    if name is not None and store.exists(name):  # one object: a zipped batch
        infos = [store.stat(name)]
        source = root / name
    else:
        if name is not None:
            prefix_url = prefix_url + name + "/"
            store = store_for(prefix_url)
        infos = list(store.list_info())
        source = root
    plan = PullPlan(url=prefix_url, root=root, source=source)
    for info in infos:
        reason = _refusal(info.key)
        if reason:
            plan.refused.append((info.key, reason))
            continue
        if info.key.endswith("/"):
            continue
        plan.keep.add(info.key)
        local = root / info.key
        tag_file = _etag_file(meta, info.key)
        try:
            fresh = local.is_file() and local.stat().st_size == info.size and tag_file.read_text() == _tag(info)
        except OSError:
            fresh = False
        if not fresh:
            plan.fetch.append(info)
    return plan


def pull_object(url: str, info: ObjectInfo, work_dir: Path) -> str:
    """Download one object into the mirror (temporary name, then rename), then record
    its ETag so a later run skips it."""
    root = Path(work_dir) / SOURCE_DIR
    dest = root / info.key
    if not dest.resolve().is_relative_to(root.resolve()):  # safe_key makes this impossible
        raise StorageError(f"key outside the batch folder: {info.key!r}")
    store_for(url).download(info.key, dest)
    tag_file = _etag_file(Path(work_dir) / META_DIR, info.key)
    atomic_write(tag_file, _tag(info).encode("utf-8"), fsync=False)
    return info.key


def prune_mirror(plan: PullPlan, work_dir: Path) -> None:
    """Remove local files (and leftovers of killed downloads) the source no longer has."""
    meta = Path(work_dir) / META_DIR
    if not plan.root.is_dir():
        plan.root.mkdir(parents=True, exist_ok=True)
        return
    for p in sorted(plan.root.rglob("*"), reverse=True):
        rel = p.relative_to(plan.root).as_posix()
        if p.is_dir():
            if not any(p.iterdir()):
                p.rmdir()
            continue
        if rel not in plan.keep:
            p.unlink(missing_ok=True)
            _etag_file(meta, rel).unlink(missing_ok=True)


def refused_findings(refused: Iterable[tuple[str, str]]) -> tuple[list, list]:
    """Skipped entries and batch findings for refused keys (as ingest does for zips)."""
    skipped, findings = [], []
    for key, reason in refused:
        skipped.append(Skipped(path=key, reason=f"对象键被拒绝：{reason}"))
        findings.append(Finding(code=FindingCode.DOC_UNREADABLE, severity=Severity.WARNING,
                                message="对象存储中的文件路径不安全（含“..”或绝对路径），已拒绝下载",
                                found={"entry": key, "reason": reason}))
    return skipped, findings


# ---------------------------------------------------------------- push


def _md5(path: Path) -> str:
    h = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


@dataclass
class PushPlan:
    upload: list[str]  # keys to upload before report.json
    stale: list[str]  # keys under OWNED_PREFIXES the new outputs no longer have
    unchanged: int = 0


def plan_push(staging: Path, url: str) -> PushPlan:
    """Compare the finished outputs with what the prefix holds."""
    staging = Path(staging)
    local = sorted(p.relative_to(staging).as_posix() for p in staging.rglob("*")
                   if p.is_file() and not p.name.startswith("."))
    remote = {i.key: i for i in store_for(url).list_info()}
    upload, unchanged = [], 0
    for key in local:
        if key == REPORT_KEY:
            continue
        info = remote.get(key)
        path = staging / key
        if info is not None and info.size == path.stat().st_size and info.etag == _md5(path):
            unchanged += 1
            continue
        upload.append(key)
    keys = set(local)
    stale = [k for k in remote if k.startswith(OWNED_PREFIXES) and k not in keys]
    return PushPlan(upload=upload, stale=stale, unchanged=unchanged)


def push_object(url: str, staging: Path, key: str) -> str:
    """Upload one output file (streamed, multipart when large)."""
    store_for(url).upload(Path(staging) / key, key)
    return key


def withdraw_report(url: str) -> None:
    """Remove the old report.json before the new outputs go up."""
    store_for(url).delete(REPORT_KEY)


def delete_object(url: str, key: str) -> str:
    store_for(url).delete(key)
    return key


def push_all(staging: Path, url: str) -> None:
    """`publish` without Prefect: the same order, one object after another."""
    plan = plan_push(staging, url)
    withdraw_report(url)
    for key in plan.upload:
        push_object(url, staging, key)
    push_object(url, staging, REPORT_KEY)
    for key in plan.stale:
        delete_object(url, key)


# ---------------------------------------------------------------- both directions


def pull_all(url: str, work_dir: Path) -> tuple[Path, list, list]:
    """Mirror a source without Prefect: (path to ingest, skipped, findings)."""
    plan = plan_pull(url, work_dir)
    prune_mirror(plan, work_dir)
    for info in plan.fetch:
        pull_object(plan.url, info, work_dir)
    check_not_empty(plan, url)
    return (plan.source, *refused_findings(plan.refused))


def check_not_empty(plan: PullPlan, url: str) -> None:
    if not plan.keep:
        from pipeline.ingest import BatchError

        raise BatchError(f"no objects under {url}")


def merge_refusals(batch: Any, skipped: list, findings: list) -> Any:
    """The batch with the refused keys among its skipped entries and findings."""
    if not skipped and not findings:
        return batch
    from pipeline.ingest import natural_key

    merged = {s.path: s for s in skipped}
    for s in batch.skipped:
        merged.setdefault(s.path, s)
    return batch.model_copy(update={
        "skipped": sorted(merged.values(), key=lambda s: natural_key(s.path)),
        "findings": list(findings) + list(batch.findings),
    })


def is_remote(url: str) -> bool:
    return scheme_of(str(url)) != "file"
