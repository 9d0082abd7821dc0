"""Bytes to text: UTF-8 first, then charset detection; binary data is refused, not guessed at.

Text that is mostly UTF-8 with a few stray bytes of a legacy encoding (a Windows-1252 quote
pasted into a UTF-8 page: "mixed encodings") keeps its UTF-8 and reads each stray byte as
Windows-1252, instead of being re-read whole in a wrong encoding.
"""

from __future__ import annotations

import codecs
import re


class DecodeError(ValueError):
    pass


_UTF8_MULTIBYTE = re.compile(rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}")


_CP1252_UNDEFINED = frozenset(b"\x81\x8d\x8f\x90\x9d")


def _cp1252_bytes(err: UnicodeError) -> tuple[str, int]:
    assert isinstance(err, UnicodeDecodeError)
    bad = err.object[err.start : err.end]
    # The five bytes Windows-1252 leaves undefined read as Latin-1.
    return "".join(chr(b) if b in _CP1252_UNDEFINED else bytes([b]).decode("cp1252") for b in bad), err.end


codecs.register_error("cleaner-cp1252", _cp1252_bytes)


_BOMS = (  # UTF-32 first: its little-endian BOM starts with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Return (text, encoding used). A UTF-16 or UTF-32 byte-order mark says the encoding
    (its NUL bytes are text, not binary data); the mark itself is not part of the text."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            try:
                return raw[len(bom) :].decode(encoding), encoding.removesuffix("-le").removesuffix("-be")
            except UnicodeDecodeError as e:
                raise DecodeError(f"starts with a {encoding} byte-order mark but is not {encoding}: {e}") from None
    if b"\x00" in raw[:8192]:
        raise DecodeError("looks like a binary file (NUL bytes), not text")
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    good = len(_UTF8_MULTIBYTE.findall(raw))
    bad = raw.decode("utf-8", errors="replace").count("\ufffd") - raw.count(b"\xef\xbf\xbd")
    if good and good >= bad:
        # Mostly valid UTF-8 with a few stray bytes: mixed encodings, not a legacy-encoded text.
        text = raw.decode("utf-8", errors="cleaner-cp1252")
        return text.removeprefix("\ufeff"), "utf-8+cp1252"
    import charset_normalizer  # on first use: most input is UTF-8, and the import costs some 6 MB

    best = charset_normalizer.from_bytes(raw).best()
    if best is None or best.encoding is None:
        raise DecodeError("not valid UTF-8 and no text encoding could be detected")
    return str(best), best.encoding
