"""Password hashes and the random secrets behind sessions and API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from collections.abc import Callable
from typing import TypeVar

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_hasher = PasswordHash((Argon2Hasher(),))
# Verified against when the username is unknown, so that a wrong name takes as long as a wrong
# password and the answer's timing does not tell which names exist.
_DUMMY_HASH = _hasher.hash("not a password anyone has")

TOKEN_PREFIX = "tc_"

# argon2 is slow and memory-hard by design: tens of milliseconds of CPU and 64 MiB per hash (a
# second, on a busy 2-core machine). Sign-ins run in FastAPI's thread pool of 40 threads, so a
# burst of them could take every core and gigabytes at once. At most HASH_SLOTS hashes run at
# a time; a request that waits HASH_WAIT_S for a slot is told the server is busy.
HASH_SLOTS = 2
HASH_WAIT_S = 10.0
_slots = threading.BoundedSemaphore(HASH_SLOTS)
T = TypeVar("T")


class HashingBusy(Exception):
    """Every password-hashing slot stayed taken for HASH_WAIT_S (answered 503, Retry-After)."""


def _bounded(work: Callable[[], T]) -> T:
    if not _slots.acquire(timeout=HASH_WAIT_S):
        raise HashingBusy("server busy: too many sign-ins at once; retry in a moment")
    try:
        return work()
    finally:
        _slots.release()


def hash_password(password: str) -> str:
    return _bounded(lambda: _hasher.hash(password))


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _bounded(lambda: _hasher.verify(password, _DUMMY_HASH))
        return False
    return _bounded(lambda: _hasher.verify(password, password_hash))


def new_secret() -> str:
    """32 random bytes, URL-safe: a session cookie's value or a CSRF token."""
    return secrets.token_urlsafe(32)


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    """What is stored for a session or token: its SHA-256. A stolen database lets no one sign in."""
    return hashlib.sha256(secret.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
