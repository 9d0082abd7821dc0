"""Case folding that keeps offsets, and the literal a phrase is found by.

Shared by the rule prefilter and the pack-signature search: both look for lowercase literals
in lowercased text with one Aho-Corasick pass, then confirm with the real regex.
"""

from __future__ import annotations

from cleaner.rules.matching import CHAR_CLASSES

# Same-length folds the regex engine's case-insensitive matching makes but str.lower() does not.
_FOLD = str.maketrans({"ς": "σ", "ſ": "s", "İ": "i", "ϐ": "β", "ϑ": "θ", "ϕ": "φ", "ϖ": "π", "ϰ": "κ", "ϱ": "ρ",
                       "ϵ": "ε", "ẛ": "ṡ"})


_FOLD_CHARS = tuple(chr(c) for c in _FOLD)


def fold(text: str) -> str:
    """Lowercase without changing length, so offsets in the folded text are offsets in the text."""
    # Substring tests are much cheaper than a regex scan of a whole page; translate() only if needed.
    if not text.isascii() and any(c in text for c in _FOLD_CHARS):
        text = text.translate(_FOLD)
    return text.lower()


def phrase_anchor_at(phrase: str) -> tuple[str, int] | None:
    """The longest word of a phrase (split at spaces, quotes and dashes), folded, and its offset."""
    best, best_at, cur, cur_at = "", 0, "", 0
    for i, ch in enumerate(phrase):
        if ch.isspace() or ch in CHAR_CLASSES:
            cur, cur_at = "", i + 1
            continue
        cur += ch
        if len(cur) > len(best):
            best, best_at = cur, cur_at
    return (fold(best), best_at) if best else None


def phrase_anchor(phrase: str) -> str | None:
    got = phrase_anchor_at(phrase)
    return got[0] if got else None
