"""DUPLICATE_PHOTO_IN_BATCH: the same ID photo (or a re-saved, resized copy) used by two
applicants, found by a 64-bit perceptual hash (imagehash.phash: DCT of a 32x32 grey
copy, so JPEG re-compression, resizing and grey conversion move it only a few bits).

Threshold: copies re-compressed (JPEG q50-75) and resized to another photo format
measured 0-2 bits from the original; different applicants of generated 30-applicant
batches 6-8 bits at the closest (all made from one face picture), median 26-28. A
distance of at most 4 bits is called the same photo.
"""

from __future__ import annotations

import imagehash
from PIL import Image

from pipeline.types import Finding, Severity
from validators.base import ApplicantContext
from validators.photo import photo_document, photo_image

MAX_DISTANCE = 4


def photo_hash(ctx: ApplicantContext) -> tuple[imagehash.ImageHash, str] | None:
    """(pHash, document ref) of the applicant's photo, or None without one."""
    doc = photo_document(ctx)
    if doc is None:
        return None
    image = photo_image(ctx, doc)
    if image is None:
        return None
    return imagehash.phash(Image.fromarray(image)), doc.ref


def check_batch(contexts: list[ApplicantContext]) -> dict[str, list[Finding]]:
    hashes = {c.key: h for c in contexts if (h := photo_hash(c)) is not None}
    out: dict[str, list[Finding]] = {}
    keys = list(hashes)
    for i, a in enumerate(keys):
        for b in keys[i + 1:]:
            dist = int(hashes[a][0] - hashes[b][0])
            if dist > MAX_DISTANCE:
                continue
            conf = round(0.95 if dist <= 2 else 0.8, 3)
            refs = [hashes[a][1], hashes[b][1]]
            for me, other in ((a, b), (b, a)):
                out.setdefault(me, []).append(Finding(
                    code="DUPLICATE_PHOTO_IN_BATCH", severity=Severity.ERROR, confidence=conf, subject="photo",
                    message=f"证件照与申请人 {other} 的照片相同或几乎相同", documents=refs,
                    expected="a photo of this applicant only", found={"applicant": other, "phash_distance": dist},
                ))
    return out
