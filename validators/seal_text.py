"""SEAL_TEXT_MISMATCH: the seal on a document names another organisation than the one
that issued it (a borrowed seal, a form stamped by a friend's company).

The ring text is read by OCR on the unwrapped seal (`pipeline.seals.read_seal_text`, in
the runner). Curved, small, often faded text reads with gaps and slips, so the check
is lenient on purpose: the reading is compared with the issuing organisation (employer
on a work certificate or form, school on a diploma, issuer on a certificate) by the
best of

- `same_org` (abbreviations, one name inside the other),
- character overlap after trying every rotation of the reading (the start of a ring's
  text is a guess: the widest gap in the ink),

and a finding is raised only when the reading is confident and shares little with the
name (a short reading whose characters fit the name in order is a partial ring, not
another name), or when a sure reading is a look-alike: the same city and trade around another
trade name (珠海恒通电子 for 珠海明德电子). An unread seal is never a mismatch.
"""

from __future__ import annotations

from pipeline.context import ApplicantContext
from pipeline.messages import DOC_TYPE_NAMES
from pipeline.types import DocType, Document, Finding, Seal, Severity
from validators.common import clean_org, distance, field_sources, finding, same_org

# Which field names the organisation whose seal a document should bear.
ISSUER_FIELDS: dict[DocType, tuple[str, ...]] = {
    DocType.WORK_CERTIFICATE: ("employer",),
    DocType.RECOMMENDATION_FORM: ("employer", "org_name"),
    DocType.APPLICATION_LETTER: ("issuer", "org_name", "employer"),  # a 推荐函 bears its issuer's seal
    DocType.DIPLOMA: ("school",),
    DocType.DEGREE: ("school",),
    DocType.SKILL_CERTIFICATE: ("issuer",),
    DocType.TITLE_CERTIFICATE: ("issuer",),
    DocType.EXAMINER_CARD: ("issuer",),
}
MIN_TEXT_CONFIDENCE = 0.85  # recogniser score of the ring text
MIN_FIELD_CONFIDENCE = 0.7
MIN_TEXT_CHARS = 4
MATCH_SIMILARITY = 0.5  # at or above: the same organisation read with slips
LOOK_ALIKE_TEXT_CONFIDENCE = 0.95  # a look-alike is called only on a sure reading


def similarity(read: str, name: str) -> float:
    """1 - edit distance / length of the name, at the best rotation of the reading (and
    of the reading against any same-length window, so extra ring characters such as a
    number do not count against it)."""
    a, b = clean_org(read), clean_org(name)
    if not a or not b:
        return 0.0
    best = 0.0
    for k in range(len(a)):
        rot = a[k:] + a[:k]
        best = max(best, 1 - distance(rot, b) / max(len(b), 1))
        if len(rot) > len(b):
            best = max(best, 1 - distance(rot[: len(b)], b) / len(b))
        if best >= 1.0:
            break
    return max(0.0, best)


FRAGMENT_SHARE = 0.7  # a reading at most this share of the name's length is a partial ring
FRAGMENT_JUNK = 4  # one character in this many of a partial reading may be a misread


def _common_subsequence(a: str, b: str) -> int:
    """Length of the longest common subsequence of a and b."""
    prev = [0] * (len(b) + 1)
    for ca in a:
        cur = [0]
        for j, cb in enumerate(b, 1):
            cur.append(prev[j - 1] + 1 if ca == cb else max(prev[j], cur[j - 1]))
        prev = cur
    return prev[-1]


def fragment_of(read: str, name: str) -> bool:
    """Is the reading a piece of the ring that fits the name? A faded or half-inked
    ring is often read in part (西川省职业, 定华导中 of 四川省职业技能鉴定指导中心,
    首乳业技能服务指 of 广东省职业技能服务指导中心): when the reading is short against the
    name and all its characters but about one in four (at least one) appear in the name
    in order (at some start of the ring), it says nothing against the name. Another
    organisation's seal reads as long as a name, so it is not taken for a piece."""
    a, b = clean_org(read), clean_org(name)
    if not a or len(a) > FRAGMENT_SHARE * len(b):
        return False
    best = max(_common_subsequence(a[k:] + a[:k], b) for k in range(len(a)))
    return best >= len(a) - max(1, len(a) // FRAGMENT_JUNK)


def _best_rotation(read: str, name: str) -> str:
    """The rotation of a ring reading that is closest to the name (the start of a ring's
    text is a guess)."""
    if not read:
        return read
    return min((read[k:] + read[:k] for k in range(len(read))), key=lambda r: distance(r, name))


CORE_SHARE = 0.5  # a difference over more than this share of the name is another name


def look_alike(read: str, name: str) -> bool:
    """Two names that share a beginning and an end but differ in their core: the same
    city and trade around another trade name (明德 / 恒通 in 珠海…电子有限公司), or the
    same city with another school (深圳工贸技工学校 / 深圳轻工职业技术学院). After the
    common beginning and end are cut off, at least two characters remain on each side
    and either none of them agree, or they cover more than half of the name and less
    than half of them agree in order. One
    misread character cannot make that; two adjacent misreads could, which is why the
    reading must be sure (LOOK_ALIKE_TEXT_CONFIDENCE)."""
    b = clean_org(name)
    a = _best_rotation(clean_org(read), b)
    i = 0
    while i < min(len(a), len(b)) and a[i] == b[i]:
        i += 1
    j = 0
    while j < min(len(a), len(b)) - i and a[-1 - j] == b[-1 - j]:
        j += 1
    ma, mb = a[i:len(a) - j], b[i:len(b) - j]
    if len(ma) < 2 or len(mb) < 2:
        return False
    if not set(ma) & set(mb):
        return True
    # A long differing core is another name only when little of it agrees in order: a
    # ring read with slips throughout (佛山装影机电设条有限公理) keeps most of it.
    return len(mb) > CORE_SHARE * len(b) and _common_subsequence(ma, mb) < CORE_SHARE * len(mb)


def _issuers(doc: Document) -> list[tuple[str, float]]:
    out = []
    for key in ISSUER_FIELDS.get(doc.type, ()):
        fv = doc.fields.get(key)
        if fv is not None and isinstance(fv.value, str) and fv.value.strip():
            out.append((fv.value.strip(), fv.confidence))
    return out


# A form (推荐表/申报表/备案申请表) whose own name cell was not read is still stamped by the
# applicant's organisation: the employer or organisation the other documents and the roster
# name. Only forms: a work certificate may come from a former employer.
FALLBACK_TYPES = (DocType.RECOMMENDATION_FORM,)
FALLBACK_SOURCES = {
    "employer": ((DocType.RECOMMENDATION_FORM, DocType.WORK_CERTIFICATE), "工作单位"),
    "org_name": ((DocType.BUSINESS_LICENSE, DocType.RECOMMENDATION_FORM), "机构名称"),
}
FALLBACK_DISCOUNT = 0.9  # a name read on another document says a little less about this one


def _fallback_issuers(ctx: ApplicantContext, doc: Document) -> list[tuple[str, float]]:
    """The applicant's organisation as read elsewhere, for a form without its name cell.
    Only a name that every reading agrees on (same_org, or one character misread) is
    used: two employers say nothing sure about which one stamped the form."""
    if doc.type not in FALLBACK_TYPES:
        return []
    keys = ("org_name",) if ctx.profile.org is not None else ("employer",)
    out: list[tuple[str, float]] = []
    for key in keys:
        types, column = FALLBACK_SOURCES[key]
        for s in field_sources(ctx, key, types, column):
            if (s.ref == doc.ref and s.doc_type == doc.type.value) or not isinstance(s.value, str) or not s.value.strip():
                continue
            out.append((s.value.strip(), s.confidence * FALLBACK_DISCOUNT))
    if not out or any(not (same_org(a, b) or distance(clean_org(a), clean_org(b)) <= 1)
                      for a, _ in out for b, _ in out):
        return []
    return out


def _check_seal(doc: Document, seal: Seal, issuers: list[tuple[str, float]]) -> Finding | None:
    text = seal.text or ""
    if len(clean_org(text)) < MIN_TEXT_CHARS or (seal.text_confidence or 0.0) < MIN_TEXT_CONFIDENCE:
        return None
    trusted = [(n, c) for n, c in issuers if c >= MIN_FIELD_CONFIDENCE]
    if not trusted:
        return None
    scores = [(similarity(text, n), n, c) for n, c in trusted]
    sure_read = (seal.text_confidence or 0.0) >= LOOK_ALIKE_TEXT_CONFIDENCE
    if any(same_org(text, n) or fragment_of(text, n) for n, _ in trusted):
        return None
    if max(s for s, _, _ in scores) >= MATCH_SIMILARITY:
        # Close overall; a look-alike still differs in its trade name (字号).
        alike = [(n, c) for n, c in trusted if look_alike(text, n)]
        if not (sure_read and alike and len(alike) == len(trusted)):
            return None
        name, name_conf = alike[0]
        conf = 0.6 * (seal.text_confidence or 0.0) * name_conf * seal.confidence
    else:
        sim, name, name_conf = max(scores)
        conf = (seal.text_confidence or 0.0) * name_conf * seal.confidence
        conf *= min(1.0, (MATCH_SIMILARITY - sim) / 0.25)  # a near miss is less sure
    label = DOC_TYPE_NAMES.get(doc.type.value, doc.type.value)
    return finding(
        "SEAL_TEXT_MISMATCH", Severity.ERROR,
        f"{label}上印章文字为“{text}”，与出具单位“{name}”不符",
        min(0.95, conf), subject=doc.type.value, documents=[f"{doc.file}#{seal.page}"],
        expected=name, found=text,
    )


def check(ctx: ApplicantContext) -> list[Finding]:
    findings: list[Finding] = []
    for doc in ctx.documents:
        issuers = _issuers(doc) or _fallback_issuers(ctx, doc)
        if not issuers:
            continue
        for seal in doc.seals:
            f = _check_seal(doc, seal, issuers)
            if f is not None:
                findings.append(f)
                break  # one finding per document: a second seal says the same
    return findings
