"""Per-rule audit: did a rule remove article words (harm) or chrome words (benefit)?

Judged by bag of words against the page's gold text, so it needs no alignment: a removed word
is harmful if the gold has more copies of it than the cleaned output kept. Text rules are
judged from their removal offsets; HTML rules (which drop elements before extraction) from the
difference between trafilatura's text without and with the pruning, since a dropped element
matters only through what it changes in the extracted text.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cleaner.evaluation.metrics import word_bag, word_tokens


@dataclass
class RuleTally:
    harm: float = 0.0  # gold words removed (or, for HTML rules, non-gold words let in)
    benefit: float = 0.0  # non-gold words removed (or gold words let in)
    pages: int = 0
    fires: int = 0

    def add(self, other: RuleTally) -> None:
        self.harm += other.harm
        self.benefit += other.benefit
        self.pages += other.pages
        self.fires += other.fires

    @property
    def harmful(self) -> bool:
        return self.harm > self.benefit

    def to_list(self) -> list[float]:
        return [self.harm, self.benefit, self.pages, self.fires]

    @classmethod
    def from_list(cls, values: Sequence[float]) -> RuleTally:
        return cls(values[0], values[1], int(values[2]), int(values[3]))


def tally_text_removals(input_text: str, removals: Iterable[Any], output_text: str, gold: str) -> dict[str, RuleTally]:
    """Words each text rule removed, split into gold (harm) and non-gold (benefit).

    ``removals`` are ``cleaner.Removal`` objects (``rule``, ``start``, ``end``, ``replacement``)
    indexing ``input_text``. Removals are visited in text order; each removed token consumes
    one copy of the gold's copies not already present in the output.
    """
    need = word_bag(gold) - word_bag(output_text)
    tallies: dict[str, RuleTally] = {}
    for rm in sorted(removals, key=lambda r: (r.start, r.end)):
        removed = Counter(word_tokens(input_text[rm.start:rm.end])) - Counter(word_tokens(rm.replacement or ""))
        tally = tallies.setdefault(rm.rule, RuleTally(pages=1))
        tally.fires += 1
        for token, n in removed.items():
            hit = min(n, need[token])
            need[token] -= hit
            tally.harm += hit
            tally.benefit += n - hit
    return tallies


def tally_html_removals(
    before_text: str, after_text: str, records: Sequence[Mapping[str, Any]], gold: str
) -> dict[str, RuleTally]:
    """The effect of the page's HTML rules on the extracted text, shared out among those rules.

    harm = gold words lost + non-gold words gained; benefit = non-gold words lost + gold words
    gained (pruning can change which block trafilatura picks). When several rules fired on one
    page, the effect is divided in proportion to the characters each dropped (an approximation:
    provenance records carry only a preview of the element's text).
    """
    if not records:
        return {}
    gold_bag, before, after = word_bag(gold), word_bag(before_text), word_bag(after_text)
    lost, gained = before - after, after - before
    # gold copies still missing after pruning, and gold copies already covered before it
    missing_after = gold_bag - after
    covered_before = gold_bag & before
    lost_gold = sum((lost & missing_after).values())
    lost_other = sum(lost.values()) - lost_gold
    gained_gold = sum((gained & (gold_bag - covered_before)).values())
    gained_other = sum(gained.values()) - gained_gold
    harm, benefit = lost_gold + gained_other, lost_other + gained_gold

    chars: dict[str, float] = {}
    fires: Counter[str] = Counter()
    for rec in records:
        rule = str(rec.get("rule", "?"))
        chars[rule] = chars.get(rule, 0.0) + float(rec.get("chars") or 0)
        fires[rule] += 1
    total = sum(chars.values())
    out: dict[str, RuleTally] = {}
    for rule, c in chars.items():
        share = c / total if total else 1 / len(chars)
        out[rule] = RuleTally(harm * share, benefit * share, 1, fires[rule])
    return out


def merge_tallies(into: dict[str, RuleTally], page: Mapping[str, RuleTally | Sequence[float]]) -> None:
    for rule, tally in page.items():
        t = tally if isinstance(tally, RuleTally) else RuleTally.from_list(tally)
        into.setdefault(rule, RuleTally()).add(t)


def harmful_rules(tallies: Mapping[str, RuleTally]) -> list[str]:
    """Rules that removed more gold words than chrome words, worst first."""
    bad = [(t.harm - t.benefit, rule) for rule, t in tallies.items() if t.harmful]
    return [rule for _, rule in sorted(bad, reverse=True)]
