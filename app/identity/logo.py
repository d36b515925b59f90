"""The logo upload: decoded with Pillow and re-encoded, so only pixels are kept (no EXIF, GPS, comments
or anything else a file may carry), and only PNG, JPEG and WebP get in."""
from __future__ import annotations

import io
import warnings

from flask_babel import lazy_gettext as _l
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_BYTES = 1024 * 1024  # what marketing may upload
MAX_PIXELS = 4096 * 4096  # a small file can still claim a huge canvas (a decompression bomb)
MAX_SIDE = 800  # stored at most this wide or high: a header logo, not a poster
FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}


class LogoRefused(ValueError):
    """The upload is not a logo we take; the message says why, in the user's language."""


TOO_LARGE = _l("The logo is larger than 1 MB. Save it smaller (a few hundred pixels wide is enough) and try again.")
NOT_AN_IMAGE = _l("This file is not an image we can read. Upload a PNG, JPEG or WebP file.")
WRONG_TYPE = _l("Upload the logo as PNG, JPEG or WebP.")
TOO_MANY_PIXELS = _l("The image is too large (more than 4096 × 4096 pixels).")


def clean_logo(data: bytes) -> tuple[bytes, str]:
    """The logo re-encoded in its own format (PNG, JPEG or WebP), and its media type. Raises LogoRefused."""
    if len(data) > MAX_BYTES:
        raise LogoRefused(TOO_LARGE)
    if not data:
        raise LogoRefused(NOT_AN_IMAGE)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind = image.format
                if kind not in FORMATS:
                    raise LogoRefused(WRONG_TYPE)
                if image.width * image.height > MAX_PIXELS:
                    raise LogoRefused(TOO_MANY_PIXELS)
                image.load()
                image = ImageOps.exif_transpose(image)  # keep a photo's orientation once EXIF is gone
                image.thumbnail((MAX_SIDE, MAX_SIDE))
                return _encode(image, kind), FORMATS[kind]
    except LogoRefused:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LogoRefused(NOT_AN_IMAGE) from None
    except (OSError, ValueError, SyntaxError, EOFError):  # a truncated or damaged file
        raise LogoRefused(NOT_AN_IMAGE) from None


def _encode(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=90, optimize=True)
    elif kind == "WEBP":
        image.convert("RGBA" if image.mode in ("RGBA", "LA", "P") else "RGB").save(out, "WEBP", quality=90)
    else:
        if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
            image = image.convert("RGBA")
        image.save(out, "PNG", optimize=True)
    return out.getvalue()
