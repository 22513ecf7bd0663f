"""Read and write PNG tEXt chunks directly, with caps (Pillow reads text chunks whole)."""

from __future__ import annotations

import struct
import zlib
from typing import BinaryIO

from personas import fields as F

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_MAX_KEYWORD = 79  # PNG spec: 1-79 bytes, then a NUL


def read_text_chunks(
    fh: BinaryIO, keywords: tuple[str, ...], *, chunk_cap: int = F.MAX_CARD_CHUNK_BYTES
) -> dict[str, bytes]:
    """The first tEXt value for each wanted keyword; other chunks are skipped without reading them.

    Raises card_invalid for a non-PNG, a truncated chunk stream, a wanted chunk over `chunk_cap`
    or a wanted chunk whose CRC does not match. The caller caps the file size.
    """
    check = F.Checker("card_invalid")
    if fh.read(8) != PNG_SIGNATURE:
        raise check.fail("the file is not a PNG image")
    wanted = {k.encode("latin-1") for k in keywords}
    found: dict[str, bytes] = {}
    while True:
        header = fh.read(8)
        if len(header) < 8:
            raise check.fail("the PNG file is truncated (no end chunk)")
        length, ctype = struct.unpack(">I4s", header)
        if ctype == b"IEND":
            return found
        if ctype != b"tEXt":
            fh.seek(length + 4, 1)  # body + CRC, never read
            continue
        head = fh.read(min(length, _MAX_KEYWORD + 1))
        keyword, sep, _ = head.partition(b"\0")
        if not sep or keyword not in wanted or keyword.decode("latin-1") in found:
            fh.seek(length - len(head) + 4, 1)
            continue
        if length > chunk_cap:
            raise check.fail(
                f"its {keyword.decode()} chunk is {length:,} bytes; the limit is {chunk_cap:,} bytes"
            )
        body = head + fh.read(length - len(head))
        crc = fh.read(4)
        if len(body) != length or len(crc) != 4:
            raise check.fail("the PNG file is truncated")
        if struct.unpack(">I", crc)[0] != zlib.crc32(ctype + body):
            raise check.fail(f"its {keyword.decode()} chunk is damaged (checksum mismatch)")
        found[keyword.decode("latin-1")] = body[len(keyword) + 1 :]


def _chunk(ctype: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + ctype + body + struct.pack(">I", zlib.crc32(ctype + body))


def add_text_chunks(png: bytes, texts: dict[str, bytes]) -> bytes:
    """Return `png` with tEXt chunks inserted just before IEND (existing chunks kept)."""
    if not png.startswith(PNG_SIGNATURE) or not png.endswith(_chunk(b"IEND", b"")):
        raise ValueError("not a complete PNG stream")
    extra = b"".join(_chunk(b"tEXt", k.encode("latin-1") + b"\0" + v) for k, v in texts.items())
    return png[:-12] + extra + png[-12:]
