"""What every reader yields: a Document to clean, or a Failure that says why not."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any

from cleaner.document import Document


@dataclass
class Failure:
    """An input that could not become a document; written to the errors file, never dropped."""

    id: str
    source: dict[str, Any]
    error: str
    message: str
    extra: dict[str, Any] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        return {"id": self.id, "source": self.source, "error": self.error, "message": self.message, **self.extra}


Item = Document | Failure


def fingerprint(raw: bytes) -> dict[str, Any]:
    return {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
