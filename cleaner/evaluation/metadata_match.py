"""Do extracted title and author agree with the gold? Loose enough to forgive case and spacing only."""

from __future__ import annotations

import re
from typing import Any

_SPACE_RE = re.compile(r"\s+")


def normalize(value: Any) -> str:
    """Casefold and fold whitespace; lists (several authors) are joined with ``; ``."""
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        value = "; ".join(str(v) for v in value)
    return _SPACE_RE.sub(" ", str(value)).strip().casefold()


def title_match(ours: Any, gold: Any) -> bool | None:
    """Exact after normalisation; None (not scored) when the gold has no title."""
    g = normalize(gold)
    if not g:
        return None
    return normalize(ours) == g


def title_contains(ours: Any, gold: Any) -> bool | None:
    """The gold headline appears inside ours (site suffixes like ``| Site`` forgiven)."""
    g = normalize(gold)
    if not g:
        return None
    return g in normalize(ours)


def author_match(ours: Any, gold: Any) -> bool | None:
    """Either normalised string contains the other (bylines list co-authors or add roles)."""
    g, o = normalize(gold), normalize(ours)
    if not g:
        return None
    return bool(o) and (g in o or o in g)


def match_metadata(meta: dict[str, Any] | None, gold_title: Any, gold_author: Any) -> dict[str, bool | None]:
    meta = meta or {}
    return {
        "title": title_match(meta.get("title"), gold_title),
        "title_contains": title_contains(meta.get("title"), gold_title),
        "author": author_match(meta.get("author"), gold_author),
    }
