"""API keys: made from 32 random bytes, shown once, stored only as a SHA-256 hash.

A fast hash is the right one here: the key has 256 bits of entropy, so there is nothing to brute-force,
and the lookup happens on every request.
"""

from __future__ import annotations

import hashlib
import secrets

KEY_PREFIX = "esk_"


def new_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def display_prefix(key: str) -> str:
    """What may be shown of a key later (lists, logs): enough to recognise it, not to use it."""
    return key[: len(KEY_PREFIX) + 6]
