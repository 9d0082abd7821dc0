"""The loaded, compiled rule set and which of its rules apply to a document."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

from lxml import etree

from cleaner.rules.loader import LoadedPack, PackSource, parse_packs, read_sources
from cleaner.rules.matching import CompiledMatcher, compile_xpaths
from cleaner.rules.schema import Matcher, Rule

BUILTIN_DEFAULTS = {"repeated_lines": True, "blank_lines": True, "html": True, "whitespace": True, "title": True}
BUNDLED_PREFIX = "bundled:"


def bundled_rules_dir() -> Path:
    """The packs shipped in the wheel (``cleaner/_packs``), or ``rules/`` in a source checkout."""
    shipped = Path(str(resources.files("cleaner"))) / "_packs"
    if shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parents[2] / "rules"


def bundled_sources() -> list[PackSource]:
    root = bundled_rules_dir()
    # Relative names keep provenance identical whichever machine or venv ran it.
    return [
        PackSource(BUNDLED_PREFIX + str(Path(s.path).relative_to(root)), s.text)
        for s in read_sources([root])
    ]


def domain_of(url: str | None) -> str | None:
    if not url:
        return None
    host = urlsplit(url if "//" in url else "//" + url).hostname
    return host.lower().rstrip(".") if host else None


def domain_matches(host: str | None, domains: tuple[str, ...]) -> bool:
    if not host:
        return False
    return any(host == d or host.endswith("." + d) for d in domains)


def language_allows(doc_lang: str | None, langs: tuple[str, ...]) -> bool:
    # Unknown language does not block a rule: most texts arrive unlabelled.
    if not langs or not doc_lang:
        return True
    base = doc_lang.lower().replace("_", "-").split("-")[0]
    return base in langs


@dataclass
class CompiledRule:
    rule: Rule
    pack: str
    start: CompiledMatcher
    end: CompiledMatcher | None
    languages: tuple[str, ...]
    domains: tuple[str, ...]
    xpaths: list[etree.XPath] = field(default_factory=list)
    order: int = 0  # position in the rule set: ties between rules resolve in load order

    @property
    def id(self) -> str:
        return self.rule.id


class Selection:
    """The rules for one kind of document, split the ways the cleaner needs them."""

    def __init__(self, rules: list[CompiledRule], builtins: dict[str, bool]):
        self.rules = rules
        self.builtins = builtins
        self.text_rules = [r for r in rules if not r.rule.html_rule]
        self.html_rules = [r for r in rules if r.rule.html_rule]
        self.text_ids = frozenset(r.id for r in self.text_rules)
        self._unanchored: dict[frozenset[str], list[CompiledRule]] = {}

    def unanchored(self, anchored: frozenset[str]) -> list[CompiledRule]:
        got = self._unanchored.get(anchored)
        if got is None:
            got = self._unanchored[anchored] = [r for r in self.text_rules if r.id not in anchored]
        return got


@dataclass
class CompiledPack:
    loaded: LoadedPack
    rules: list[CompiledRule]
    domains: tuple[str, ...]
    languages: tuple[str, ...]
    signatures: CompiledMatcher | None

    @property
    def name(self) -> str:
        return self.loaded.pack.name

    def applies(self, host: str | None, language: str | None, text: str, timeout: float) -> bool:
        if not language_allows(language, self.languages):
            return False
        if not self.domains and self.signatures is None:
            return True
        if domain_matches(host, self.domains):
            return True
        return self.signatures is not None and self.signatures.search(text, timeout) is not None


class RuleSet:
    """Packs compiled once; pickles as its sources so worker processes rebuild it."""

    def __init__(self, sources: list[PackSource]):
        self.sources = list(sources)
        self.packs: list[CompiledPack] = [self._compile(lp) for lp in parse_packs(self.sources)]
        self.rules: list[CompiledRule] = [r for p in self.packs for r in p.rules]
        for i, r in enumerate(self.rules):
            r.order = i
        self.by_id = {r.id: r for r in self.rules}
        self._scoped_packs = [
            (i, p) for i, p in enumerate(self.packs) if p.domains or p.signatures is not None or p.languages
        ]
        self._scoped_pack_ids = {i for i, _ in self._scoped_packs}
        self._scoped_rules = [r for r in self.rules if r.domains or r.languages]
        self._scoped_rule_ids = {r.order for r in self._scoped_rules}
        self._selections: dict[tuple, Selection] = {}

    @classmethod
    def load(cls, paths: list[Path | str] | None = None, default_rules: bool = True) -> RuleSet:
        sources = bundled_sources() if default_rules else []
        sources += read_sources(list(paths or []))
        return cls(sources)

    def __reduce__(self):
        return (RuleSet, (self.sources,))

    @staticmethod
    def _compile(lp: LoadedPack) -> CompiledPack:
        pack = lp.pack
        langs = tuple(x.lower() for x in pack.languages)
        rules = [
            CompiledRule(
                rule=r,
                pack=pack.name,
                start=CompiledMatcher.build(r),
                end=CompiledMatcher.build(r.end) if r.end else None,
                languages=tuple(x.lower() for x in r.languages) or langs,
                domains=tuple(d.lower() for d in r.domains),
                xpaths=compile_xpaths(r.selectors, r.xpaths),
            )
            for r in pack.rules
        ]
        sig = (
            CompiledMatcher.build(Matcher(phrases=pack.signatures, match="anywhere"))
            if pack.signatures
            else None
        )
        return CompiledPack(lp, rules, tuple(d.lower() for d in pack.domains), langs, sig)

    @property
    def sha256(self) -> str:
        h = hashlib.sha256()
        for p in self.packs:
            h.update(p.loaded.source.sha256.encode())
        return h.hexdigest()

    def describe(self) -> dict:
        return {
            "sha256": self.sha256,
            "packs": [
                {
                    "name": p.name,
                    "version": p.loaded.pack.version,
                    "path": p.loaded.source.path,
                    "sha256": p.loaded.source.sha256,
                    "rules": len(p.rules),
                }
                for p in self.packs
            ],
        }

    def selection(self, url: str | None, language: str | None, text: str, timeout: float) -> Selection:
        """The rules that may fire on this document (text and HTML) and its built-in switches.

        Cached: a crawl has few distinct combinations of scoped packs that apply, so the
        per-document cost does not grow with the number of rules."""
        host = domain_of(url)
        lang = language.lower().replace("_", "-").split("-")[0] if language else None
        # Only scoped packs and scoped rules are looked at per document; the key is which of
        # them apply, so every site without a site pack shares one cached selection.
        packs_on = tuple(i for i, p in self._scoped_packs if p.applies(host, lang, text, timeout))
        rules_on = tuple(
            r.order
            for r in self._scoped_rules
            if language_allows(lang, r.languages) and (not r.domains or domain_matches(host, r.domains))
        )
        key = (packs_on, rules_on)
        cached = self._selections.get(key)
        if cached is not None:
            return cached
        on_packs, on_rules = set(packs_on), set(rules_on)
        builtins = dict(BUILTIN_DEFAULTS)
        chosen: list[CompiledRule] = []
        for i, p in enumerate(self.packs):
            if i in self._scoped_pack_ids and i not in on_packs:
                continue
            if p.loaded.pack.builtins:
                builtins.update(p.loaded.pack.builtins.model_dump(exclude_none=True))
            chosen.extend(r for r in p.rules if r.order not in self._scoped_rule_ids or r.order in on_rules)
        sel = Selection(chosen, builtins)
        if len(self._selections) >= 4096:
            self._selections.clear()
        self._selections[key] = sel
        return sel
