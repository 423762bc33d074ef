"""The batch pipeline as plain functions: files -> pages -> OCR lines -> documents ->
findings -> decision -> report.

`process_file` is the per-file unit of work (render, turn upright, split, read,
classify); it is what a worker process or a Prefect task runs, and its result is cached
by content so a second run of the same batch reads no page twice. `assess_applicant`
and `build_report` are the per-applicant and per-batch stages after it.
"""

from __future__ import annotations

import io
import logging
import os
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from multiprocessing import get_context
from pathlib import Path

import numpy as np
from PIL import Image

from models.ocr import normalize_text
from pipeline import timing
from pipeline.cache import StageCache, cache_key
from pipeline.classify import (
    classify_region,
    own_title,
    prose_made,
    says_continued,
    title_names,
    weak_type,
)
from pipeline.context import ApplicantContext, RosterRow
from pipeline.decide import decide
from pipeline.fileio import atomic_write
from pipeline.profile import Profile, load_profile
from pipeline.render import render_file
from pipeline.segment import LONG_IMAGE_ASPECT, segment_page, split_by_content
from pipeline.settings import RunOptions
from pipeline.sniff import extension_lies
from pipeline.types import (
    ApplicantFolder,
    ApplicantResult,
    Batch,
    BatchFile,
    BBox,
    Classification,
    DocType,
    Document,
    FileResult,
    Finding,
    OcrLine,
    Page,
    PageText,
    PhotoInfo,
    Region,
    Report,
    Seal,
    Severity,
    Stats,
)

log = logging.getLogger(__name__)

# Bump when a change in rendering, OCR, segmentation or classification changes results:
# it is part of every cache key.
STAGE_VERSION = "file-v16"  # v16: read first, orientation pass only when that reading is not upright, no per-line flip; v15: 於 before a date read as 于; v14: tall regions in bands; v13: Page.facts

# An image file no larger than this (px, long side) is photo-sized: 二寸 is 413x579.
PHOTO_FILE_MAX_SIDE = 800

# Types whose documents run over several pages or regions of one file.
MULTI_PAGE_TYPES = {
    DocType.RECOMMENDATION_FORM,
    DocType.WORK_CERTIFICATE,
    DocType.APPLICATION_LETTER,
    DocType.BUSINESS_LICENSE,
}


# ---------------------------------------------------------------- per file


def _offset(lines: Iterable[OcrLine], dx: float, dy: float) -> list[OcrLine]:
    out = []
    for line in lines:
        x0, y0, x1, y1 = line.bbox
        poly = [(px + dx, py + dy) for px, py in line.polygon] if line.polygon else None
        out.append(line.model_copy(update={"bbox": (x0 + dx, y0 + dy, x1 + dx, y1 + dy), "polygon": poly}))
    return out


# A region taller than this many widths (a long image of stacked documents, a phone
# screenshot) is read in bands about as tall as an A4 page is for its width: the engine
# scales its whole input to a fixed side, so a 1:3.5 strip read at once came out at a
# quarter of its scale and lost its small print (a licence's 统一社会信用代码 line, the
# spread 名 称 label).
TALL_RATIO = 1.8
BAND_RATIO = 1.414  # A4
BAND_OVERLAP = 0.12  # of the width: more than a text line is tall at that scale


def band_spans(height: int, width: int) -> list[tuple[int, int, int, int]]:
    """(band start, band end, own from, own to) for reading a tall region in bands: the
    bands overlap, and each keeps the lines whose centre lies in its own part, so a line
    across a cut is read whole by the band that holds it and only once."""
    if height <= TALL_RATIO * width:
        return [(0, height, 0, height)]
    band = int(round(BAND_RATIO * width))
    overlap = max(48, int(round(BAND_OVERLAP * width)))
    step = band - overlap
    n = -(-(height - overlap) // step)
    starts = [min(i * step, height - band) for i in range(n)]
    ends = [s + band for s in starts]
    cuts = [0] + [(ends[i] + starts[i + 1]) // 2 for i in range(n - 1)] + [height]
    return [(starts[i], ends[i], cuts[i], cuts[i + 1]) for i in range(n)]


def read_region(engine, crop: np.ndarray) -> list[OcrLine]:
    """OCR lines of one region in its pixels, a tall region read in bands (`band_spans`)."""
    h, w = crop.shape[:2]
    spans = band_spans(h, w)
    if len(spans) == 1:
        return engine.read(crop)
    out: list[OcrLine] = []
    for start, end, own_from, own_to in spans:
        for ln in _offset(engine.read(crop[start:end]), 0, start):
            if own_from <= (ln.bbox[1] + ln.bbox[3]) / 2 < own_to:
                out.append(ln)
    return out


def _inside(line: OcrLine, region: Region) -> bool:
    cx = (line.bbox[0] + line.bbox[2]) / 2
    cy = (line.bbox[1] + line.bbox[3]) / 2
    x0, y0, x1, y1 = region.bbox
    return x0 <= cx <= x1 and y0 <= cy <= y1


def _may_be_turned(page: Page) -> bool:
    """Text layers are upright by construction; long images are stitched upright."""
    return not page.text_layer and page.height / max(page.width, 1) < LONG_IMAGE_ASPECT


def _turn_page(page: Page, image: np.ndarray, rotation: int) -> tuple[Page, np.ndarray]:
    """The page turned clockwise by `rotation`, its turned image saved beside it."""
    from pipeline.orient import rotate

    turned = rotate(image, rotation)
    src = Path(page.image_path)
    dst = src.with_name(f"{src.stem}_r{rotation}.png")
    if not dst.exists():
        # A unique temp name (atomic_write): two threads turning the same page must not
        # write into one fixed temp file.
        # compress_level=1 as render.py's pages: the default (6) took about 1 s a page
        # for 10 % smaller files that live only in the work dir.
        buf = io.BytesIO()
        Image.fromarray(turned).save(buf, format="PNG", compress_level=1)
        atomic_write(dst, buf.getvalue())
    page = page.model_copy(
        update={
            "image_path": str(dst),
            "width": turned.shape[1],
            "height": turned.shape[0],
            "rotation": (page.rotation + rotation) % 360,
        }
    )
    return page, turned


def read_page(page: Page, engine, face_detector, file: BatchFile | None = None,
              ) -> tuple[Page, list[tuple[PageText, Classification]], list[Seal]]:
    """Upright, split, read and classify one page, find its seals, and store every fact
    the checks need about it (`Page.facts`, pipeline.page_facts) while it is in memory:
    (page, [(text, class) per region], seals in page pixels, ink measured). `file`: the
    page's upload, whose own JPEG pixels the tampering cue is read from.

    The page is read as it comes first. Its own reading says when it is upright (long
    lines, running across, read cleanly: `orient.reads_upright`), which is most pages;
    only the others pay for the orientation pass (`orient.upright`) and, when that turns
    them, a second reading (issue 14: orientation was 18 % of a cold run)."""
    from pipeline.orient import reads_upright, upright

    with timing.stage("page decode"):
        image = np.asarray(Image.open(page.image_path).convert("RGB"))
    result = _read_as_is(page, image, engine, face_detector, file)
    if not _may_be_turned(page):
        return result
    with timing.stage("orientation"):
        lines = [ln for text, _ in result[1] for ln in text.lines]
        rotation = 0 if reads_upright(lines) else upright(image, engine)[0]
        if not rotation:
            return result
        page, image = _turn_page(page, image, rotation)
    return _read_as_is(page, image, engine, face_detector, file)


def _read_as_is(page: Page, image: np.ndarray, engine, face_detector, file: BatchFile | None,
                ) -> tuple[Page, list[tuple[PageText, Classification]], list[Seal]]:
    """`read_page` on the page the way it is turned now."""
    from pipeline.page_facts import jpeg_grid, page_facts, with_ink
    from pipeline.seals import detect_seals, read_seal_text, suppress_seal_ink

    with timing.stage("segmentation"):
        regions = segment_page(image)
    with timing.stage("seal detection"):
        found = detect_seals(image, page.number)
    with timing.stage("seal ring OCR"):
        seals = [read_seal_text(image, s, engine) for s in found]
    with timing.stage("page facts"):
        seals = [with_ink(image, s) for s in seals]
    # Text under a seal is read with the seal's ink taken out (the seal's own ring text
    # was read above, from the unwrapped ring).
    with timing.stage("seal ink suppression"):
        ocr_image = suppress_seal_ink(image, seals) if seals and not page.text_layer else image
    out = []
    parts: list[Region] = []
    photos: list[tuple[BBox, list[BBox] | None]] = []
    for region in regions:
        x0, y0, x1, y1 = (int(round(v)) for v in region.bbox)
        crop = ocr_image[y0:y1, x0:x1]
        t0 = time.perf_counter()
        if page.text_layer:
            # The same normalisation OCR lines get (full-width punctuation, 〇...).
            lines = [line.model_copy(update={"text": normalize_text(line.text)})
                     for line in page.text_layer if _inside(line, region)]
            engine_name = "text_layer"
        else:
            with timing.stage("page OCR"):
                lines = _offset(read_region(engine, crop), x0, y0)
            engine_name = engine.name
        seconds = time.perf_counter() - t0
        # Documents stacked without a blank band between them are told apart by their text.
        spans = split_by_content(lines, y0, y1) if region.kind != "id_side" else [(y0, y1)]
        for sy0, sy1 in spans:
            part = region if len(spans) == 1 else Region(
                bbox=(float(x0), float(sy0), float(x1), float(sy1)), kind="content_part")
            part_lines = lines if len(spans) == 1 else [
                ln for ln in lines if sy0 <= (ln.bbox[1] + ln.bbox[3]) / 2 < sy1]
            parts.append(part)
            with timing.stage("classification"):
                text, cls, faces = _classify_part(page, image, part, part_lines, len(regions) * len(spans),
                                                  engine_name, seconds / len(spans), face_detector)
            out.append((text, cls))
            if cls.type == DocType.PHOTO:
                photos.append((part.bbox, faces))
    with timing.stage("page facts"):
        facts = page_facts(image, seals, [p.bbox for p in parts], photos)
        if file is not None:
            facts.jpeg_grid = jpeg_grid(file, page, [ln.bbox for t, _ in out for ln in t.lines])
    page = page.model_copy(update={"regions": parts, "facts": facts})
    return page, out, seals


def _classify_part(page: Page, image: np.ndarray, region: Region, lines: list[OcrLine], n_regions: int,
                   engine_name: str, seconds: float, face_detector,
                   ) -> tuple[PageText, Classification, list[BBox] | None]:
    """Classify one region of a page from its lines (page pixels) and its picture; the
    face boxes too when they were searched (None when not), for the photo facts."""
    from models.face import detect_faces

    x0, y0, x1, y1 = (int(round(v)) for v in region.bbox)
    n_chars = sum(len(line.text.strip()) for line in lines)
    picture = image[y0:y1, x0:x1]
    with timing.stage("face detection"):
        searched = detect_faces(picture, face_detector) if n_chars <= 40 else None
    faces = searched or []
    photo_sized = page.source == "image" and max(page.width, page.height) <= PHOTO_FILE_MAX_SIDE
    pictorial = not page.text_layer and not faces and (
        (n_chars <= 4 and _is_picture(picture)) or (photo_sized and n_chars <= 20 and n_regions == 1))
    cls = classify_region(_offset(lines, -x0, -y0), (x1 - x0, y1 - y0), faces, pictorial)
    text = PageText(file=page.file, page=page.number, region=region, lines=lines,
                    engine=engine_name, seconds=seconds)
    return text, cls, searched


def _is_picture(rgb: np.ndarray) -> bool:
    """A photograph-like region: mid tones over most of it, unlike a page (paper with
    marks) or a blank scan. Measured on a thumbnail, so cheap."""
    import cv2

    if rgb.size == 0:
        return False
    small = cv2.resize(rgb, (64, 64), interpolation=cv2.INTER_AREA)
    grey = cv2.cvtColor(small, cv2.COLOR_RGB2GRAY)
    return float((grey > 225).mean()) < 0.5 and float(grey.std()) > 30


def _blank(text: PageText, cls: Classification) -> bool:
    return not text.lines and cls.type == DocType.OTHER


def _continues(text: PageText) -> bool:
    """Does a page no type claims carry on the `doc_type` document before it? Yes when it
    says so (续表, 第2页) or has no title of its own, as a form's next page carries on
    its table. A page with its own title (培训费缴费凭证, a certificate's name) starts a
    document, of the type its cues lean to if any, and its seal goes with it. Labels
    alone (职业（工种）) are no evidence: a form's next page has them too."""
    if says_continued(text.lines):
        return True
    return own_title(text.lines) is None


def assemble_documents(file: BatchFile, read: list[tuple[PageText, Classification]],
                       seals: dict[int, list[Seal]] | None = None) -> tuple[list[Document], list[Finding]]:
    """Group classified regions into documents: a multi-page form's pages, both sides of
    an ID card, and a form's continuation page (classified `other`, see `_continues`)
    stay together. Each document gets the seals lying in its regions."""
    from pipeline.seals import seal_in_region

    seals = seals or {}
    docs: list[Document] = []
    findings: list[Finding] = []
    content = [r for r in read if not _blank(*r)]
    for text, cls in read:
        if _blank(text, cls):
            if content:  # a blank back side inside a file with content: worth knowing only
                findings.append(Finding(code="PAGE_BLANK", severity=Severity.INFO,
                                        message=f"第 {text.page} 页为空白页", documents=[f"{file.rel_path}#{text.page}"]))
                continue
            findings.append(Finding(code="DOC_UNREADABLE", severity=Severity.WARNING, confidence=0.9,
                                    message="页面空白或未能识别出任何文字", documents=[f"{file.rel_path}#{text.page}"]))
        prev = docs[-1] if docs else None
        doc_type, conf, cues = cls.type, cls.confidence, cls.cues
        joins = False
        if prev is not None and text.page - prev.pages[-1] in (0, 1):
            if cls.type == prev.type and cls.type in MULTI_PAGE_TYPES | {DocType.ID_CARD}:
                joins = cls.type != DocType.ID_CARD or len(prev.texts) < 2
                title = own_title(text.lines) if joins and text.page != prev.pages[-1] else None
                named = title_names(title) if title else None
                if named not in (None, prev.type):  # a certificate page its labels made look like a form
                    joins, doc_type = False, named
                    conf = round(min(0.6, 0.3 + 0.05 * cls.scores.get(named.value, 0.0)), 3)
                    cues = [*cues, f"title {title}: own page after {prev.type.value}"]
            elif (prev.type in MULTI_PAGE_TYPES and text.page == prev.pages[-1] + 1
                  and cls.type not in (DocType.OTHER, DocType.ID_CARD, DocType.PHOTO)
                  and own_title(text.lines) is None
                  and prose_made(text.lines, cls.type, text.region.bbox[3] - text.region.bbox[1])):
                # A form's next page (the summary running on, 承诺声明, 单位意见 with the
                # employer's seal) that only its prose makes look like a certificate.
                joins = True
            elif cls.type == DocType.OTHER and prev.type in MULTI_PAGE_TYPES and text.page != prev.pages[-1]:
                joins = _continues(text)
                title = None if joins else own_title(text.lines)
                named = title_names(title) if title else None
                lean = (named, cls.scores.get(named.value, 0.0)) if named else (
                    None if joins else weak_type(cls, prev.type))
                if lean is not None:  # its own document, of the type its title or cues lean to
                    doc_type, conf = lean[0], round(min(0.45, 0.15 + 0.1 * lean[1]), 3)
                    cues = [*cues, f"weak {lean[0].value}: own page after {prev.type.value}"]
        region_seals = seal_in_region(seals.get(text.page, []), text.region.bbox)
        if joins and prev is not None:
            prev.seals.extend(region_seals)
            prev.texts.append(text)
            if text.page not in prev.pages:
                prev.pages.append(text.page)
            if cls.type == prev.type:
                prev.type_confidence = round(max(prev.type_confidence, cls.confidence), 3)
            else:
                prev.cues.append(f"page {text.page}: continuation of {prev.type.value}")
            continue
        docs.append(Document(file=file.rel_path, pages=[text.page], type=doc_type,
                             type_confidence=conf, texts=[text], cues=cues,
                             seals=region_seals))
    return docs, findings


# Wall-clock budget of one file: a fixed part plus a part per page (a page takes 1–3 s on
# two cores). A file still being read past it is cut off at the next page: the pages
# read are kept, the rest becomes DOC_UNREADABLE with the reason, and one hostile file
# cannot hold a batch for long.
FILE_BUDGET_BASE_S = 120.0
FILE_BUDGET_PER_PAGE_S = 20.0


def process_file(f: BatchFile, work_dir: Path, ocr: str = "rapidocr", dpi: int = 200,
                 budget_s: float | None = None) -> FileResult:
    """Render, turn upright, split, read and classify one file; never raises for content."""
    from models.face import get_face_detector
    from models.ocr import get_engine

    t0 = time.perf_counter()
    cache = StageCache(work_dir / "cache")
    key = cache_key(f.sha256, STAGE_VERSION, ocr, dpi)
    with timing.stage("file cache"):
        hit = cache.get(key, FileResult)
    if hit is not None:
        return _with_name_findings(_rebase(_paths_from(hit, work_dir), f))
    with timing.stage("render"):
        pages, findings = render_file(f, work_dir, dpi=dpi)
    result = FileResult(file=f, findings=list(findings))
    read_all: list[tuple[PageText, Classification]] = []
    page_seals: dict[int, list[Seal]] = {}
    over_budget = False
    if pages:
        with timing.stage("model load"):
            engine = get_engine(ocr)
            faces = get_face_detector()
        budget = budget_s if budget_s is not None else FILE_BUDGET_BASE_S + FILE_BUDGET_PER_PAGE_S * len(pages)
        for page in pages:
            elapsed = time.perf_counter() - t0
            if elapsed > budget:
                over_budget = True
                result.findings.append(Finding(
                    code="DOC_UNREADABLE", severity=Severity.WARNING, confidence=0.9,
                    message=(f"文件处理超过时限（已用 {elapsed:.0f} 秒，上限 {budget:.0f} 秒），"
                             f"第 {page.number} 页起未识别"),
                    documents=[f"{f.rel_path}#{page.number}"], expected=f"≤ {budget:.0f} 秒",
                    found=f"{elapsed:.0f} 秒"))
                break
            try:
                page, read, page_seals[page.number] = read_page(page, engine, faces, f)
            except Exception as exc:  # an image the decoders accepted but OpenCV/OCR cannot use
                log.warning("page %s#%d could not be read: %s", f.rel_path, page.number, exc)
                result.findings.append(Finding(code="DOC_UNREADABLE", severity=Severity.WARNING, confidence=0.9,
                                               message=f"第 {page.number} 页无法识别：{type(exc).__name__}",
                                               documents=[f"{f.rel_path}#{page.number}"]))
                continue
            result.pages.append(page)
            read_all.extend(read)
    with timing.stage("document assembly"):
        docs, doc_findings = assemble_documents(f, read_all, page_seals)
    with timing.stage("page facts"):
        result.pages = _photo_facts_of(result.pages, docs)
    result.documents = docs
    result.findings.extend(doc_findings)
    result.ocr_seconds = round(sum(t.seconds for d in docs for t in d.texts if t.engine != "text_layer"), 3)
    result.seconds = round(time.perf_counter() - t0, 3)
    if not over_budget:  # a cut-off file is read again on the next run, when it may fit
        with timing.stage("file cache"):
            cache.put(key, _paths_to(result, work_dir))
    return _with_name_findings(result)


def _photo_facts_of(pages: list[Page], docs: list[Document]) -> list[Page]:
    """Pages with the photo facts of every photo document's first region: read_page made
    them for the regions classified as photos; a photo region assembly typed otherwise
    (rare) is measured here, so the checks always find them stored."""
    from pipeline.page_facts import image_at, photo_look

    by_number = {p.number: p for p in pages}
    for doc in docs:
        if doc.type != DocType.PHOTO or not doc.texts:
            continue
        page = by_number.get(doc.texts[0].page)
        bbox = doc.texts[0].region.bbox
        if page is None or page.facts is None or page.facts.photo(bbox) is not None:
            continue
        image = image_at(page)
        if image is not None:
            facts = page.facts.model_copy(update={"photos": [*page.facts.photos, photo_look(image, bbox)]})
            by_number[page.number] = page.model_copy(update={"facts": facts})
    return [by_number[p.number] for p in pages]


def _paths_to(result: FileResult, work_dir: Path) -> FileResult:
    """The result as cached: page images relative to the work dir, so a re-run that
    reaches the work dir by another path (other working directory, mount, machine)
    still finds them."""
    root = Path(work_dir).absolute()

    def rel(path: str) -> str:
        p = Path(path).absolute()
        return p.relative_to(root).as_posix() if p.is_relative_to(root) else path

    return result.model_copy(update={"pages": [p.model_copy(update={"image_path": rel(p.image_path)})
                                               for p in result.pages]})


def _paths_from(result: FileResult, work_dir: Path) -> FileResult:
    """A cached result with its page images under this run's work dir."""
    root = Path(work_dir)
    return result.model_copy(update={"pages": [
        p.model_copy(update={"image_path": str(root / p.image_path)}) if not Path(p.image_path).is_absolute() else p
        for p in result.pages]})


def _with_name_findings(result: FileResult) -> FileResult:
    """Findings about the file's name, not its content: added after the content cache,
    which two files with the same bytes and other names share."""
    f = result.file
    if not result.pages or not extension_lies(f.declared_ext, f.kind):
        return result
    lie = Finding(code="FILE_TYPE_MISMATCH", severity=Severity.INFO, confidence=1.0,
                  message=f"文件扩展名为 {f.declared_ext}，实际内容为 {f.kind.value.upper()}（已按实际内容读取）",
                  documents=[f"{f.rel_path}#1"], expected=f.kind.value, found=f.declared_ext)
    return result.model_copy(update={"findings": [*result.findings, lie]})


def _rebase(result: FileResult, f: BatchFile) -> FileResult:
    """A cached result under the current file's path (the same bytes may sit elsewhere)."""
    old = result.file.rel_path
    if old == f.rel_path:
        return result.model_copy(update={"file": f})

    def fix_ref(ref: str) -> str:
        return f.rel_path + ref[len(old):] if ref.startswith(old + "#") else ref

    pages = [p.model_copy(update={"file": f.rel_path}) for p in result.pages]
    docs = [
        d.model_copy(update={"file": f.rel_path,
                             "texts": [t.model_copy(update={"file": f.rel_path}) for t in d.texts]})
        for d in result.documents
    ]
    findings = [x.model_copy(update={"documents": [fix_ref(r) for r in x.documents]}) for x in result.findings]
    return result.model_copy(update={"file": f, "pages": pages, "documents": docs, "findings": findings})


# ---------------------------------------------------------------- per applicant


def _photo_info(ctx: ApplicantContext) -> PhotoInfo | None:
    """The report's photo facts: size, background, colour and faces of the ID photo, as
    the reading stage stored them (no second decode or face search)."""
    from validators.photo import photo_document, stored_photo

    doc = photo_document(ctx)
    if doc is None:
        return None
    files = {f.rel_path: f for f in ctx.files}
    x0, y0, x1, y1 = doc.texts[0].region.bbox if doc.texts else (0, 0, 0, 0)
    info = PhotoInfo(file=doc.file, width_px=int(x1 - x0), height_px=int(y1 - y0),
                     file_bytes=files[doc.file].size if doc.file in files else None)
    look = stored_photo(ctx, doc)
    if look is not None:
        info = info.model_copy(update={"width_px": look.width_px, "height_px": look.height_px,
                                       "background": look.background, "color": look.color, "faces": look.faces})
    return info


def applicant_context(folder: ApplicantFolder, results: list[FileResult], profile: Profile,
                      batch_date: date, roster_row: RosterRow | None = None) -> ApplicantContext:
    """What the checks see of one applicant: documents with their fields extracted."""
    from extractors import extract_document

    with timing.stage("extraction"):
        docs = [extract_document(d) for r in results for d in r.documents]
    return ApplicantContext(key=folder.key, documents=docs, files=folder.files, profile=profile,
                            batch_date=batch_date, roster_row=roster_row,
                            pages=[p for r in results for p in r.pages])


def assess_applicant(ctx: ApplicantContext, results: list[FileResult], extra: list[Finding]) -> ApplicantResult:
    """Findings of one applicant (file, check and batch-check findings) and its decision."""
    from pipeline.identity import build_identity
    from validators import run_validators

    findings = [x for r in results for x in r.findings]
    if not ctx.files:
        findings.append(Finding(code="DOC_UNREADABLE", severity=Severity.WARNING, confidence=1.0,
                                message="申请人文件夹为空", subject="folder"))
    missing = sorted({p.file for p in ctx.pages if not Path(p.image_path).is_file()})
    if missing:  # the checks that look at pixels cannot run: say so, never stay silent
        findings.append(Finding(
            code="CHECK_FAILED", severity=Severity.INFO, confidence=1.0, subject="page_image",
            message=f"页面图像缺失，照片、印章、重复与篡改检查未能在这些文件上进行：{'、'.join(missing)}",
            documents=[f"{m}#1" for m in missing]))
    with timing.stage("validators"):
        findings.extend(run_validators(ctx))
    findings.extend(extra)
    with timing.stage("decision"):
        decision, risk, confidence = decide(findings, ctx.documents)
    with timing.stage("identity + photo facts"):
        identity, photo = build_identity(ctx), _photo_info(ctx)
    return ApplicantResult(
        key=ctx.key, decision=decision, risk=risk, confidence=confidence,
        identity=identity, documents=ctx.documents,
        photo=photo, findings=findings,
        pages=[p for r in results for p in r.pages],
        roster=dict(ctx.roster_row.values) if ctx.roster_row is not None else None,
    )


# ---------------------------------------------------------------- per batch


def _init_worker(ocr: str, threads: int) -> None:
    """Load the OCR engine once per worker process (get_engine caches it), not per file,
    with the cores shared out between the workers."""
    os.environ.setdefault("CERTRIAGE_OCR_THREADS", str(threads))
    from models.ocr import get_engine

    get_engine(ocr)


def _process_in_worker(args: tuple[BatchFile, Path, str, int]) -> FileResult:
    return process_file(*args)


def process_files(batch: Batch, opts: RunOptions, progress: Callable[[BatchFile], None] | None = None) -> dict[str, FileResult]:
    """Every file of the batch through `process_file`, in `opts.workers` processes."""
    files = [f for a in batch.applicants for f in a.files]
    results: dict[str, FileResult] = {}
    if opts.workers <= 1:
        for f in files:
            results[f.rel_path] = process_file(f, opts.work_dir, opts.ocr, opts.dpi)
            if progress:
                progress(f)
        return results
    ctx = get_context("spawn")  # onnxruntime and fork do not mix
    with ProcessPoolExecutor(max_workers=opts.workers, mp_context=ctx,
                             initializer=_init_worker,
                             initargs=(opts.ocr, max(1, (os.cpu_count() or 1) // opts.workers))) as pool:
        args = [(f, opts.work_dir, opts.ocr, opts.dpi) for f in files]
        for f, res in zip(files, pool.map(_process_in_worker, args), strict=True):
            results[f.rel_path] = res
            if progress:
                progress(f)
    return results


# What `assess_applicant` needs for one applicant: its context, file results and the
# findings from outside it (roster pairing, cross-applicant checks).
ApplicantWork = tuple[ApplicantContext, list[FileResult], list[Finding]]


def prepare_applicants(batch: Batch, results: dict[str, FileResult],
                       opts: RunOptions) -> tuple[list[ApplicantWork], list[Finding]]:
    """Roster pairing and the cross-applicant checks: each applicant's assessment input
    (independent of the others from here on, so a flow can fan them out) and the batch's
    own findings."""
    from pipeline.identity import foreign_cards
    from pipeline.roster import load_roster, pair_roster
    from validators import run_batch_validators

    profile = load_profile(opts.profile)
    batch_findings = list(batch.findings)
    rows: dict[str, RosterRow] = {}
    roster_findings: dict[str, list[Finding]] = {}
    if batch.roster_path:
        with timing.stage("roster"):
            roster = load_roster(Path(batch.roster_path), profile)
            rows, roster_findings, unpaired = pair_roster(roster, [a.key for a in batch.applicants], profile)
        batch_findings.extend(roster.findings + unpaired)
    per_file = {a.key: [results[f.rel_path] for f in a.files] for a in batch.applicants}
    contexts = [applicant_context(a, per_file[a.key], profile, opts.batch_date, rows.get(a.key))
                for a in batch.applicants]
    with timing.stage("batch validators"):
        foreign = foreign_cards(contexts)
        contexts = [c.model_copy(update={"foreign": foreign[c.key]}) if c.key in foreign else c for c in contexts]
        cross = run_batch_validators(contexts)
    work = [(ctx, per_file[ctx.key], roster_findings.get(ctx.key, []) + cross.get(ctx.key, []))
            for ctx in contexts]
    return work, batch_findings


def build_report(batch: Batch, results: dict[str, FileResult], opts: RunOptions, seconds: float) -> Report:
    """Per-applicant and batch checks over the read files, then the report."""
    work, batch_findings = prepare_applicants(batch, results, opts)
    applicants = [assess_applicant(*w) for w in work]
    return finish_report(batch, results, opts, applicants, batch_findings, seconds)


def finish_report(batch: Batch, results: dict[str, FileResult], opts: RunOptions,
                  applicants: list[ApplicantResult], batch_findings: list[Finding], seconds: float) -> Report:
    """The report from the assessed applicants (in batch order) and the batch findings."""
    stats = Stats(
        applicants=len(applicants),
        files=sum(len(a.files) for a in batch.applicants),
        pages=sum(len(r.pages) for r in results.values()),
        seconds=round(seconds, 2),
        ocr_seconds=round(sum(r.ocr_seconds for r in results.values()), 2),
    )
    return Report(profile=opts.profile, batch_date=opts.batch_date.isoformat(), stats=stats,
                  skipped=batch.skipped, findings=batch_findings, applicants=applicants)
