"""Clean a stream of documents into a writer; one bad document never stops the batch."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from cleaner.api import Cleaner
from cleaner.extract import NoContent
from cleaner.readers.base import Failure, Item


class Writer(Protocol):
    def write(self, record: dict[str, Any]) -> None: ...
    def close(self, ok: bool = True) -> None: ...


@dataclass
class Summary:
    documents: int = 0
    cleaned: int = 0
    failed: int = 0
    chars_in: int = 0
    chars_out: int = 0
    removals_by_family: Counter = field(default_factory=Counter)
    warnings: int = 0
    timed_out_rules: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "documents": self.documents,
            "cleaned": self.cleaned,
            "failed": self.failed,
            "chars_in": self.chars_in,
            "chars_out": self.chars_out,
            "removals_by_family": dict(self.removals_by_family.most_common()),
            "warnings": self.warnings,
            "timed_out_rules": dict(self.timed_out_rules),
            "seconds": round(self.seconds, 3),
        }


def family(rule_id: str) -> str:
    """``comments.leave-a-reply`` -> ``comments``; built-ins keep their full name."""
    return rule_id if rule_id.startswith("builtin.") else rule_id.split(".")[0]


def run_batch(
    items: Iterable[Item],
    cleaner: Cleaner,
    out: Writer,
    errors: Writer,
    on_progress: Callable[[Summary], None] | None = None,
) -> Summary:
    s = Summary()
    t0 = time.perf_counter()
    for item in items:
        s.documents += 1
        if isinstance(item, Failure):
            errors.write(item.to_record())
            s.failed += 1
        else:
            try:
                result = cleaner.clean(item)
            except NoContent as e:
                errors.write(Failure(item.id, item.source, "no-content", str(e)).to_record())
                s.failed += 1
            except ValueError as e:  # undecodable or unparsable page
                errors.write(Failure(item.id, item.source, "not-html", str(e)).to_record())
                s.failed += 1
            except Exception as e:  # noqa: BLE001 - any bug becomes an error record, not a dead batch
                errors.write(
                    Failure(item.id, item.source, "internal", f"{type(e).__name__}: {e}").to_record()
                )
                s.failed += 1
            else:
                out.write(result.to_record())
                s.cleaned += 1
                s.chars_in += result.provenance["counts"]["chars_in"]
                s.chars_out += len(result.text)
                s.removals_by_family.update(family(r.rule) for r in result.removed)
                s.removals_by_family.update(family(h["rule"]) for h in result.provenance.get("html_removals", []))
                s.warnings += len(result.provenance["warnings"])
                s.timed_out_rules.update(result.timed_out)
        if on_progress:
            on_progress(s)
    s.seconds = time.perf_counter() - t0
    return s
