"""Label -> value pairing by position, and prose with its lines, over a document's OCR.

Why positions: certificates print `label value` on one row (OCR may return one line
`性别女` or two boxes), forms are real tables whose value is the next cell to the right
(sometimes wrapped onto several lines, or a paragraph beside a tall label), and letters
are prose. The helpers here find a label, then the value next to it, and keep the lines
used so a field carries a box and a confidence that come from what was actually read.
"""

from __future__ import annotations

import math
import re
import statistics
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from models.ocr import normalize_text
from pipeline.types import BBox, Document, FieldValue, OcrLine


@dataclass
class Line:
    """One OCR line with the page it sits on and which region (text) it came from."""

    text: str
    conf: float
    bbox: BBox
    page: int
    region: int
    idx: int
    tight: bool = False  # a text-layer box: exactly the glyphs' height (OCR boxes are looser)
    box: BBox | None = None  # the box as read on the page, for evidence (bbox may be deskewed)
    # (character index, its x) where boxes were joined (名 | 称广州…): known glyph starts
    anchors: tuple[tuple[int, float], ...] = ()

    @property
    def evidence(self) -> BBox:
        return self.box if self.box is not None else self.bbox

    @property
    def h(self) -> float:
        return max(1.0, self.bbox[3] - self.bbox[1])

    @property
    def cy(self) -> float:
        return (self.bbox[1] + self.bbox[3]) / 2

    def x_at(self, i: int) -> float:
        """Estimated x of character i (a Chinese character is about twice as wide as a
        digit or Latin letter; gaps inside the line are not known)."""
        w = [1.0 if ord(c) > 0x2E80 else 0.55 for c in self.text] or [1.0]
        points = [(0, self.bbox[0]), *sorted(a for a in self.anchors if 0 < a[0] < len(w)), (len(w), self.bbox[2])]
        for (k0, x0), (k1, x1) in zip(points, points[1:], strict=False):
            if k0 <= i <= k1:
                return x0 + (x1 - x0) * sum(w[k0:i]) / (sum(w[k0:k1]) or 1.0)
        return self.bbox[2]


@dataclass
class Hit:
    """A value as read: text, the lines it came from and a quality of the pairing."""

    text: str
    lines: list[Line] = field(default_factory=list)
    quality: float = 1.0

    @property
    def conf(self) -> float:
        return min((ln.conf for ln in self.lines), default=0.0) if self.lines else 0.0


def _inside(a: BBox, b: BBox, tol: float = 2.0) -> bool:
    return a[0] >= b[0] - tol and a[1] >= b[1] - tol and a[2] <= b[2] + tol and a[3] <= b[3] + tol


def union(lines: Sequence[Line], evidence: bool = False) -> BBox | None:
    """The box around the lines: in layout coordinates, or (`evidence`) on the page."""
    if not lines:
        return None
    boxes = [ln.evidence if evidence else ln.bbox for ln in lines]
    return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))


CELL_REACH = 6.0  # a value starts at most this many (OCR) line heights right of its label
TABLE_CELL_REACH = 20.0  # in a form's table: a value may be centred in a wide cell
TIGHT_HEIGHT = 1.45  # an OCR box is about this much taller than a text layer's glyph box
MIN_SKEW_DEGREES = 0.6  # below this a region is read as it is
SKEW_LINE_ASPECT = 4.0  # lines at least this much longer than tall tell the skew


def _edge_angle(poly: Sequence[tuple[float, float]]) -> tuple[float, float, float] | None:
    """(angle in degrees within +-45, length, thickness) of a line polygon: the angle and
    length of its longest edge, the thickness its shortest edge."""
    edges = []
    for i in range(len(poly)):
        (xa, ya), (xb, yb) = poly[i], poly[(i + 1) % len(poly)]
        dx, dy = xb - xa, yb - ya
        if dx < 0:
            dx, dy = -dx, -dy
        edges.append(((dx * dx + dy * dy) ** 0.5, dx, dy))
    length, dx, dy = max(edges)
    angle = math.degrees(math.atan2(dy, dx)) if dx else 90.0
    if abs(angle) > 45:
        return None
    return angle, length, min(e[0] for e in edges)


def region_skew(lines: Sequence[OcrLine]) -> float:
    """The tilt of a region's text in degrees (positive: lines climb down to the right),
    from the slant of its long lines' polygons; 0 when too few lines say. A phone photo
    of a form is often turned a few degrees, and then a long line's box reaches into the
    next row."""
    angles: list[tuple[float, float]] = []
    for ln in lines:
        if not ln.polygon or len(ln.polygon) < 4:
            continue
        got = _edge_angle(ln.polygon)
        if got is not None and got[1] >= SKEW_LINE_ASPECT * max(1.0, got[2]):
            angles.append((got[0], got[1]))
    if len(angles) < 3:
        return 0.0
    angles.sort()
    total = sum(w for _a, w in angles)
    acc = 0.0
    for a, w in angles:  # the length-weighted median
        acc += w
        if acc >= total / 2:
            return a
    return 0.0


def _deskewed_box(ln: OcrLine, skew: float, centre: tuple[float, float]) -> BBox:
    """The line's box with the region's tilt turned back (about `centre`)."""
    t = math.radians(skew)
    c, s_ = math.cos(t), math.sin(t)
    cx, cy = centre
    pts = ln.polygon if ln.polygon and len(ln.polygon) >= 3 else [
        (ln.bbox[0], ln.bbox[1]), (ln.bbox[2], ln.bbox[1]), (ln.bbox[2], ln.bbox[3]), (ln.bbox[0], ln.bbox[3])]
    xs = [cx + (x - cx) * c + (y - cy) * s_ for x, y in pts]
    ys = [cy - (x - cx) * s_ + (y - cy) * c for x, y in pts]
    return (min(xs), min(ys), max(xs), max(ys))


def field_value(value: object, lines: Sequence[Line], quality: float = 1.0) -> FieldValue:
    """A field from the lines it was read on: OCR confidence (mean, pulled toward the
    weakest line) times the value's own validation quality."""
    if lines:
        confs = [ln.conf for ln in lines]
        ocr = 0.5 * (sum(confs) / len(confs)) + 0.5 * min(confs)
        page = lines[0].page
        same_page = [ln for ln in lines if ln.page == page]
        bbox = union(same_page, evidence=True)
        bbox = tuple(round(v, 1) for v in bbox) if bbox else None  # type: ignore[assignment]
    else:
        ocr, page, bbox = 0.9, None, None
    conf = max(0.0, min(1.0, ocr * quality))
    return FieldValue(value=value, confidence=round(conf, 3), page=page, bbox=bbox)


# Two-character label words a letter-spaced label splits into `姓` + `名秦宜美` (the second
# character and the value in one box): only these are joined, so a value of one character
# (男) and the next cell's label are never run together.
SPACED_LABEL_HEADS = frozenset(
    "姓名 性别 民族 出生 住址 专业 级别 等级 职业 工种 名称 地址 单位 日期 编号 职务 职称 学历 年龄 电话 类型 住所 期限".split())
# A seal or signature mark printed in a value's place: (盖章) is not the value.
MARK = re.compile(r"^[(\[]?(?:盖章|签字|签章|公章|签名|印章|盖公章|单位盖章|签字盖章)[)\]]?")
# Check boxes and other symbols OCR reads in the gap of a letter-spaced label (姓☑名).
_SYMBOL_IN_WORD = re.compile(r"(?<=[\u4e00-\u9fff])[\u2190-\u2bff]+(?=[\u4e00-\u9fff])")
# A space OCR puts before or inside a bracket of a label: 申报职业 (工种) -> 申报职业(工种).
_SPACE_AT_BRACKET = re.compile(r"(?<=[\u4e00-\u9fff])\s+(?=\()|(?<=\()\s+|\s+(?=\))")


def _seam_overlap(left: Line, right: Line, text: str) -> int:
    """How many leading characters of `right` repeat the end of `text`, read twice
    where the detector cut one line into two overlapping boxes (有效期限2 | 2020.04.17-…):
    the overlap must be at least half a character wide and the characters equal."""
    overlap = left.bbox[2] - right.bbox[0]
    if overlap <= 0 or not left.text or not right.text:
        return 0
    char_w = (left.bbox[2] - left.bbox[0]) / max(len(left.text), 1)
    n = min(int(overlap / char_w + 0.5), len(right.text), len(text))
    for k in range(n, 0, -1):
        if text.endswith(right.text[:k]):
            return k
    return 0


class DocLayout:
    """All lines of a document with position queries inside each region."""

    def __init__(self, doc: Document, cell_reach: float = CELL_REACH) -> None:
        """`cell_reach`: how far right of its label (in line heights) a value may start;
        forms pass TABLE_CELL_REACH, as their values may be centred in wide cells."""
        self.cell_reach = cell_reach
        self.lines: list[Line] = []
        for r, t in enumerate(doc.texts):
            # A tilted capture is read in the frame of its text: rows and columns are
            # compared on boxes with the tilt turned back; evidence keeps the page's boxes.
            skew = region_skew(t.lines) if t.engine != "text_layer" else 0.0
            rb = t.region.bbox
            centre = ((rb[0] + rb[2]) / 2, (rb[1] + rb[3]) / 2)
            for ln in t.lines:
                text = _SPACE_AT_BRACKET.sub("", _SYMBOL_IN_WORD.sub("", normalize_text(ln.text)))  # text-layer lines come unnormalised
                if not text:
                    continue
                box = tuple(ln.bbox)
                geo = _deskewed_box(ln, skew, centre) if abs(skew) >= MIN_SKEW_DEGREES else box
                self.lines.append(Line(text, float(ln.confidence), geo, t.page, r, len(self.lines),
                                       t.engine == "text_layer", box))
        self._merge_spaced_labels()
        self.seal_texts = [s.text for s in doc.seals if s.text]

    def _merge_spaced_labels(self) -> None:
        """Letter-spaced labels (名        称, 姓        名：) come back as one box per
        character: a single Chinese character and a single one (colon allowed) just right
        of it on the row become one line."""
        single = re.compile(r"^[\u4e00-\u9fff]$")
        tail = re.compile(r"^[\u4e00-\u9fff]:?$")
        merged: set[int] = set()
        for a in self.lines:
            if a.idx in merged or not single.match(a.text):
                continue
            for b in self.lines:
                if (b is a or b.idx in merged or b.region != a.region or not self.same_row(a, b)
                        or not (tail.match(b.text) or a.text + b.text[:1] in SPACED_LABEL_HEADS)):
                    continue
                gap = b.bbox[0] - a.bbox[2]
                # a box holding the second character and the value may overlap the first;
                # a known label word may be spread over the whole label column (名    称)
                head = a.text + b.text[:1] in SPACED_LABEL_HEADS
                lo = -0.6 if len(b.text) > 1 else -0.2
                if lo * a.h <= gap <= (8 if head else 3) * a.h:
                    if gap > 0:  # where b's glyphs start is known, not to be spread evenly
                        a.anchors = (*a.anchors, (len(a.text), b.bbox[0]),
                                     *((k + len(a.text), x) for k, x in b.anchors))
                    a.text += b.text
                    a.box = union([a, b], evidence=True)
                    a.bbox = (a.bbox[0], min(a.bbox[1], b.bbox[1]), b.bbox[2], max(a.bbox[3], b.bbox[3]))
                    a.conf = min(a.conf, b.conf)
                    merged.add(b.idx)
                    break
        # A spread label whose glyphs OCR bound to its neighbours (…教育咨住 | 所广东省…): the
        # first glyph ends the box on its left, the second starts the value's box. The
        # glyph goes back to its label, so the value's box reads 住所广东省….
        for a in self.lines:
            if a.idx in merged or len(a.text) < 2:
                continue
            for b in self.lines:
                if (b is a or b.idx in merged or len(b.text) < 2 or a.text[-1] + b.text[0] not in SPACED_LABEL_HEADS
                        or not self.same_row(a, b) or not 0 <= b.bbox[0] - a.bbox[2] <= 2 * a.h):
                    continue
                w = (a.bbox[2] - a.bbox[0]) / len(a.text)
                b.anchors = ((1, b.bbox[0]), *((k + 1, x) for k, x in b.anchors))
                b.text = a.text[-1] + b.text
                b.bbox = (b.bbox[0] - w, b.bbox[1], b.bbox[2], b.bbox[3])
                a.text = a.text[:-1]
                a.bbox = (a.bbox[0], a.bbox[1], a.bbox[2] - w, a.bbox[3])
                break
        # Vertical labels (工/作/简/介 stacked in a narrow cell): one line per character.
        for a in self.lines:
            if a.idx in merged or not single.match(a.text):
                continue
            cur = a
            while True:
                nxt = next((b for b in self.lines if b.idx not in merged and b is not a and single.match(b.text)
                            and b.region == a.region and abs(b.bbox[0] - cur.bbox[0]) <= 0.3 * cur.h
                            and 0.5 * cur.h < b.cy - cur.cy <= 1.6 * cur.h), None)
                if nxt is None:
                    break
                a.text += nxt.text
                a.box = union([a, nxt], evidence=True)
                a.bbox = (min(a.bbox[0], nxt.bbox[0]), a.bbox[1], max(a.bbox[2], nxt.bbox[2]), nxt.bbox[3])
                a.conf = min(a.conf, nxt.conf)
                merged.add(nxt.idx)
                cur = nxt
        if merged:
            self.lines = [ln for ln in self.lines if ln.idx not in merged]

    # ------------------------------------------------------------ geometry

    def same_row(self, a: Line, b: Line) -> bool:
        if a.region != b.region:
            return False
        overlap = min(a.bbox[3], b.bbox[3]) - max(a.bbox[1], b.bbox[1])
        if overlap >= 0.4 * min(a.h, b.h):
            return True
        return a.bbox[1] <= b.cy <= a.bbox[3] or b.bbox[1] <= a.cy <= b.bbox[3]

    def right_of(self, a: Line, x_from: float | None = None, relaxed: bool = False) -> list[Line]:
        """Lines on a's row to the right of x_from (default: a's right edge), nearest
        first. `relaxed`: also lines of a two-line value centred on the label's row."""
        x = a.bbox[2] if x_from is None else x_from

        def row(b: Line) -> bool:
            if relaxed:
                return b.region == a.region and a.bbox[1] - 0.9 * a.h <= b.cy <= a.bbox[3] + 0.9 * a.h
            return self.same_row(a, b)

        out = [b for b in self.lines if b is not a and row(b) and b.bbox[0] >= x - 1.0 * a.h
               and (b.bbox[0] + b.bbox[2]) / 2 > x]
        return sorted(out, key=lambda b: b.bbox[0])

    def below(self, a: Line, x0: float | None = None, max_gap: float = 2.2) -> Line | None:
        """The nearest line under a, starting where a starts (a value printed under its
        label), within max_gap lines."""
        left = a.bbox[0] if x0 is None else x0
        cands = [b for b in self.lines if b.region == a.region and b is not a and b.cy > a.bbox[3] - 0.2 * a.h
                 and abs(b.bbox[0] - left) <= 2 * a.h and b.cy - a.cy <= max_gap * a.h]
        return min(cands, key=lambda b: b.cy, default=None)

    def continuation(self, first: Line, x0: float, stop: re.Pattern[str] | None, max_lines: int = 4,
                     loose: bool = False) -> list[Line]:
        """Wrapped lines under a value that started at x0: same column, the pitch of
        wrapped text (about one box height, taken as the mean of the two boxes: a short
        tail such as 号8楼 comes back in a taller box; the next table row is further down).
        `loose`: x0 is only an estimate (a label found inside a longer line)."""
        out: list[Line] = []
        cur = first
        lo, hi = (1.2, 4.0) if loose else (0.6, 0.6)
        pitch = 1.5 if first.tight else 1.25
        for _ in range(max_lines):
            cands = [b for b in self.lines if b.region == cur.region and b is not cur and b not in out
                     and 0.4 * min(cur.h, b.h) < b.cy - cur.cy <= pitch * (cur.h + b.h) / 2
                     and x0 - lo * cur.h <= b.bbox[0] <= x0 + hi * cur.h]
            if not cands:
                break
            nxt = min(cands, key=lambda b: b.cy)
            if stop is not None and stop.match(nxt.text):
                break
            out.append(nxt)
            cur = nxt
        return out

    # ------------------------------------------------------------ labels

    def find(self, label: str, anywhere: bool = False) -> list[tuple[Line, int, int]]:
        """Lines holding the label: (line, start, end of the label in its text)."""
        pat = re.compile(label)
        out = []
        for ln in self.lines:
            m = pat.match(ln.text) if not anywhere else pat.search(ln.text)
            if m:
                out.append((ln, m.start(), m.end()))
        if not out:
            out = self._wrapped_label(pat)
        return out

    def _wrapped_label(self, pat: re.Pattern[str]) -> list[tuple[Line, int, int]]:
        """A label wrapped in its narrow cell (申报考评 / 职业工种, 申报职 / 业): a line and
        the line just under it, in the same column, read together as the label. The pair
        becomes one line (both boxes), so the value is looked for right of the whole cell
        and the label's second half never ends up in the value."""
        out = []
        for a in self.lines:
            if len(a.text) > 12:
                continue
            for b in self.lines:
                if (b is a or b.region != a.region or len(b.text) > 12
                        or not 0.5 * a.h < b.cy - a.cy <= 1.8 * max(a.h, b.h)
                        or min(a.bbox[2], b.bbox[2]) - max(a.bbox[0], b.bbox[0]) < 0.3 * min(
                            a.bbox[2] - a.bbox[0], b.bbox[2] - b.bbox[0])):
                    continue
                text = a.text + b.text
                m = pat.match(text)
                if m and m.end() > len(a.text):
                    box = union([a, b])
                    assert box is not None
                    out.append((Line(text, min(a.conf, b.conf), box, a.page, a.region, a.idx, a.tight,
                                     union([a, b], evidence=True)),
                                m.start(), m.end()))
        return out

    def value(self, labels: Sequence[str], stop: re.Pattern[str] | None = None, *, multiline: bool = False,
              join_row: bool = False, anywhere: bool = False, below: bool = True,
              accept: re.Pattern[str] | None = None, inline: re.Pattern[str] | None = None) -> Hit | None:
        """The value printed for the first label (in order) that has one; see `hits`."""
        for hit in self.hits(labels, stop, multiline=multiline, join_row=join_row, anywhere=anywhere, below=below,
                             inline=inline):
            if accept is None or accept.search(hit.text):
                return hit
        return None

    def hits(self, labels: Sequence[str], stop: re.Pattern[str] | None = None, *, multiline: bool = False,
             join_row: bool = False, anywhere: bool = False, below: bool = True,
             inline: re.Pattern[str] | None = None) -> Iterator[Hit]:
        """Candidate values for the labels, best first (labels in order, then lines top
        to bottom), so a caller can skip one its converter rejects (the title line
        职业技能等级证书 also starts with the label 职业技能等级).

        `stop` matches text that starts another label (a value cell that holds only
        another label is empty). `inline` (default `stop`) is what cuts a value inside
        its own OCR line: only labels distinctive enough not to occur inside values
        (性别男民族汉 -> 男).
        """
        for label in labels:
            for ln, s, e in self.find(label, anywhere):
                yield from self.hits_at(ln, e, stop, multiline=multiline, join_row=join_row, below=below,
                                        inline=inline, loose=s > 0)

    def hits_at(self, ln: Line, end: int, stop: re.Pattern[str] | None = None, *, multiline: bool = False,
                join_row: bool = False, below: bool = True, inline: re.Pattern[str] | None = None,
                loose: bool = False) -> Iterator[Hit]:
        """Candidate values for a label found on `ln`, ending at `end` of its text."""
        hit = self._value_at(ln, end, stop, inline or stop, multiline, join_row, below, loose=loose)
        if hit and hit.text:
            yield hit
        if below and hit is not None and hit.quality == 1.0:
            # What the caller rejects beside the label (a seal's stray 省) may
            # leave the value printed under it (发证机关 / 四川省人力资源和社会保障厅).
            b = self.below(ln)
            if (b is not None and b not in hit.lines and not MARK.fullmatch(b.text)
                    and not (stop is not None and stop.match(b.text))):
                yield Hit(b.text, [b], 0.85)

    def _value_at(self, ln: Line, end: int, stop: re.Pattern[str] | None, inline: re.Pattern[str] | None,
                  multiline: bool, join_row: bool, below: bool, loose: bool = False) -> Hit | None:
        rest = re.sub(r"^[\s:;,.]+", "", ln.text[end:])
        rest = re.sub(r"^[\s:;,.]+", "", MARK.sub("", rest))  # 发证机关(盖章): the value is elsewhere
        if inline is not None:
            m = inline.search(rest)
            if m and m.start() > 0:
                rest = rest[: m.start()]
            elif m and m.start() == 0:
                return None
        if rest.strip():
            lines = [ln]
            text = rest.strip()
            x0 = ln.x_at(len(ln.text) - len(ln.text[end:].lstrip(" :;,.")))
            if join_row:
                text, extra = self._join_right(ln, text, stop)
                lines += extra
            if multiline:
                more = self.continuation(ln, x0, stop, loose=True)
                lines += more
                text += "".join(b.text for b in more)
            return Hit(text, lines, 1.0)
        right = [b for b in self.right_of(ln) if not MARK.fullmatch(b.text)]
        reach = self.cell_reach * ln.h * (TIGHT_HEIGHT if ln.tight else 1.0)
        if not right or right[0].bbox[0] - ln.bbox[2] > reach:
            right = [b for b in self.right_of(ln, relaxed=True) if not MARK.fullmatch(b.text)] or right
        if right:
            # A wrapped value cell: of the lines starting at the cell's left edge, the top one.
            col = [b for b in right if b.bbox[0] - right[0].bbox[0] <= 1.0 * ln.h]
            v = min(col, key=lambda b: b.cy)
            if v.bbox[0] - ln.bbox[2] <= reach and not (stop is not None and stop.match(v.text)):
                lines = [v]
                text = v.text
                if join_row:
                    text, extra = self._join_right(v, text, stop)
                    lines += extra
                if multiline:
                    more = self.continuation(v, v.bbox[0], stop)
                    lines += more
                    text += "".join(b.text for b in more)
                return Hit(text, lines, 1.0)
            if stop is not None and stop.match(v.text):
                return None  # an empty cell: the next cell is another label
        if below:
            b = self.below(ln)
            if b is not None and not (stop is not None and stop.match(b.text)):
                return Hit(b.text, [b], 0.85)
        return None

    def _join_right(self, v: Line, text: str, stop: re.Pattern[str] | None) -> tuple[str, list[Line]]:
        extra: list[Line] = []
        cur = v
        for nxt in self.right_of(v):
            if nxt.bbox[0] - cur.bbox[2] > 2.0 * cur.h or (stop is not None and stop.match(nxt.text)):
                break
            extra.append(nxt)
            text += nxt.text[_seam_overlap(cur, nxt, text):]
            cur = nxt
        return text, extra

    def paragraph_beside(self, label_lines: Sequence[Line], min_chars: int = 20,
                         exclude: Sequence[BBox] = ()) -> Hit | None:
        """The paragraph in the cell right of a (tall) label: the block of lines whose
        left edges sit just right of the label column, split from other cells' text by
        a vertical gap clearly wider (x1.5) than the block's own line pitch."""
        if not label_lines:
            return None
        lab = label_lines[0]
        lab_x1 = max(x.bbox[2] for x in label_lines)
        lab_y0 = min(x.bbox[1] for x in label_lines)
        lab_y1 = max(x.bbox[3] for x in label_lines)
        # A tall (vertical) label says nothing of the text size: use the region's lines.
        h = statistics.median([b.h for b in self.lines if b.region == lab.region])
        col = [b for b in self.lines if b.region == lab.region and b.bbox[0] >= lab_x1 - 10
               and b.bbox[0] <= lab_x1 + 8 * h and b not in label_lines
               and not any(_inside(b.evidence, box) for box in exclude)]
        if not col:
            return None
        col.sort(key=lambda b: b.cy)
        # The paragraph's own pitch, from its long lines (short value cells above and
        # below sit a table row apart, which must not set the scale).
        wmax = max(b.bbox[2] - b.bbox[0] for b in col)
        long = [b for b in col if b.bbox[2] - b.bbox[0] >= 0.75 * wmax]
        gaps = [b.cy - a.cy for a, b in zip(long, long[1:], strict=False)]
        pitch = statistics.median([g for g in gaps if g > 0.3 * h] or [h])
        blocks: list[list[Line]] = [[col[0]]]
        for a, b in zip(col, col[1:], strict=False):
            if b.cy - a.cy > 1.5 * pitch:
                blocks.append([b])
            else:
                blocks[-1].append(b)
        mid = (lab_y0 + lab_y1) / 2

        def score(bl: list[Line]) -> tuple[float, int]:
            y0, y1 = bl[0].bbox[1], bl[-1].bbox[3]
            dist = 0.0 if y0 <= mid <= y1 else min(abs(mid - y0), abs(mid - y1))
            return dist, -sum(len(x.text) for x in bl)

        block = min(blocks, key=score)
        if score(block)[0] > 4 * pitch:
            return None
        text = "".join(b.text for b in block)
        if len(text) < min_chars:
            return None
        return Hit(text, block, 1.0)

    # ------------------------------------------------------------ prose

    def prose(self) -> Prose:
        return Prose(self.lines)


class Prose:
    """The document's lines joined into one string, each character mapped to its line,
    so a regex over running text (a sentence wrapped over lines) keeps its boxes."""

    def __init__(self, lines: Sequence[Line]) -> None:
        self.lines = list(lines)
        parts: list[str] = []
        self.owner: list[int] = []
        for i, ln in enumerate(self.lines):
            parts.append(ln.text)
            self.owner.extend([i] * len(ln.text))
            parts.append("\n")
            self.owner.append(i)
        self.text = "".join(parts)
        # A flat version without line breaks, for sentences that wrap.
        self.flat_owner = [o for o, c in zip(self.owner, self.text, strict=True) if c != "\n"]
        self.flat = self.text.replace("\n", "")

    def lines_of(self, start: int, end: int, flat: bool = True) -> list[Line]:
        owner = self.flat_owner if flat else self.owner
        idx = sorted(set(owner[max(0, start):max(start + 1, end)]))
        return [self.lines[i] for i in idx]

    def search(self, pattern: str | re.Pattern[str], group: int = 1, flat: bool = True) -> Hit | None:
        text = self.flat if flat else self.text
        m = re.search(pattern, text)
        if not m or m.group(group) is None:
            return None
        return Hit(m.group(group).strip(), self.lines_of(m.start(group), m.end(group), flat))
