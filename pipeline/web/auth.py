"""Passwords and sessions for the reviewers' web UI, stdlib only.

Passwords are hashed with scrypt (memory-hard, in `hashlib`), each with its own random
salt, and stored as ``scrypt$n$r$p$salt$hash`` so the cost can be raised later without
breaking old hashes. Sessions are signed cookies (HMAC-SHA256 over a small JSON
payload): the server keeps no session table, and a cookie whose signature, age or
password version does not check out is simply not a session. Each session carries its
own CSRF token, which every POST must echo.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass
from typing import Any

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
SESSION_MAX_AGE_S = 12 * 3600  # a working day; then log in again
MIN_PASSWORD_CHARS = 8


def _b64e(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode("ascii").rstrip("=")


def _b64d(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32,
                          maxmem=256 * n * r + (1 << 20))


def hash_password(password: str) -> str:
    """A salted scrypt hash, self-describing so its parameters can change later."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64e(salt)}${_b64e(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches; a malformed stored hash never matches."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        got = _scrypt(password, _b64d(salt), int(n), int(r), int(p))
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(got, _b64d(digest))


def dummy_verify(password: str) -> None:
    """Spend the time of one verification so an unknown user name is not told apart
    from a wrong password by the response time."""
    _scrypt(password, b"\0" * SALT_BYTES, SCRYPT_N, SCRYPT_R, SCRYPT_P)


def password_version(stored_hash: str) -> str:
    """A short tag of the password hash: changing the password ends older sessions."""
    return hashlib.sha256(stored_hash.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Session:
    user_id: int
    csrf: str
    pv: str  # password_version at login
    iat: int  # issued at, unix seconds


class SessionSigner:
    """Signs and checks the session cookie with a server secret."""

    def __init__(self, secret: str, max_age_s: int = SESSION_MAX_AGE_S) -> None:
        self._key = hashlib.sha256(b"certriage-session\0" + secret.encode("utf-8")).digest()
        self.max_age_s = max_age_s

    def _mac(self, body: str) -> str:
        return _b64e(hmac.new(self._key, body.encode("ascii"), hashlib.sha256).digest())

    def new(self, user_id: int, pv: str) -> Session:
        return Session(user_id=user_id, csrf=secrets.token_urlsafe(24), pv=pv, iat=int(time.time()))

    def dumps(self, s: Session) -> str:
        body = _b64e(json.dumps({"u": s.user_id, "c": s.csrf, "v": s.pv, "t": s.iat},
                                separators=(",", ":")).encode("utf-8"))
        return f"{body}.{self._mac(body)}"

    def loads(self, cookie: str | None) -> Session | None:
        """The session of a cookie, or None when it is absent, forged, or too old."""
        if not cookie or cookie.count(".") != 1:
            return None
        body, mac = cookie.split(".")
        try:
            if not hmac.compare_digest(mac, self._mac(body)):
                return None
            d: dict[str, Any] = json.loads(_b64d(body))
            s = Session(user_id=int(d["u"]), csrf=str(d["c"]), pv=str(d["v"]), iat=int(d["t"]))
        except (ValueError, KeyError, TypeError, UnicodeError):
            return None
        age = time.time() - s.iat
        if age < -60 or age > self.max_age_s:
            return None
        return s
