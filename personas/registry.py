"""The persona registry: built-in TOML personas plus user imports saved as TOML in one folder."""

from __future__ import annotations

import dataclasses
import logging
import os
import stat
import tempfile
import threading
from pathlib import Path

from generators.errors import InputError
from personas import fields as F
from personas.cards import export_json, export_png, read_card_bytes
from personas.model import Persona
from personas.png_chunks import PNG_SIGNATURE
from personas.toml_io import USER_SOURCES, dumps, parse_toml, read_toml

log = logging.getLogger(__name__)


class PersonaRegistry:
    """Loads built-in personas (strictly) and user personas (skipping broken files) and imports cards."""

    def __init__(self, builtin_dir: Path, user_dir: Path) -> None:
        self.builtin_dir = Path(builtin_dir)
        self.user_dir = Path(user_dir)
        self._lock = threading.Lock()
        self._personas: dict[str, Persona] = {}
        self.skipped: dict[str, str] = {}  # user persona file name -> why it was not loaded
        self.reload()

    def reload(self) -> None:
        """Re-read both folders. A broken built-in raises; a broken user file is logged and skipped."""
        personas: dict[str, Persona] = {}
        skipped: dict[str, str] = {}
        for path in sorted(self.builtin_dir.glob("*.toml")):
            persona, _ = read_toml(path, source="builtin", strict=True)
            if persona.id != path.stem:
                raise InputError("persona_invalid", reason=f"{path.name} has id {persona.id!r}")
            personas[persona.id] = persona
        for path in sorted(self.user_dir.glob("*.toml")) if self.user_dir.is_dir() else ():
            try:
                persona, warnings = read_toml(path, source="user")
            except InputError as err:
                skipped[path.name] = str(err.params.get("reason", err.key))
                log.warning("skipping persona file %s: %s", path.name, skipped[path.name])
                continue
            except Exception as err:  # one bad file must never stop the bot from starting
                skipped[path.name] = f"it could not be read ({type(err).__name__})"
                log.warning("skipping persona file %s: %s", path.name, skipped[path.name], exc_info=True)
                continue
            for warning in warnings:
                log.warning("persona file %s: %s", path.name, warning)
            if persona.id in personas:
                skipped[path.name] = f"id {persona.id!r} is already taken"
                log.warning("skipping persona file %s: %s", path.name, skipped[path.name])
                continue
            source = persona.source if persona.source in USER_SOURCES else "user"
            personas[persona.id] = dataclasses.replace(persona, source=source)
        self._personas = personas
        self.skipped = skipped

    def list(self) -> list[Persona]:
        """All personas: built-ins first (file order), then user imports."""
        return list(self._personas.values())

    def _available(self) -> str:
        return ", ".join(f"{p.id} ({p.name})" for p in self._personas.values())

    def get(self, persona_id: str) -> Persona:
        """The persona with this exact id, or InputError('persona_unknown')."""
        try:
            return self._personas[persona_id]
        except KeyError:
            raise InputError(
                "persona_unknown", id=str(persona_id)[:60], available=self._available()
            ) from None

    def find(self, name_or_id: str) -> Persona | None:
        """Case-insensitive lookup by id first, then by display name."""
        wanted = name_or_id.strip().casefold()
        for attr in ("id", "name"):
            for persona in self._personas.values():
                if getattr(persona, attr).casefold() == wanted:
                    return persona
        return None

    def _free_id(self, base: str) -> str:
        base = F.slugify(base)
        pid, n = base, 1
        while pid in self._personas or (self.user_dir / f"{pid}.toml").exists():
            n += 1
            pid = f"{base}-{n}"
        return pid

    def import_file(self, path: Path) -> Persona:
        """Import a persona TOML, card JSON or card PNG; it is saved in user_dir under a fresh safe id."""
        path = Path(path)
        raw = read_regular_file(path, F.MAX_FILE_BYTES)
        head = raw[:64]
        is_card = head.startswith(PNG_SIGNATURE) or head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"{")
        if is_card:
            result = read_card_bytes(raw)
            persona, warnings = result.persona, list(result.warnings)
        else:
            if len(raw) > F.MAX_CARD_JSON_BYTES:
                raise InputError(
                    "persona_invalid",
                    reason=f"the file is larger than {F.MAX_CARD_JSON_BYTES // 1024 // 1024} MB",
                )
            persona, warnings = parse_toml(raw, source="toml")
            persona = dataclasses.replace(persona, source="toml")
        for warning in warnings:
            log.warning("importing %s: %s", path.name, warning)
        with self._lock:
            persona = dataclasses.replace(persona, id=self._free_id(persona.name))
            self._save(persona)
            self._personas[persona.id] = persona
        log.info("imported persona %s (%s) from %s", persona.id, persona.source, path.name)
        return persona

    def _save(self, persona: Persona) -> None:
        self.user_dir.mkdir(parents=True, exist_ok=True)
        root = self.user_dir.resolve()
        target = (root / f"{persona.id}.toml").resolve()
        if target.parent != root or not F.ID_PATTERN.match(persona.id):  # ids are slugs; belt and braces
            raise InputError("persona_invalid", reason="unsafe persona id")
        _atomic_write(target, dumps(persona).encode("utf-8"))

    def export(self, persona_id: str, path: Path, fmt: str = "png", *, force: bool = False) -> Path:
        """Write the persona as a V3 card PNG or JSON (or as persona TOML) to `path`. An existing
        regular file is replaced only with `force`; anything else there (a symlink, a device, a FIFO,
        a folder) never is."""
        persona = self.get(persona_id)
        writers = {"png": export_png, "json": export_json, "toml": lambda p: dumps(p).encode("utf-8")}
        if fmt not in writers:
            raise ValueError(f"unknown export format {fmt!r}")
        path = Path(path)
        try:
            existing = os.lstat(path)
        except FileNotFoundError:
            existing = None
        except OSError as err:
            raise InputError(
                "persona_export_failed", path=str(path), reason=err.strerror or str(err)
            ) from err
        if existing is not None and not stat.S_ISREG(existing.st_mode):
            raise InputError(
                "persona_export_failed",
                path=str(path),
                reason="something that is not a regular file is there",
            )
        if existing is not None and not force:
            raise InputError(
                "persona_export_failed", path=str(path), reason="the file exists (add --force to replace it)"
            )
        try:
            _atomic_write(path, writers[fmt](persona), mode=0o644)
        except OSError as err:
            raise InputError(
                "persona_export_failed", path=str(path), reason=err.strerror or str(err)
            ) from err
        return path


def read_regular_file(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; a FIFO, device or folder is refused without
    blocking on it (InputError card_invalid)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as err:
        raise InputError("card_invalid", reason=f"the file can't be read ({err.strerror or err})") from err
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError("card_invalid", reason="it is not a regular file")
        if info.st_size > limit:
            raise InputError(
                "card_invalid", reason=f"the file is {info.st_size:,} bytes; the limit is {limit:,}"
            )
        raw = fh.read(limit + 1)
    if len(raw) > limit:
        raise InputError("card_invalid", reason=f"the file is over the limit of {limit:,} bytes")
    return raw


def _atomic_write(path: Path, data: bytes, mode: int = 0o600) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
