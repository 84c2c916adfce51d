"""The JWT signing key policy: refuse a key an attacker could guess, outside development.

Settings refuse a guessable key as soon as they are read (settings.py); the service, when it
starts, refuses a missing one or, in development, signs with a random stand-in (`service_signing_key`).
"""

import logging
import math
import secrets
from collections import Counter

logger = logging.getLogger(__name__)

MIN_SECRET_BYTES = 32
# Estimated from the key's own character frequencies, which undercounts: random 32-character hex
# keys (128 random bits) scored 97 to 128 in 20,000 draws; `abab...` of 64 characters scores 64.
MIN_ESTIMATED_BITS = 80
# Secrets printed in documentation and tutorials: anyone can forge tokens signed with them.
PUBLISHED_SECRETS = frozenset(
    {
        "09d25e094faa6ca2556c818166b7a9563b93f7099f6f0f4caa6cf63b88e8d3e7",  # pragma: allowlist secret
        "changeme",
        "change-me",
        "secret",
        "your-secret-key",
        "your_secret_key",
        "supersecretkey",
    }
)
HOW_TO_FIX = "set a random one, e.g. python -c 'import secrets; print(secrets.token_urlsafe(48))'"


class InsecureSecretError(RuntimeError):
    """JWT_SECRET_KEY is missing, or guessable."""


def estimated_bits(key: str) -> float:
    """Shannon entropy of the key's characters, times its length."""
    counts = Counter(key)
    return -sum(count * math.log2(count / len(key)) for count in counts.values())


def is_repeated_pattern(key: str) -> bool:
    """Whether the key is a shorter string repeated (`abcabcabc`)."""
    return key in (key + key)[1:-1]


def signing_key_problem(key: str) -> str | None:
    if not key:
        return "JWT_SECRET_KEY is not set"
    if key != key.strip():
        return "JWT_SECRET_KEY has surrounding spaces"
    if any(character.isspace() for character in key):
        return "JWT_SECRET_KEY contains whitespace"
    if key.lower() in PUBLISHED_SECRETS:
        return "JWT_SECRET_KEY is a published example value"
    if len(key.encode()) < MIN_SECRET_BYTES:
        return f"JWT_SECRET_KEY is shorter than {MIN_SECRET_BYTES} bytes"
    if is_repeated_pattern(key) or estimated_bits(key) < MIN_ESTIMATED_BITS:
        return "JWT_SECRET_KEY is too predictable (a repeated pattern, or few distinct characters)"
    return None


def refuse_a_guessable_key(key: str | None, *, development: bool) -> None:
    """Raise if `key` is set and guessable, outside development. A missing key is no error here:
    the console needs none; the service refuses to start without one."""
    if key is None or development:
        return
    problem = signing_key_problem(key)
    if problem is not None:
        raise InsecureSecretError(f"{problem}: {HOW_TO_FIX}")


def service_signing_key(key: str | None, *, development: bool) -> str:
    """The key the service signs with. In development a missing or guessable key is replaced by a
    random one for this process (its tokens end with it), and the log says so once."""
    problem = signing_key_problem(key or "")
    if problem is None and key is not None:
        return key
    if not development:
        raise InsecureSecretError(f"{problem}: {HOW_TO_FIX}")
    logger.warning("%s; using a random key for this run (ENVIRONMENT=development)", problem)
    return secrets.token_urlsafe(48)
