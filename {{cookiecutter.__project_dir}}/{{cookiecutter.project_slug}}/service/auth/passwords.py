"""Passwords: hashing (argon2id; bcrypt accepted, then upgraded), the rules after OWASP ASVS 5.0
(length matters, composition rules do not), and reading one from a person: from a prompt, or from
standard input when it is not a terminal; never from the command line, where other users of the
machine could read it."""

import getpass
import sys
import uuid

from pwdlib import PasswordHash
from pwdlib.hashers.argon2 import Argon2Hasher
from pwdlib.hashers.bcrypt import BcryptHasher

MAX_LENGTH = 128  # ASVS asks for at least 64 to be allowed; longer only costs hashing time

# OWASP's minimum for argon2id (19 MiB, 2 passes, 1 lane); bcrypt hashes are verified, then upgraded.
ARGON2 = Argon2Hasher(memory_cost=19 * 1024, time_cost=2, parallelism=1)
password_hash = PasswordHash((ARGON2, BcryptHasher()))
# Verified when the user does not exist, so that case costs the same as a wrong password.
DUMMY_HASH = password_hash.hash(uuid.uuid4().hex)


def hash_password(password: str) -> str:
    return password_hash.hash(password)


def verify_password(password: str, stored_hash: str) -> tuple[bool, str | None]:
    """Whether `password` matches, and a new hash when the stored one should be upgraded."""
    try:
        return password_hash.verify_and_update(password, stored_hash)
    except ValueError:  # bcrypt refuses passwords over 72 bytes instead of truncating them
        return False, None


# The most common passwords of at least eight characters, from public breach statistics.
COMMON_PASSWORDS = frozenset(
    """
    12345678 123456789 1234567890 12345678910 password password1 password12 password123
    passw0rd qwertyuiop qwerty123 qwerty1234 1q2w3e4r 1q2w3e4r5t 1qaz2wsx zaq12wsx
    iloveyou sunshine princess football baseball welcome1 welcome123 abc12345 abcd1234
    11111111 00000000 88888888 87654321 987654321 123123123 11223344 asdfghjkl
    superman starwars dragon123 monkey123 letmein1 trustno1 changeme administrator
    computer internet michelle jennifer whatever 123qweasd qweasdzxc 1234qwer
    """.split()
)


class PasswordRejected(ValueError):
    """The password breaks a rule; the message says which."""


def check_password(password: str, *, min_length: int) -> None:
    if len(password) < min_length:
        raise PasswordRejected(f"password must have at least {min_length} characters")
    if len(password) > MAX_LENGTH:
        raise PasswordRejected(f"password must have at most {MAX_LENGTH} characters")
    if password.lower() in COMMON_PASSWORDS:
        raise PasswordRejected("password is one of the most commonly used: choose another")


def read_password(confirm: bool = True) -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    password = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Repeat password: ") != password:
        raise PasswordRejected("the passwords differ")
    return password
