"""Who may sign in: a users file under DATA_DIR with scrypt password hashes and a role each.

Roles: `public` (what anonymous callers get), `member` and `officer` (may read exempt papers),
`admin` (an officer who also manages users). Officers and admins may add papers, manage the
library and export feedback. Passwords are never stored or printed, only their scrypt hashes
(Python's `hashlib.scrypt`, OpenSSL's implementation), compared in constant time.

>>> users = UserStore(Path("data/users.json"))      # cheap: the file is read on use
>>> users.add("jsmith", "a long passphrase", "member")  # doctest: +SKIP
>>> users.verify("jsmith", "a long passphrase")        # doctest: +SKIP
User(name='jsmith', role='member')
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import secrets
import threading
from pathlib import Path

from retrieval.records import ANONYMOUS, ROLES, User

MIN_PASSWORD = 10
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@-]{0,63}")
# scrypt cost: n=2**14, r=8, p=1 (about 16 MB and 50 ms a check), OWASP's floor for scrypt.
_N, _R, _P = 2**14, 8, 1


class UserError(ValueError):
    """A users-file request that cannot be done; the message says why in one sentence."""


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    encode = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${encode(salt).decode()}${encode(digest).decode()}"


def check_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        found = hashlib.scrypt(
            password.encode(),
            salt=base64.b64decode(salt),
            n=int(n),
            r=int(r),
            p=int(p),
            dklen=len(base64.b64decode(digest)),
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(found, base64.b64decode(digest))


# A hash no password matches, checked for unknown names so that their answer takes as long.
_DECOY = hash_password(secrets.token_urlsafe(24))


class UserStore:
    """The users file: `{"users": {name: {"role": …, "password": "scrypt$…"}}}`, mode 0600."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self._lock = threading.Lock()

    def _read(self) -> dict[str, dict[str, str]]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise UserError(f"the users file {self.path} cannot be read ({exc}).") from None
        users = data.get("users") if isinstance(data, dict) else None
        if not isinstance(users, dict):
            raise UserError(f"the users file {self.path} has no 'users' object.")
        return users

    def _write(self, users: dict[str, dict[str, str]]) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            json.dump({"users": users}, out, indent=1, sort_keys=True)
        os.replace(tmp, self.path)

    def list(self) -> list[tuple[str, str]]:
        """(name, role) of every user, by name."""
        return sorted((name, str(entry.get("role", ""))) for name, entry in self._read().items())

    def stamp(self, name: str) -> str | None:
        """A fingerprint of the user's current password (None for no such user): a session
        started under another password, or before the user was removed and re-added, is over."""
        entry = self._read().get(name)
        if not entry:
            return None
        return hashlib.sha256(str(entry.get("password", "")).encode()).hexdigest()

    def user(self, name: str) -> User:
        """The `User` a signed-in name is now (its role read from the file at this moment), or
        the public for no name, an unknown name or a role the file should not hold."""
        role = self.role_of(name) if name else None
        return User(name, role) if role in ROLES else ANONYMOUS

    def role_of(self, name: str) -> str | None:
        entry = self._read().get(name)
        return str(entry.get("role")) if entry else None

    def add(self, name: str, password: str, role: str) -> None:
        _check_name(name)
        _check_role(role)
        _check_password(password)
        with self._lock:
            users = self._read()
            if name in users:
                raise UserError(f"a user named {name!r} already exists; use passwd to change it.")
            users[name] = {"role": role, "password": hash_password(password)}
            self._write(users)

    def remove(self, name: str) -> None:
        with self._lock:
            users = self._read()
            if users.pop(name, None) is None:
                raise UserError(f"there is no user named {name!r}.")
            self._write(users)

    def passwd(self, name: str, password: str, role: str | None = None) -> None:
        """Set a user's password (and, when given, role)."""
        _check_password(password)
        if role is not None:
            _check_role(role)
        with self._lock:
            users = self._read()
            if name not in users:
                raise UserError(f"there is no user named {name!r}.")
            users[name] = {
                "role": role or users[name].get("role", "public"),
                "password": hash_password(password),
            }
            self._write(users)

    def verify(self, name: str, password: str) -> User | None:
        """The user these credentials sign in, or None (unknown name or wrong password)."""
        entry = self._read().get(name or "")
        stored = str(entry.get("password", "")) if entry else _DECOY
        if not check_password(password or "", stored) or entry is None:
            return None
        role = str(entry.get("role", "public"))
        return User(name, role if role in ROLES else "public")


def _check_name(name: str) -> None:
    if not _NAME.fullmatch(name or ""):
        raise UserError(
            "a user name is 1 to 64 letters, digits or . _ @ -, starting with a letter or digit."
        )


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise UserError(f"role must be one of {', '.join(ROLES)}, not {role!r}.")


def _check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise UserError(f"a password needs at least {MIN_PASSWORD} characters.")
