"""Password hashes and the random secrets behind sessions and API tokens."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher

_hasher = PasswordHash((Argon2Hasher(),))
# Verified against when the username is unknown, so that a wrong name takes as long as a wrong
# password and the answer's timing does not tell which names exist.
_DUMMY_HASH = _hasher.hash("not a password anyone has")

TOKEN_PREFIX = "tc_"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    if password_hash is None:
        _hasher.verify(password, _DUMMY_HASH)
        return False
    return _hasher.verify(password, password_hash)


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
