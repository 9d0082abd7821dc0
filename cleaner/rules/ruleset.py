"""The loaded, compiled rule set and which of its rules apply to a document."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import ahocorasick
import regex

from cleaner.options import DEFAULT_CACHE_ENTRIES
from cleaner.rules.cache import load_packs
from cleaner.rules.folding import fold, phrase_anchor_at
from cleaner.rules.loader import LoadedPack, PackSource, read_sources
from cleaner.rules.matching import (
    CompiledMatcher,
    SelectorKeys,
    compile_xpaths,
    phrase_to_regex,
    selector_keys,
    xpath_substrings,
)
from cleaner.rules.schema import Matcher, Rule

BUILTIN_DEFAULTS = {
    "repeated_lines": True, "blank_lines": True, "html": True, "whitespace": True, "title": False,
    "duplicate_paragraphs": True,
}
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
    header: CompiledMatcher | None  # drop-run: the line that may name the run
    languages: tuple[str, ...]
    domains: tuple[str, ...]
    # Per XPath: class names and ids a page must have (CSS), or substrings one of which its class
    # and id values must hold (an XPath's contains() predicate); None: always query.
    xpath_keys: list[SelectorKeys | frozenset[str] | None] = field(default_factory=list)
    order: int = 0  # position in the rule set: ties between rules resolve in load order
    indexing: object = None  # prefilter.RuleIndexing, when the pack cache had it
    id: str = field(init=False)  # the rule's id, read in every inner loop: a plain attribute

    def __post_init__(self) -> None:
        self.id = self.rule.id

    @functools.cached_property
    def xpaths(self) -> list[Any]:
        """The lxml XPaths of a drop-element rule, compiled when a page first needs them: a
        process that cleans only text never imports lxml."""
        return compile_xpaths(self.rule.selectors, self.rule.xpaths)


class Selection:
    """The rules for one kind of document, split the ways the cleaner needs them."""

    def __init__(self, rules: list[CompiledRule], builtins: dict[str, bool]):
        self.rules = rules
        self.builtins = builtins
        self.text_rules = [r for r in rules if not r.rule.html_rule]
        self.html_rules = [r for r in rules if r.rule.html_rule]


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


class SignatureIndex:
    """Which scoped packs' signatures occur in a text, without a regex scan of the whole text.

    One Aho-Corasick pass finds each signature phrase's longest word; at each place it occurs,
    the rest of the phrase is checked there: the part after it with a forward match, the part
    before it with a reverse match ending at it. Exact, and cheap on a 300 kB HTML page where
    a case-insensitive regex search per pack is not."""

    def __init__(self, packs: list[CompiledPack]):
        self.always: set[int] = set()  # packs with a phrase too short to index: searched in full
        # (pack, reverse regex for the part before the anchor word, its most non-space chars, the rest)
        self.phrases: list[tuple[int, regex.Pattern | None, int, regex.Pattern]] = []
        by_anchor: dict[str, list[int]] = {}
        for i, p in enumerate(packs):
            for phrase in p.loaded.pack.signatures:
                phrase = phrase.strip()
                got = phrase_anchor_at(phrase)
                if got is None or len(got[0]) < 3:
                    self.always.add(i)
                    continue
                anchor, at = got
                by_anchor.setdefault(anchor, []).append(len(self.phrases))
                before, after = _split_phrase(phrase, at)
                self.phrases.append((i, before, 3 * len("".join(phrase[:at].split())), after))
        self.automaton = ahocorasick.Automaton() if by_anchor else None
        if self.automaton is not None:
            for a, ids in by_anchor.items():
                self.automaton.add_word(a, (len(a), tuple(ids)))
            self.automaton.make_automaton()

    def packs_in(self, text: str) -> set[int]:
        """Packs with a signature in ``text``; packs in ``always`` are left to a full search."""
        found: set[int] = set()
        if self.automaton is None:
            return found
        # Phrase regexes are literals joined by \s+: matched at a fixed place, their work is bounded
        # by the phrase's length.
        for end, (n, ids) in self.automaton.iter(fold(text)):
            start = end - n + 1
            for k in ids:
                pack, before, most, after = self.phrases[k]
                if pack in found or not after.match(text, start):
                    continue
                if before is None or before.match(text, _reach_back(text, start, most), start):
                    found.add(pack)
        return found


def _reach_back(text: str, end: int, most: int) -> int:
    """Where a match of the part before an anchor can start at the earliest: past every space and
    at most ``most`` other characters. (A reverse match over the whole text costs a scan of it.)"""
    i, seen = end, 0
    while i > 0:
        if text[i - 1].isspace():  # str.isspace() covers every character the regex \s does
            i -= 1
        elif seen < most:
            i, seen = i - 1, seen + 1
        else:
            break
    return i


def _split_phrase(phrase: str, at: int) -> tuple[regex.Pattern | None, regex.Pattern]:
    """Regexes for a signature phrase cut at its anchor word, as ``CompiledMatcher`` would match it whole."""
    flags = regex.UNICODE | regex.IGNORECASE
    head, tail = phrase[:at], phrase[at:]
    lead = r"(?<!\w)" if phrase[0].isalnum() else ""
    trail = r"(?!\w)" if phrase[-1].isalnum() else ""
    before = lead + (phrase_to_regex(head) if head.strip() else "") + (r"\s+" if head[-1:].isspace() else "")
    return (
        regex.compile(before, flags | regex.REVERSE) if before else None,
        regex.compile(phrase_to_regex(tail) + trail, flags),
    )


class RuleSet:
    """Packs compiled once; pickles as its sources so worker processes rebuild it."""

    def __init__(self, sources: list[PackSource], cache_entries: int = DEFAULT_CACHE_ENTRIES):
        self.sources = list(sources)
        self.cache_entries = cache_entries  # CleanOptions.cache_entries: bounds the two memos below
        self.packs: list[CompiledPack] = [self._compile(lp) for lp in load_packs(self.sources)]
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
        self._by_site: dict[tuple[str | None, str | None, bool], tuple] = {}
        self._signatures = SignatureIndex(self.packs)
        self._html_pack_ids = {i for i, p in enumerate(self.packs) if any(r.rule.html_rule for r in p.rules)}

    @classmethod
    def load(
        cls, paths: list[Path | str] | None = None, default_rules: bool = True,
        cache_entries: int = DEFAULT_CACHE_ENTRIES,
    ) -> RuleSet:
        sources = bundled_sources() if default_rules else []
        sources += read_sources(list(paths or []))
        return cls(sources, cache_entries)

    def __reduce__(self):
        return (RuleSet, (self.sources, self.cache_entries))

    @staticmethod
    def _compile(lp: LoadedPack) -> CompiledPack:
        pack = lp.pack
        langs = tuple(x.lower() for x in pack.languages)
        rules = [
            CompiledRule(
                rule=r,
                pack=pack.name,
                start=CompiledMatcher.build(r, r.max_chars),
                end=CompiledMatcher.build(r.end, r.max_chars) if r.end else None,
                header=CompiledMatcher.build(r.run.header) if r.run and r.run.header else None,
                languages=tuple(x.lower() for x in r.languages) or langs,
                domains=tuple(d.lower() for d in r.domains),
                xpath_keys=[selector_keys(x) for x in r.selectors] + [xpath_substrings(x) for x in r.xpaths],
                indexing=lp.indexing[i] if lp.indexing else None,
            )
            for i, r in enumerate(pack.rules)
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

    def _site_scope(
        self, host: str | None, lang: str | None, html_only: bool
    ) -> tuple[tuple[int, ...], list[tuple[int, CompiledPack]], tuple[int, ...]]:
        """Scoped packs on for a site and language whatever the text says, the packs that are on only
        if their signature occurs, and the scoped rules that are on."""
        static_on: list[int] = []
        by_signature: list[tuple[int, CompiledPack]] = []
        for i, p in self._scoped_packs:
            if html_only and i not in self._html_pack_ids:
                continue
            if not language_allows(lang, p.languages):
                continue
            if (not p.domains and p.signatures is None) or domain_matches(host, p.domains):
                static_on.append(i)
            elif p.signatures is not None:
                by_signature.append((i, p))
        rules_on = tuple(
            r.order
            for r in self._scoped_rules
            if language_allows(lang, r.languages) and (not r.domains or domain_matches(host, r.domains))
        )
        return tuple(static_on), by_signature, rules_on

    def selection(
        self,
        url: str | None,
        language: str | None,
        text: str,
        exhaustive: bool = False,
        html_only: bool = False,
        kind: str = "text",
    ) -> Selection:
        """The rules that may fire on this document (text and HTML) and its built-in switches.

        Cached: a crawl has few distinct combinations of scoped packs that apply, so the
        per-document cost does not grow with the number of rules. With ``html_only`` the caller
        wants only ``html_rules``: packs without HTML rules are not looked at (no signature search
        of a whole page for packs that could not prune it)."""
        host = domain_of(url)
        lang = language.lower().replace("_", "-").split("-")[0] if language else None
        # Only scoped packs and scoped rules are looked at per document; the key is which of
        # them apply, so every site without a site pack shares one cached selection. What depends
        # on the site and language alone is worked out once per (site, language).
        scope_key = (host, lang, html_only and not exhaustive)
        site = self._by_site.get(scope_key)
        if site is None:
            if len(self._by_site) >= self.cache_entries:
                self._by_site.clear()
            site = self._by_site[scope_key] = self._site_scope(host, lang, scope_key[2])
        static_on, by_signature, rules_on = site
        if by_signature:
            # The index answers for most packs in one pass; exhaustive mode searches each pack's regex.
            known = None if exhaustive else self._signatures.packs_in(text)
            signed_on: list[int] = []
            for i, p in by_signature:
                if known is not None and i not in self._signatures.always:
                    hit = i in known
                else:
                    hit = p.signatures is not None and p.signatures.search(text) is not None
                if hit:
                    signed_on.append(i)
            packs_on = tuple(sorted(static_on + tuple(signed_on))) if signed_on else static_on
        else:
            packs_on = static_on
        key = (packs_on, rules_on, kind)
        cached = self._selections.get(key)
        if cached is not None:
            return cached
        on_packs, on_rules = set(packs_on), set(rules_on)
        builtins = dict(BUILTIN_DEFAULTS)
        chosen: list[CompiledRule] = []
        for i, p in enumerate(self.packs):
            if i in self._scoped_pack_ids and i not in on_packs:
                continue
            if p.loaded.pack.kinds and kind not in p.loaded.pack.kinds:
                continue  # a Markdown pack does not touch plain text, and the other way round
            if p.loaded.pack.builtins:
                builtins.update(p.loaded.pack.builtins.model_dump(exclude_none=True))
            chosen.extend(
                r for r in p.rules
                if (r.order not in self._scoped_rule_ids or r.order in on_rules)
                and (not r.rule.kinds or kind in r.rule.kinds)
            )
        sel = Selection(chosen, builtins)
        if len(self._selections) >= self.cache_entries:
            self._selections.clear()
        self._selections[key] = sel
        return sel
