"""``Miner``: learn each site's chrome from its own pages, in two streaming passes.

Pass one (``add``) cleans each document's lines as the rules will see them, counts each line's
key once per document in its domain's lossy-counting table (counting.py), and spools the cleaned
lines to a compressed temporary file. Pass two (``finish``) reads the spool back for the domains
that have candidates, and collects exact evidence for those candidates only (evidence.py). Then
proposals are made (proposals.py), checked against other sites and the reference packs, and
written as packs whose examples have been run (packs.py). Nothing grows with the number of
documents except the spool on disk.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import shutil
import tempfile
import time
import weakref
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from cleaner.document import Document
from cleaner.mining.counting import Budget, DomainCounts, SeenFilter, Spool
from cleaner.mining.domains import document_domain, domain_slug, normalise_domain, pack_file_name, site_family
from cleaner.mining.evidence import DocumentKeys, DomainEvidence, first_words
from cleaner.mining.lines import clean_lines
from cleaner.mining.options import MineOptions
from cleaner.mining.packs import PackOutcome, assign_ids, build_pack, mark_covered
from cleaner.mining.proposals import BORDERLINE, GENERIC, WRITE, DomainProposals, group_blocks, propose
from cleaner.mining.report import GenericCandidate, render_generic, render_report

REPORT_NAME = "mine-report.md"
GENERIC_NAME = "generic-candidates.jsonl"


@dataclass
class MineStats:
    documents: int = 0  # offered to add()
    counted: int = 0
    duplicates: int = 0
    no_domain: int = 0
    empty: int = 0
    failed: int = 0
    domains: int = 0
    peak_keys: int = 0
    flushes: int = 0
    seconds_pass1: float = 0.0
    seconds_pass2: float = 0.0
    seconds_packs: float = 0.0


@dataclass
class MinedPack:
    domain: str
    file_name: str
    text: str
    rules: int


@dataclass
class MineResult:
    options: MineOptions
    stats: MineStats
    domains: list[DomainProposals] = field(default_factory=list)
    packs: list[MinedPack] = field(default_factory=list)
    generic: list[GenericCandidate] = field(default_factory=list)

    @property
    def rules_written(self) -> int:
        return sum(p.rules for p in self.packs)

    def borderline(self) -> list[tuple[str, str, float]]:
        """(domain, line, share) of every borderline line (prose-like, mid-page, dateline), for review."""
        return [(dp.domain, p.lead.display, p.share) for dp in self.domains for p in dp.by_status(BORDERLINE)]

    def report(self) -> str:
        return render_report(self)

    def write(self, folder: str | Path) -> list[Path]:
        """Write the packs, mine-report.md and generic-candidates.jsonl; return the paths written."""
        out = Path(folder)
        out.mkdir(parents=True, exist_ok=True)
        written = []
        for pack in self.packs:
            written.append(_write(out / pack.file_name, pack.text))
        written.append(_write(out / REPORT_NAME, self.report()))
        written.append(_write(out / GENERIC_NAME, render_generic(self.generic)))
        return written


def _write(path: Path, text: str) -> Path:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
    return path


def reference_cleaner(rules: list[str | Path] | None = None, default_rules: bool = True) -> Any:
    """The packs a mined line is checked against (and HTML is extracted with): the bundled packs
    and ``rules``, minus earlier mined packs (``*.mined.yaml``), which the new ones replace."""
    from cleaner.api import Cleaner
    from cleaner.rules.loader import read_sources
    from cleaner.rules.ruleset import RuleSet, bundled_sources

    sources = (bundled_sources() if default_rules else []) + read_sources(list(rules or []))
    sources = [s for s in sources if not s.path.endswith(".mined.yaml")]
    return Cleaner(ruleset=RuleSet(sources))


def document_lines(doc: Document, extractor: Any, domain_field: str | None) -> tuple[str, str | None, list[str]] | None:
    """(id, domain, cleaned non-blank lines) of a document; HTML goes through ``extractor`` (a
    ``Cleaner``: its HTML rules, then trafilatura, as ``cleaner clean`` does). None if the page
    has no main content or is not HTML."""
    text, meta_url = doc.text, None
    if doc.html is not None and not doc.text:
        if extractor is None:
            return None
        try:
            result = extractor.clean(doc)
        except Exception:  # noqa: BLE001 - NoContent, not HTML, a parser failure: the page is skipped
            return None
        text, meta_url = result.input_text, result.metadata.get("url")
    domain = document_domain(doc.url or meta_url, doc.metadata, domain_field)
    return doc.id, domain, clean_lines(text)


class Miner:
    """Feed documents with ``add``; ``finish`` (or ``packs``) runs the second pass and builds packs.

    ``reference`` is a ``Cleaner`` whose removals count as already known (and which extracts
    HTML documents); by default the bundled packs, built on first use. ``domain_field`` takes the
    site from that metadata field instead of the URL's host.
    """

    def __init__(
        self,
        options: MineOptions | None = None,
        *,
        domain_field: str | None = None,
        reference: Any = None,
        work_dir: str | Path | None = None,
    ):
        self.options = options or MineOptions()
        self.domain_field = domain_field
        self._reference = reference
        self._width = max(1, round(1 / self.options.epsilon))
        self._domains: dict[str, DomainCounts] = {}
        self._order: list[DomainCounts] = []
        self._seen = SeenFilter()
        self._budget = Budget(self.options.max_keys)
        self._tmp = Path(tempfile.mkdtemp(prefix="cleaner-mine-", dir=work_dir))
        self._spool = Spool(self._tmp / "spool.jsonl.zst")
        weakref.finalize(self, shutil.rmtree, self._tmp, True)  # a miner dropped unfinished leaves no spool
        self.stats = MineStats()
        self._result: MineResult | None = None
        self._started = time.perf_counter()

    @property
    def reference(self) -> Any:
        if self._reference is None:
            self._reference = reference_cleaner()
        return self._reference

    # --- pass one -------------------------------------------------------------------------------

    def add(self, doc: Document | str, url: str | None = None, domain: str | None = None,
            id: str | None = None) -> bool:
        """Count one document (a ``Document``, or a text with its ``url`` or ``domain``).

        HTML documents are extracted as ``cleaner clean`` extracts them. Returns False when the
        document was not counted: no domain, no text, an exact duplicate of one counted, or an
        HTML page with no main content.
        """
        if self._result is not None:
            raise RuntimeError("Miner.add after finish()")
        if isinstance(doc, str):
            doc = Document(id=id or f"doc-{self.stats.documents + 1}", text=doc, url=url)
        prepared = document_lines(doc, self.reference if doc.html is not None and not doc.text else None,
                                  self.domain_field)
        if prepared is None:
            self.add_failed()
            return False
        doc_id, name, lines = prepared
        if domain:
            name = normalise_domain(domain)
        return self.add_lines(lines, name, doc_id or f"doc-{self.stats.documents + 1}")

    def add_lines(self, lines: list[str], domain: str | None, doc_id: str) -> bool:
        """Count a document given as its cleaned non-blank lines (what ``document_lines`` computes)."""
        self.stats.documents += 1
        if not lines:
            self.stats.empty += 1
            return False
        if not domain:
            self.stats.no_domain += 1
            return False
        d = self._domains.get(domain)
        if d is None:
            d = self._domains[domain] = DomainCounts(domain, len(self._order))
            self._order.append(d)
        keys = DocumentKeys(lines, self.options)
        if self._seen.add(hash((d.index, keys.fingerprint()))):
            d.dupes += 1
            self.stats.duplicates += 1
            return False
        d.add(keys.keys(), self._width)
        self._spool.write(d.index, doc_id, lines)
        self.stats.counted += 1
        if self.stats.counted % self._budget.check_every == 0:
            self._budget.check(self._order, self._width)
        return True

    def add_failed(self) -> None:
        """Count an input that could not be read (a reader's error record)."""
        self.stats.documents += 1
        self.stats.failed += 1

    # --- pass two and packs ---------------------------------------------------------------------

    def finish(self, progress: Callable[[str, int, int], None] | None = None, workers: int = 1) -> MineResult:
        """Run the second pass, make the proposals, build and verify the packs. Idempotent.

        ``workers`` > 1 builds and verifies the packs of different domains in parallel processes
        (the part whose cost grows with the number of domains)."""
        if self._result is not None:
            return self._result
        domains = self.evidence(progress)
        reference = self.reference if self.options.skip_covered or self._reference is not None else None
        self._result = assemble(domains, self.options, self.stats, reference, progress, workers)
        return self._result

    def evidence(self, progress: Callable[[str, int, int], None] | None = None) -> list[DomainProposals]:
        """Pass two: exact evidence for each domain's candidates, and the proposals made from it."""
        o, stats = self.options, self.stats
        self._budget.check(self._order, self._width)
        stats.peak_keys, stats.flushes = self._budget.peak_keys, self._budget.flushes
        stats.domains = len(self._order)
        stats.seconds_pass1 = time.perf_counter() - self._started
        t0 = time.perf_counter()
        active: dict[int, DomainEvidence] = {}
        firsts: dict[int, frozenset[str] | None] = {}
        for d in self._order:
            if d.docs >= o.min_docs:
                cands = d.candidates(o.needed(d.docs), o.max_candidates)
                if cands:
                    active[d.index] = DomainEvidence(d.name, cands, o)
                    names = [d.names.get(h) for h in cands]
                    firsts[d.index] = None if None in names else first_words(names)  # type: ignore[arg-type]
        cap = o.evidence_docs
        total = sum(min(cap, self._order[i].docs) for i in active)
        done = 0
        ordinal = dict.fromkeys(active, 0)
        for idx, doc_id, lines in self._spool.read(set(active)):
            # A systematic sample of at most `cap` documents, spread over the whole stream.
            j, n_docs = ordinal[idx], self._order[idx].docs
            ordinal[idx] = j + 1
            if n_docs > cap and (j * cap) // n_docs == ((j - 1) * cap) // n_docs and j:
                continue
            active[idx].add(doc_id, DocumentKeys(lines, o, firsts[idx]), self._order[idx])
            done += 1
            if progress is not None and done % 1000 == 0:
                progress("pass 2", done, total)
        self._spool.remove()
        shutil.rmtree(self._tmp, ignore_errors=True)
        domains: list[DomainProposals] = []
        for d in self._order:
            if d.docs < o.min_docs:
                continue
            ev = active.get(d.index)
            dp = propose(d.name, ev.docs if ev else d.docs, list(ev.stats.values()) if ev else [], o)
            dp.duplicates, dp.total_docs = d.dupes, d.docs
            for p in dp.proposals:
                p.sampled = dp.docs < dp.total_docs
            if ev:
                dp.first_docs = ev.first_docs
            domains.append(dp)
        stats.seconds_pass2 = time.perf_counter() - t0
        return domains

    def packs(self) -> list[MinedPack]:
        return self.finish().packs

    def close(self) -> None:
        """Drop the spool without finishing (an interrupted run)."""
        self._spool.remove()
        shutil.rmtree(self._tmp, ignore_errors=True)

    def __enter__(self) -> Miner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def mark_generic(domains: list[DomainProposals], options: MineOptions) -> list[GenericCandidate]:
    """Lines that qualify in ``generic_domains`` unrelated sites leave the site packs."""
    sites: dict[str, list[tuple[DomainProposals, Any]]] = {}
    for dp in domains:
        for p in dp.proposals:
            if p.status in (WRITE, BORDERLINE):
                sites.setdefault(("\x01" if p.lead.prefix else "") + p.lead.key, []).append((dp, p))
    out = []
    for key, entries in sites.items():
        families = {site_family(dp.domain) for dp, _ in entries}
        if len(families) < options.generic_domains:
            continue
        g = GenericCandidate(key.removeprefix("\x01"), entries[0][1].lead.display)
        for dp, p in entries:
            p.status = GENERIC
            p.reason = f"qualifies on {len(families)} unrelated sites"
            g.sites.append((dp.domain, p.lead.docs, dp.docs))
        out.append(g)
    out.sort(key=lambda g: (-len(g.sites), g.key))
    return out


def assemble(
    domains: list[DomainProposals],
    options: MineOptions,
    stats: MineStats,
    reference: Any,
    progress: Callable[[str, int, int], None] | None = None,
    workers: int = 1,
) -> MineResult:
    """Proposals of all domains (from one miner or several shards) to packs: the generic check
    across sites, then per domain the coverage check, blocks, ids, examples and verification."""
    t0 = time.perf_counter()
    domains = sorted(domains, key=lambda dp: dp.domain)
    _unique_slugs(domains)
    generic = mark_generic(domains, options)
    _BUILD.update(domains=domains, options=options, reference=reference,
                  taken=frozenset(reference.ruleset.by_id) if reference is not None else frozenset())
    built: list[tuple[DomainProposals, PackOutcome]] = []
    try:
        if workers > 1 and len(domains) > 8 and "fork" in multiprocessing.get_all_start_methods():
            with multiprocessing.get_context("fork").Pool(workers) as pool:
                for got in pool.imap(_build_domain, range(len(domains)), chunksize=4):
                    built.append(got)
                    if progress is not None:
                        progress("packs", len(built), len(domains))
        else:
            for i in range(len(domains)):
                built.append(_build_domain(i))
                if progress is not None:
                    progress("packs", len(built), len(domains))
    finally:
        _BUILD.clear()
    domains = [dp for dp, _ in built]
    packs = [MinedPack(dp.domain, pack_file_name(dp.domain), out.text, out.rules) for dp, out in built if out.text]
    for dp in domains:
        dp.first_docs = {}  # only needed while building
    stats.seconds_packs = time.perf_counter() - t0
    return MineResult(options, stats, domains, packs, generic)


_BUILD: dict[str, Any] = {}  # inputs of _build_domain, inherited by forked workers


def _build_domain(i: int) -> tuple[DomainProposals, PackOutcome]:
    """Coverage check, blocks, ids, examples and verification for one domain."""
    dp: DomainProposals = _BUILD["domains"][i]
    if _BUILD["reference"] is not None and _BUILD["options"].skip_covered:
        mark_covered(dp, _BUILD["reference"])
    group_blocks(dp)
    assign_ids(dp, set(_BUILD["taken"]))
    return dp, build_pack(dp, _BUILD["options"])


def _unique_slugs(domains: list[DomainProposals]) -> None:
    """Rule ids start with ``mined.<domain slug>``: two domains must not share one (a-b.org, a.b.org)."""
    seen: dict[str, int] = {}
    for dp in domains:
        s = domain_slug(dp.domain)
        seen[s] = seen.get(s, 0) + 1
    for dp in domains:
        s = domain_slug(dp.domain)
        dp.slug = s if seen[s] == 1 else f"{s}-{hashlib.sha1(dp.domain.encode('utf-8')).hexdigest()[:6]}"


def mine(
    documents: Iterable[Document],
    options: MineOptions | None = None,
    *,
    domain_field: str | None = None,
    reference: Any = None,
    output: str | Path | None = None,
) -> MineResult:
    """Mine packs from documents in one call; with ``output``, write packs and report there."""
    with Miner(options, domain_field=domain_field, reference=reference) as miner:
        for doc in documents:
            miner.add(doc)
        result = miner.finish()
    if output is not None:
        result.write(output)
    return result
