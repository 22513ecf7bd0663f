"""Image-job helpers the postcard pipeline and motion loops share: decoding avatars, awaiting results."""

from __future__ import annotations

import errno
import logging
from collections.abc import Awaitable
from typing import TYPE_CHECKING, TypeVar

from bot.core.errors import UserFacingError
from generators.errors import InputError

if TYPE_CHECKING:
    from PIL import Image

log = logging.getLogger(__name__)
T = TypeVar("T")


def decode_avatars(avatar_bytes: list[bytes]) -> list[Image.Image]:
    """Avatar files read earlier, as RGBA images (in the job's thread)."""
    import io

    from PIL import Image

    images = []
    for data in avatar_bytes:
        with Image.open(io.BytesIO(data)) as im:
            images.append(im.convert("RGBA"))
    return images


async def image_result(future: Awaitable[T]) -> T:
    """An image job's result; a failure becomes a short localised message (the traceback is logged)."""
    try:
        return await future
    except InputError:
        raise
    except OSError as exc:
        log.exception("adventure image failed")
        raise UserFacingError("disk_full" if exc.errno == errno.ENOSPC else "image_failed") from exc
    except Exception as exc:
        log.exception("adventure image failed")
        raise UserFacingError("image_failed") from exc
