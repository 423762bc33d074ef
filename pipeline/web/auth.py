"""Passwords, sessions and the login throttle of the reviewers' web UI, stdlib only.

Passwords are hashed with scrypt (memory-hard, in `hashlib`), each with its own random
salt, and stored as ``scrypt$n$r$p$salt$hash`` so the cost can be raised later: an
older, cheaper hash still verifies and is replaced at the next login (`needs_rehash`).

Sessions live on the server (`pipeline.web.db`): the cookie is a random token, the
database keeps only its SHA-256, so neither a copy of the database nor any key in it
lets anyone make a cookie, and logout, `certriage users disable` and a password change
end a session at once. Each session carries its own CSRF token, which every POST must
echo.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

# OWASP's scrypt recommendation (Password Storage Cheat Sheet): N=2^17, r=8, p=1,
# 128 MiB of memory per hash. At most MAX_CONCURRENT_HASHES run at once, so a burst of
# logins queues instead of taking the server's memory.
SCRYPT_N = 2**17
SCRYPT_R = 8
SCRYPT_P = 1
SALT_BYTES = 16
MAX_CONCURRENT_HASHES = 2
SESSION_MAX_AGE_S = 12 * 3600  # a working day; then log in again
MIN_PASSWORD_CHARS = 8

_hash_slots = threading.BoundedSemaphore(MAX_CONCURRENT_HASHES)


def _b64e(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode("ascii").rstrip("=")


def _b64d(s: str) -> bytes:
    return base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    # hashlib's default maxmem (32 MiB) is below what N=2^17 needs (128*N*r bytes).
    with _hash_slots:
        return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=32,
                              maxmem=129 * n * r * max(p, 1) + (1 << 20))


def hash_password(password: str) -> str:
    """A salted scrypt hash, self-describing so its parameters can change later."""
    salt = secrets.token_bytes(SALT_BYTES)
    digest = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${_b64e(salt)}${_b64e(digest)}"


def verify_password(password: str, stored: str) -> bool:
    """True when `password` matches; a malformed stored hash never matches."""
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt" or int(n) > 2**20 or int(r) > 32 or int(p) > 16:
            return False
        got = _scrypt(password, _b64d(salt), int(n), int(r), int(p))
    except (ValueError, TypeError, MemoryError):
        return False
    return hmac.compare_digest(got, _b64d(digest))


def needs_rehash(stored: str) -> bool:
    """True for a hash made with a lower cost than today's (upgraded at login)."""
    try:
        scheme, n, r, p, *_ = stored.split("$")
        return scheme != "scrypt" or (int(n), int(r), int(p)) < (SCRYPT_N, SCRYPT_R, SCRYPT_P)
    except ValueError:
        return True


def dummy_verify(password: str) -> None:
    """Spend the time of one verification so an unknown user name is not told apart
    from a wrong password by the response time."""
    _scrypt(password, b"\0" * SALT_BYTES, SCRYPT_N, SCRYPT_R, SCRYPT_P)


def new_token() -> str:
    """A session token for the cookie: 256 random bits."""
    return secrets.token_urlsafe(32)


def token_digest(token: str) -> str:
    """What the database keeps of a session token."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


# ---------------------------------------------------------------- login throttle


@dataclass
class _Tries:
    failures: int = 0
    next_allowed: float = 0.0
    last: float = 0.0


class LoginThrottle:
    """Backoff per (client address, user name).

    An attempt is counted as a failure under the lock *before* its password is hashed
    (and forgiven on success), so parallel guesses cannot all slip in between a read
    and a write of the count. After `free` failures each further one doubles the wait
    before the next try from that client for that name (`base_s`, 2*base_s, … up to
    `max_s`); a try during the wait is refused unchecked and counts too. Keyed on the
    client as well, a stranger's guesses never lock the real user out from their own
    machine; failures are forgotten after `forget_s` quiet."""

    def __init__(self, free: int = 3, base_s: float = 2.0, max_s: float = 300.0,
                 forget_s: float = 900.0, max_keys: int = 100_000) -> None:
        self.free, self.base_s, self.max_s, self.forget_s = free, base_s, max_s, forget_s
        self.max_keys = max_keys
        self._lock = threading.Lock()
        self._tries: dict[tuple[str, str], _Tries] = {}

    def delay(self, failures: int) -> float:
        if failures <= self.free:
            return 0.0
        return min(self.base_s * 2 ** (failures - self.free - 1), self.max_s)

    def begin(self, client: str, name: str, now: float | None = None) -> float:
        """0 when this attempt may be checked (and it is counted as a failure until
        `succeeded`), else the seconds to wait (the attempt is refused unchecked)."""
        now = time.monotonic() if now is None else now
        key = (client, name)
        with self._lock:
            t = self._tries.get(key)
            if t is None or now - t.last > self.forget_s:
                if len(self._tries) >= self.max_keys:
                    self._prune(now)
                t = self._tries[key] = _Tries()
            if now < t.next_allowed:  # hammering during the wait lengthens it
                t.failures += 1
                t.last = now
                t.next_allowed = max(t.next_allowed, now + self.delay(t.failures))
                return t.next_allowed - now
            t.failures += 1
            t.last = now
            t.next_allowed = now + self.delay(t.failures)
            return 0.0

    def succeeded(self, client: str, name: str) -> None:
        with self._lock:
            self._tries.pop((client, name), None)

    def _prune(self, now: float) -> None:
        for k in [k for k, t in self._tries.items()
                  if now - t.last > self.forget_s or now >= t.next_allowed]:
            del self._tries[k]
