"""Learn a batch's own sites while cleaning it (``cleaner clean --learn``, ``Cleaner.learn``).

Chrome that is one site's own (its newsletter box, its footer, its "More from X" list) recurs
across that site's pages and nowhere else, so no bundled pack can know it. Mining (``cleaner
mine``, docs/mining.md) finds it from the pages themselves; this module runs the miner over the
documents about to be cleaned (or another corpus) and returns a ``Cleaner`` whose rule set is the
original one plus the learned site packs. Each learned pack is a rule pack like any other: its
rules carry ids, examples and evidence, provenance names them, and ``learned_packs`` keeps them
on disk for review and reuse with ``--rules``.

The result depends only on the documents, the options and the version: mining counts lines in
two passes in a fixed order, with bounded memory (``MineOptions.max_keys``).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cleaner.document import Document
from cleaner.rules.loader import PackSource

if TYPE_CHECKING:
    from cleaner.api import Cleaner
    from cleaner.mining import MineOptions, MineResult

LEARNED_PREFIX = "learned:"


def learn(
    cleaner: Cleaner,
    documents: Iterable[Any],
    options: MineOptions | None = None,
    *,
    domain_field: str | None = None,
    learned_packs: str | Path | None = None,
) -> tuple[Cleaner, MineResult]:
    """Mine ``documents`` (``Document``s; anything else, such as a reader's failure, is skipped)
    against ``cleaner``'s own rules, and return a cleaner with the learned packs added, and the
    mining result (its report says what was learned and why).

    With ``learned_packs`` the packs, report and generic candidates are written to that folder,
    and provenance names each pack by its file there; otherwise by ``learned:<file name>``.
    """
    from cleaner.mining import Miner
    from cleaner.rules.ruleset import RuleSet

    with Miner(options, domain_field=domain_field or cleaner.domain_field, reference=cleaner) as miner:
        for doc in documents:
            if isinstance(doc, Document):
                miner.add(doc)
            else:
                miner.add_failed()
        result = miner.finish()
    if learned_packs is not None:
        folder = Path(learned_packs)
        result.write(folder)
        sources = [PackSource(str(folder / p.file_name), p.text) for p in result.packs]
    else:
        sources = [PackSource(LEARNED_PREFIX + p.file_name, p.text) for p in result.packs]
    if not sources:
        return cleaner, result
    return cleaner.with_ruleset(RuleSet(cleaner.ruleset.sources + sources, cleaner.ruleset.cache_entries)), result


def learn_from_inputs(
    cleaner: Cleaner,
    inputs: list[str],
    fields: Any = None,
    input_format: str = "auto",
    *,
    max_bytes: int | None = None,
    options: MineOptions | None = None,
    domain_field: str | None = None,
    learned_packs: str | Path | None = None,
) -> tuple[Cleaner, MineResult]:
    """``learn`` over files and folders, read as ``cleaner clean`` reads them (``-`` cannot be read
    twice, so stdin is refused: learn from a file with ``--learn-from``)."""
    from cleaner.readers.base import DEFAULT_MAX_BYTES
    from cleaner.readers.discover import iter_documents

    if "-" in inputs:
        raise ValueError("cannot learn from stdin (it can be read only once): give --learn-from FILE")
    docs = iter_documents(list(inputs), fields, input_format, max_bytes=max_bytes or DEFAULT_MAX_BYTES)
    return learn(cleaner, docs, options, domain_field=domain_field, learned_packs=learned_packs)
