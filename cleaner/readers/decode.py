"""Bytes to text: UTF-8 first, then charset detection; binary data is refused, not guessed at."""

from __future__ import annotations

import charset_normalizer


class DecodeError(ValueError):
    pass


def decode_bytes(raw: bytes) -> tuple[str, str]:
    """Return (text, encoding used)."""
    if b"\x00" in raw[:8192]:
        raise DecodeError("looks like a binary file (NUL bytes), not text")
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    best = charset_normalizer.from_bytes(raw).best()
    if best is None or best.encoding is None:
        raise DecodeError("not valid UTF-8 and no text encoding could be detected")
    return str(best), best.encoding
