"""Run every rule's inline examples, each with that rule alone (semgrep's ruleid/ok idea)."""

from __future__ import annotations

from dataclasses import dataclass

from cleaner.document import Document
from cleaner.rules.ruleset import CompiledRule, RuleSet
from cleaner.rules.schema import Example


@dataclass(frozen=True)
class ExampleFailure:
    rule_id: str
    pack_path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.pack_path}:{self.line}: rule '{self.rule_id}': {self.message}"


def normalise_for_compare(text: str) -> str:
    """Examples compare line by line, ignoring blank lines and edge whitespace."""
    return "\n".join(ln.strip() for ln in text.splitlines() if ln.strip())


def run_examples(ruleset: RuleSet, require_both: bool = True) -> tuple[int, list[ExampleFailure]]:
    """Return (examples run, failures). With ``require_both`` a rule lacking a firing or a
    keeping example fails too: an untested side is how rules go wrong unnoticed."""
    from cleaner.api import Cleaner

    cleaner = Cleaner(ruleset=ruleset, max_removed_share=1.0)
    failures: list[ExampleFailure] = []
    count = 0
    for pack in ruleset.packs:
        for cr in pack.rules:
            line = pack.loaded.rule_lines.get(cr.id, 0)
            path = pack.loaded.source.path

            def fail(msg: str, cr: CompiledRule = cr, line: int = line, path: str = path) -> None:
                failures.append(ExampleFailure(cr.id, path, line, msg))

            examples = cr.rule.examples
            if require_both:
                if not any(not e.keep for e in examples):
                    fail("has no example that fires (an 'output:' case)")
                if not any(e.keep for e in examples):
                    fail("has no example that must survive (a 'keep: true' case)")
            for n, ex in enumerate(examples, 1):
                count += 1
                if cr.rule.html_rule:
                    msg = _html_example(ruleset, cr, ex)
                    if msg:
                        fail(f"example {n}{' (keep)' if ex.keep else ''}: {msg}")
                    continue
                doc = Document(
                    id=f"{cr.id}#{n}", text=ex.input, url=ex.url, language=ex.language,
                    metadata={"title": ex.title} if ex.title else {}, kind=ex.kind or "text",
                )
                result = cleaner.clean_only(doc, cr)
                fired = any(r.rule == cr.id for r in result.removed)
                got = normalise_for_compare(result.text)
                label = f"example {n}"
                if result.provenance["warnings"]:
                    fail(f"{label}: {'; '.join(result.provenance['warnings'])}")
                if ex.keep:
                    if fired or got != normalise_for_compare(ex.input):
                        fail(f"{label} (keep) was changed; got:\n{result.text}")
                else:
                    want = normalise_for_compare(ex.output or "")
                    if not fired:
                        fail(f"{label} did not fire")
                    elif got != want:
                        fail(f"{label}: expected:\n{want}\n--- got:\n{got}")
    return count, failures


def _words(text: str) -> str:
    return " ".join(text.split())


def _html_example(ruleset: RuleSet, cr: CompiledRule, ex: Example) -> str | None:
    """HTML rules: prune the example page, compare its remaining text content (words only)."""
    from lxml import html as lxml_html

    from cleaner.steps.prune import PruneElements

    tree = lxml_html.document_fromstring(ex.input)
    before = _words(tree.text_content())
    rules = ruleset.selection(ex.url, ex.language, ex.input).html_rules
    records = PruneElements([r for r in rules if r is cr]).apply(tree)
    after = _words(tree.text_content())
    if ex.keep:
        return f"was changed; got: {after}" if records or after != before else None
    if not records:
        return "did not fire"
    want = _words(ex.output or "")
    return None if after == want else f"expected text:\n{want}\n--- got:\n{after}"
