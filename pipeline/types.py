"""Data types that flow between the stages.

Data flows one way: files -> pages -> OCR lines -> classified documents -> fields ->
findings -> decision -> report. Each stage is a plain function from one of these
models to the next, so every stage can be tested without any orchestration.
Coordinates are always pixels of the page image as rendered, origin top-left.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field

from pipeline.contract import SCHEMA_VERSION

BBox = tuple[float, float, float, float]


class DocType(StrEnum):
    """The contract's document types (vocabulary.md)."""

    ID_CARD = "id_card"
    DIPLOMA = "diploma"
    DEGREE = "degree"
    SKILL_CERTIFICATE = "skill_certificate"
    TITLE_CERTIFICATE = "title_certificate"
    EXAMINER_CARD = "examiner_card"
    WORK_CERTIFICATE = "work_certificate"
    RECOMMENDATION_FORM = "recommendation_form"
    BUSINESS_LICENSE = "business_license"
    APPLICATION_LETTER = "application_letter"
    PHOTO = "photo"
    OTHER = "other"


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


class Decision(StrEnum):
    PASS = "pass"
    REVIEW = "review"
    REJECT = "reject"


class FileKind(StrEnum):
    """What a file really is, told from its first bytes, never from its name."""

    PDF = "pdf"
    JPEG = "jpeg"
    PNG = "png"
    TIFF = "tiff"
    BMP = "bmp"
    WEBP = "webp"
    GIF = "gif"
    ZIP = "zip"
    EMPTY = "empty"
    UNKNOWN = "unknown"


class FindingCode(StrEnum):
    """Every finding code certriage writes: the contract's vocabulary.md, and the
    additions the README lists (OCR_SLIP, REGION_NOT_ALLOWED, ORG_TYPE_NOT_ALLOWED,
    FILE_NAME_ENCODING, CHECK_FAILED). A misspelt code fails when the finding is made,
    not in a reviewer's filter."""

    DOC_MISSING = "DOC_MISSING"
    DOC_UNREADABLE = "DOC_UNREADABLE"
    DOC_UNCLASSIFIED = "DOC_UNCLASSIFIED"
    FIELD_MISSING = "FIELD_MISSING"
    LOW_CONFIDENCE = "LOW_CONFIDENCE"
    ID_NUMBER_INVALID = "ID_NUMBER_INVALID"
    USCC_INVALID = "USCC_INVALID"
    NAME_MISMATCH = "NAME_MISMATCH"
    ID_NUMBER_MISMATCH = "ID_NUMBER_MISMATCH"
    BIRTH_DATE_MISMATCH = "BIRTH_DATE_MISMATCH"
    GENDER_MISMATCH = "GENDER_MISMATCH"
    ORG_MISMATCH = "ORG_MISMATCH"
    ID_CARD_EXPIRED = "ID_CARD_EXPIRED"
    DATE_IMPLAUSIBLE = "DATE_IMPLAUSIBLE"
    CERT_NUMBER_INVALID = "CERT_NUMBER_INVALID"
    SEAL_MISSING = "SEAL_MISSING"
    SEAL_TEXT_MISMATCH = "SEAL_TEXT_MISMATCH"
    SEAL_SUSPICIOUS = "SEAL_SUSPICIOUS"
    PHOTO_MISSING = "PHOTO_MISSING"
    PHOTO_BACKGROUND = "PHOTO_BACKGROUND"
    PHOTO_NOT_COLOR = "PHOTO_NOT_COLOR"
    PHOTO_SIZE = "PHOTO_SIZE"
    PHOTO_FACE = "PHOTO_FACE"
    PHOTO_FILE_TOO_LARGE = "PHOTO_FILE_TOO_LARGE"
    LEVEL_INSUFFICIENT = "LEVEL_INSUFFICIENT"
    AGE_LIMIT = "AGE_LIMIT"
    WORK_YEARS_INSUFFICIENT = "WORK_YEARS_INSUFFICIENT"
    WORK_SUMMARY_TOO_SHORT = "WORK_SUMMARY_TOO_SHORT"
    TOO_MANY_OCCUPATIONS = "TOO_MANY_OCCUPATIONS"
    ROSTER_FIELD_MISSING = "ROSTER_FIELD_MISSING"
    ROSTER_VALUE_INVALID = "ROSTER_VALUE_INVALID"
    ROSTER_NO_FOLDER = "ROSTER_NO_FOLDER"
    FOLDER_NOT_IN_ROSTER = "FOLDER_NOT_IN_ROSTER"
    DUPLICATE_ID_IN_BATCH = "DUPLICATE_ID_IN_BATCH"
    DUPLICATE_PHOTO_IN_BATCH = "DUPLICATE_PHOTO_IN_BATCH"
    DUPLICATE_CERT_IN_BATCH = "DUPLICATE_CERT_IN_BATCH"
    DUPLICATE_FILE_IN_BATCH = "DUPLICATE_FILE_IN_BATCH"
    TAMPER_SUSPECTED = "TAMPER_SUSPECTED"
    FILE_TYPE_MISMATCH = "FILE_TYPE_MISMATCH"
    PAGE_BLANK = "PAGE_BLANK"
    BATCH_EMPTY = "BATCH_EMPTY"
    FILE_NAME_ENCODING = "FILE_NAME_ENCODING"
    OCR_SLIP = "OCR_SLIP"
    REGION_NOT_ALLOWED = "REGION_NOT_ALLOWED"
    ORG_TYPE_NOT_ALLOWED = "ORG_TYPE_NOT_ALLOWED"
    CHECK_FAILED = "CHECK_FAILED"


class Finding(BaseModel):
    """One finding of the report (contract: findings[])."""

    code: FindingCode
    severity: Severity
    message: str
    subject: str | None = None
    confidence: float | None = Field(default=None, ge=0, le=1)
    documents: list[str] = Field(default_factory=list)  # "<file>#<page>" references
    expected: Any = None
    found: Any = None
    evidence: list[str] = Field(default_factory=list)  # paths under <out>/evidence/


# ---------------------------------------------------------------- ingestion


class BatchFile(BaseModel):
    """One uploaded file of an applicant folder."""

    rel_path: str  # posix path relative to the batch root, e.g. "007_张三/scan.pdf"
    path: str  # where the bytes are on local disk now
    size: int
    sha256: str
    kind: FileKind
    declared_ext: str = ""  # lower-case extension from the name, for "lies about its type"


class ApplicantFolder(BaseModel):
    key: str  # folder name
    files: list[BatchFile] = Field(default_factory=list)


class Skipped(BaseModel):
    path: str
    reason: str


class Batch(BaseModel):
    """A batch as ingested: applicant folders, roster, what was skipped and why."""

    source: str  # what the user pointed at (folder, zip, s3://...)
    root: str  # local folder holding the batch (an extraction dir for zips)
    roster_path: str | None = None
    applicants: list[ApplicantFolder] = Field(default_factory=list)
    skipped: list[Skipped] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)  # batch-level (zip refused entries...)


# ---------------------------------------------------------------- pages and OCR


class OcrLine(BaseModel):
    text: str
    confidence: float = Field(ge=0, le=1)
    bbox: BBox  # axis-aligned box in page pixels
    polygon: list[tuple[float, float]] | None = None


class Region(BaseModel):
    """A part of a page that holds one document (a whole page, one piece of a long
    image, one side of an ID card photocopy)."""

    bbox: BBox  # in page pixels
    kind: str = "page"  # page | long_image_part | id_side | content_part


class InkStats(BaseModel):
    """A seal's ink as `pipeline.seals.ink_stats` measured it when its page was read, so
    the seal check judges a pasted seal without decoding the page again."""

    pixels: float
    std: float
    mean_l: float
    edge_width: float | None = None  # None: no outline to measure (NaN, which JSON cannot hold)


class GridScore(BaseModel):
    """One text line's JPEG-grid score (validators.tampering.score_line), computed once
    when the file is read from the uploaded JPEG's own pixels."""

    bbox: BBox
    ratio: float
    grid: tuple[int, int]
    energy: float


class RegionLook(BaseModel):
    """What the duplicate-page check compares of one region: its perceptual hash and a
    128x128 grey copy (uint8, base64), made while the page is in memory."""

    bbox: BBox
    phash: str  # imagehash hex
    thumb: str  # base64 of 128x128 uint8 grey (cv2 INTER_AREA)


class PhotoLook(BaseModel):
    """The facts of a photo region (validators.photo.photo_facts and the duplicate-photo
    hash), made once while its page is in memory: the checks and the report read them."""

    bbox: BBox
    width_px: int
    height_px: int
    background: str
    color: bool
    faces: int
    face_boxes: list[BBox] = Field(default_factory=list)
    phash: str  # imagehash hex of the photo
    thumb: str  # base64 of 64x64 uint8 grey (cv2 INTER_AREA)


class PageFacts(BaseModel):
    """Every fact about a page the checks need, computed once by the reading stage and
    cached with the page: checks read these and never decode the page again."""

    grey: bool = False  # pipeline.seals.is_grey: no colour (a photocopy)
    seals: list[Seal] = Field(default_factory=list)  # seals found on the whole page (with ink stats)
    # Per-line JPEG-grid scores; None when the page is not the upload's own JPEG pixels.
    jpeg_grid: list[GridScore] | None = None
    regions: list[RegionLook] = Field(default_factory=list)
    photos: list[PhotoLook] = Field(default_factory=list)

    def region(self, bbox: BBox) -> RegionLook | None:
        return next((r for r in self.regions if tuple(r.bbox) == tuple(bbox)), None)

    def photo(self, bbox: BBox) -> PhotoLook | None:
        return next((p for p in self.photos if tuple(p.bbox) == tuple(bbox)), None)


class Page(BaseModel):
    """One page of a file, rendered upright as an image under the work folder."""

    file: str  # BatchFile.rel_path
    number: int  # 1-based page number within the file
    image_path: str  # PNG of the upright page
    width: int
    height: int
    dpi: int | None = None
    rotation: int = 0  # degrees clockwise applied to make the page upright
    source: str = "image"  # image | pdf_render | pdf_text
    text_layer: list[OcrLine] = Field(default_factory=list)  # from the PDF, page pixels
    regions: list[Region] = Field(default_factory=list)
    facts: PageFacts | None = None  # filled by the reading stage (pipeline.page_facts)


class PageText(BaseModel):
    """The text read on one region of a page."""

    file: str
    page: int
    region: Region
    lines: list[OcrLine] = Field(default_factory=list)
    engine: str  # "rapidocr" | "paddleocr" | "text_layer"
    seconds: float = 0.0

    @property
    def text(self) -> str:
        return "\n".join(line.text for line in self.lines)


# ---------------------------------------------------------------- documents


class FieldValue(BaseModel):
    value: Any
    confidence: float = Field(ge=0, le=1)
    page: int | None = None
    bbox: BBox | None = None


class Seal(BaseModel):
    page: int
    bbox: BBox | None
    shape: str | None = None  # round | oval | square | other
    color: str | None = None  # red | blue | black | other
    text: str | None = None  # the ring text: the organisation, as OCR read it
    confidence: float = Field(ge=0, le=1)
    text_confidence: float | None = None  # the recogniser's score of `text`
    inner_text: str | None = None  # horizontal text inside: 人事专用章, a number
    code: str | None = None  # the seal's code (13 digits on many seals) along the bottom of the ring
    ink: InkStats | None = None  # measured when the page was read (pipeline.page_facts)


class Classification(BaseModel):
    type: DocType
    confidence: float = Field(ge=0, le=1)
    scores: dict[str, float] = Field(default_factory=dict)
    cues: list[str] = Field(default_factory=list)  # why: keywords and look cues seen


class Document(BaseModel):
    """A classified document: one or more regions of one file."""

    file: str
    pages: list[int]
    type: DocType
    type_confidence: float = Field(ge=0, le=1)
    texts: list[PageText] = Field(default_factory=list)
    fields: dict[str, FieldValue] = Field(default_factory=dict)
    seals: list[Seal] = Field(default_factory=list)
    cues: list[str] = Field(default_factory=list)

    @property
    def ref(self) -> str:
        return f"{self.file}#{self.pages[0] if self.pages else 1}"

    @property
    def text(self) -> str:
        return "\n".join(t.text for t in self.texts)


class FileResult(BaseModel):
    """Everything one file turned into: its pages, documents and file-level findings."""

    file: BatchFile
    pages: list[Page] = Field(default_factory=list)
    documents: list[Document] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    seconds: float = 0.0
    ocr_seconds: float = 0.0


class PhotoInfo(BaseModel):
    file: str
    width_px: int
    height_px: int
    background: str | None = None
    color: bool | None = None
    faces: int | None = None
    file_bytes: int | None = None


class ApplicantResult(BaseModel):
    key: str
    decision: Decision
    risk: float = Field(ge=0, le=1)
    confidence: float = Field(ge=0, le=1)
    identity: dict[str, Any] = Field(default_factory=dict)
    documents: list[Document] = Field(default_factory=list)
    photo: PhotoInfo | None = None
    findings: list[Finding] = Field(default_factory=list)
    pages: list[Page] = Field(default_factory=list)  # for thumbnails and overlays
    roster: dict[str, str] | None = None  # the applicant's roster row, column -> cell text


class Stats(BaseModel):
    applicants: int
    files: int
    pages: int
    seconds: float
    ocr_seconds: float = 0.0


class Report(BaseModel):
    schema_version: str = SCHEMA_VERSION
    profile: str
    batch_date: str
    stats: Stats
    skipped: list[Skipped] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)  # batch-level
    applicants: list[ApplicantResult] = Field(default_factory=list)


# PageFacts names Seal, defined after it above: resolve the forward references now.
PageFacts.model_rebuild()
Page.model_rebuild()
