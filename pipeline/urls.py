"""Which store a batch or output location names, from its text alone. Below both
`pipeline.settings` (the default work dir of an output) and `pipeline.storage` (the
backend to open), so neither has to import the other for it."""

from __future__ import annotations


def scheme_of(url: str) -> str:
    """"file" for a folder path (or file://), else the URL's scheme in lower case ("s3")."""
    head, sep, _ = str(url).partition("://")
    # RFC 3986 scheme (s3 has a digit); one letter is a Windows drive (C://), not a scheme.
    ok = sep and len(head) > 1 and head[0].isalpha() and all(c.isalnum() or c in "+.-" for c in head)
    return head.lower() if ok else "file"
