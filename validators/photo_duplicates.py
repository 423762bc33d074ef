"""DUPLICATE_PHOTO_IN_BATCH: the same ID photo (or a re-saved, resized copy) used by two
applicants, found by a 64-bit perceptual hash (imagehash.phash: DCT of a 32x32 grey
copy, so JPEG re-compression, resizing and grey conversion move it only a few bits).

Threshold: copies re-compressed (JPEG q50-75) and resized to another photo format
measured 0-2 bits from the original; different applicants of generated 30-applicant
batches 6-8 bits at the closest (all made from one face picture), median 26-28. A
distance of at most 4 bits makes a candidate pair.

A candidate is confirmed by the correlation of the two photos as 64x64 grey images: a
re-saved copy correlates at ~0.9999, while two different look-alike photos (same pose,
same white background) measured 0.79 at 4 bits apart in a generated batch and were
wrongly rejected by the hash alone. Only pairs at >= 0.95 are reported.
"""

from __future__ import annotations

import imagehash
import numpy as np

from pipeline.context import ApplicantContext
from pipeline.page_facts import PHOTO_THUMB, thumb_of
from pipeline.types import Finding, Severity
from validators.photo import photo_document, stored_photo

MAX_DISTANCE = 4
MIN_CORRELATION = 0.95


def photo_hash(ctx: ApplicantContext) -> tuple[imagehash.ImageHash, str, np.ndarray] | None:
    """(pHash, document ref, normalised thumbnail) of the applicant's photo, or None:
    read from the facts the reading stage stored (pipeline.page_facts.photo_look)."""
    doc = photo_document(ctx)
    if doc is None:
        return None
    look = stored_photo(ctx, doc)
    if look is None:
        return None
    return imagehash.hex_to_hash(look.phash), doc.ref, thumb_of(look.thumb, PHOTO_THUMB)


def check_batch(contexts: list[ApplicantContext]) -> dict[str, list[Finding]]:
    hashes = {c.key: h for c in contexts if (h := photo_hash(c)) is not None}
    out: dict[str, list[Finding]] = {}
    keys = list(hashes)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            dist = int(hashes[a][0] - hashes[b][0])
            if dist > MAX_DISTANCE:
                continue
            corr = float((hashes[a][2] * hashes[b][2]).sum())
            if corr < MIN_CORRELATION:
                continue  # similar pose and background, different photo
            conf = round(0.95 if dist <= 2 else 0.8, 3)
            refs = [hashes[a][1], hashes[b][1]]
            for me, other in ((a, b), (b, a)):
                out.setdefault(me, []).append(Finding(
                    code="DUPLICATE_PHOTO_IN_BATCH", severity=Severity.ERROR, confidence=conf, subject="photo",
                    message=f"证件照与申请人 {other} 的照片相同或几乎相同", documents=refs,
                    expected="a photo of this applicant only", found={"applicant": other, "phash_distance": dist,
                                                            "correlation": round(corr, 4)},
                ))
    return out
