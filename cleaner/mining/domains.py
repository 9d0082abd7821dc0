"""Which site a document belongs to, and names (slugs) safe for rule ids and file names."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from typing import Any

from cleaner.rules.ruleset import domain_of

# Second-level labels under which registries sell names (news.bbc.co.uk belongs to bbc): enough to
# tell apart "unrelated" sites for the generic-candidates check without a public suffix list.
_SECOND_LEVEL = {"co", "com", "net", "org", "gov", "edu", "ac", "or", "ne", "go", "gob", "gouv", "mil", "nic"}


def normalise_domain(value: str | None) -> str | None:
    """A host name from a URL or a bare domain, lower-case, without ``www.``."""
    if not value:
        return None
    value = value.strip()
    host = domain_of(value) if ("/" in value or ":" in value) else value.lower().rstrip(".")
    if not host:
        return None
    host = host.removeprefix("www.")
    return host or None


def document_domain(url: str | None, metadata: dict[str, Any] | None, field: str | None) -> str | None:
    """The document's site: ``field`` of its record when given, else the host of its URL."""
    if field:
        value = (metadata or {}).get(field)
        return normalise_domain(str(value)) if value not in (None, "") else None
    return normalise_domain(url)


def site_family(domain: str) -> str:
    """The registrable name of a domain (``news.sina.com.hk`` -> ``sina``): sister sites are one family."""
    labels = domain.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL and len(labels[-1]) == 2:
        return labels[-3]
    return labels[-2] if len(labels) >= 2 else labels[0]


_CYRILLIC = dict(zip(
    "абвгдеёжзийклмнопрстуфхцчшщъыьэюяєіїґ",
    "a b v g d e e zh z i i k l m n o p r s t u f kh ts ch sh shch - y - e yu ya ye i yi g".split(), strict=True,
))
_GREEK = dict(zip(
    "αβγδεζηθικλμνξοπρσςτυφχψωάέήίόύώϊϋΐΰ",
    "a v g d e z i th i k l m n x o p r s s t y f ch ps o a e i i o y o i y i y".split(), strict=True,
))
_TRANSLIT = {k: ("" if v == "-" else v) for k, v in {**_CYRILLIC, **_GREEK}.items()}


def slug(text: str, max_words: int = 5, max_len: int = 40) -> str:
    """ASCII words of a text (Cyrillic and Greek transliterated) joined by dashes, for rule ids;
    empty if it has none (CJK)."""
    text = "".join(_TRANSLIT.get(c, c) for c in text.lower())
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    words = re.findall(r"[a-z0-9]+", ascii_text)[:max_words]
    return "-".join(words)[:max_len].strip("-")


def domain_slug(domain: str) -> str:
    s = re.sub(r"[^a-z0-9]+", "-", domain.lower()).strip("-")
    if not s:
        s = "d" + hashlib.sha1(domain.encode("utf-8")).hexdigest()[:8]
    return s if s[0].isalnum() else "d" + s


def pack_file_name(domain: str) -> str:
    """``<domain>.mined.yaml``: never the name of a hand-written site pack (``<domain>.yaml``)."""
    return f"{domain_slug(domain) if not re.fullmatch(r'[a-z0-9.-]+', domain) else domain}.mined.yaml"
