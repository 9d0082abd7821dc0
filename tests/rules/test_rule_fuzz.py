"""Random and mutated YAML fed to the rule loader: it either loads or raises ``cleaner.RuleError``
(whose problems name the file), never another exception, never a hang.

Loader bugs found this way (deep nesting, YAML alias "bombs", huge regex repeat counts, XPath
expressions that select no elements) are fixed; the tests at the end, each isolated (a subprocess
with a memory cap, or a time limit), keep them fixed.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import sys
import textwrap

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cleaner import Cleaner, RuleError
from cleaner.rules.errors import RuleProblem
from cleaner.rules.loader import PackSource
from cleaner.rules.ruleset import RuleSet, bundled_sources

EXAMPLES = int(os.environ.get("CLEANER_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
LIMIT_S = 10.0

BUNDLED = bundled_sources()
FIELDS = ["version", "name", "description", "languages", "domains", "signatures", "builtins", "rules", "id",
          "phrases", "patterns", "match", "case_sensitive", "action", "end", "max_block_lines", "position",
          "max_chars", "max_words", "captures", "examples", "input", "output", "keep", "url", "language",
          "selectors", "xpaths", "first_lines", "last_lines", "first_fraction", "last_fraction", "repeated_lines",
          "blank_lines", "html", "whitespace"]
VALUES = ["drop-line", "drop-span", "cut-after", "cut-before", "drop-block", "drop-element", "line", "start",
          "end", "anywhere", "en", "example.com", "comments.x", "x.y", "Leave a Reply", "1", "0", "-1", "0.5",
          "1e309", ".nan", ".inf", "null", "~", "true", "no", "[]", "{}", "''", "2024-01-01", "!!binary aGk=",
          "!!python/object:os.system", "&a x", "*a", "*missing"]
TOKENS = ["\n", "\n  ", "\n    ", "\n- ", "- ", ": ", ":", "[", "]", "{", "}", ", ", "'", '"', "#", "|", ">", "? ",
          "\t", " ", "&a ", "*a", "!!str ", "---\n", "...\n", "\\", "\x00", "\ufeff", "\u2028"]
REGEX_TOKENS = ["a", "b", ".", "\\w", "\\d", "\\s", "\\b", "^", "$", "(", ")", "(?:", "(?P<author>", "(?P=author)",
                "[", "]", "[^", "-", "|", "*", "+", "?", "*?", "{2}", "{1,3}", "{,5}", "{99}", "\\", "\\1", "(?i)",
                "(?<=a)", "(?!b)", "\\p{L}", "\\N{DASH}", "(?V1)", "[[:alpha:]]", "\\X", "(?>", "++", "(?|", ")*"]


class Hang(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float):
    def _raise(signum, frame):
        raise Hang(f"the loader ran for more than {seconds}s")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def load(text: str, path: str = "fuzz.yaml") -> None:
    """Load one pack: success or RuleError, within the time limit."""
    with time_limit(LIMIT_S):
        try:
            RuleSet([PackSource(path, text)])
        except RuleError as e:
            assert e.problems, "a RuleError lists its problems"
            assert all(isinstance(p, RuleProblem) and p.path == path and p.message for p in e.problems)
            str(e)  # renders


def _rule_yaml(pattern: str, action: str = "drop-line") -> str:
    return textwrap.dedent(f"""\
        version: 1
        name: fuzz
        description: fuzzed
        rules:
          - id: fuzz.rule
            description: fuzzed rule
            action: {action}
            patterns: [{yaml.safe_dump(pattern, default_style="'").strip()}]
            captures: [author]
        """)


@FUZZ
@given(st.lists(st.one_of(st.sampled_from(TOKENS), st.sampled_from(FIELDS).map(lambda f: f + ": "),
                          st.sampled_from(VALUES), st.text(max_size=8)), max_size=60).map("".join))
def test_random_yaml(text):
    load(text)


@st.composite
def mutated_pack(draw) -> str:
    src = draw(st.sampled_from(BUNDLED)).text
    rnd = random.Random(draw(st.integers(0, 2**32 - 1)))
    lines = src.split("\n")
    for _ in range(draw(st.integers(1, 6))):
        op = rnd.choice(["delete", "duplicate", "swap", "insert", "indent", "truncate", "replace"])
        i = rnd.randrange(len(lines)) if lines else 0
        if not lines:
            lines = [rnd.choice(TOKENS)]
        elif op == "delete":
            del lines[i : i + rnd.randint(1, 5)]
        elif op == "duplicate":
            lines[i:i] = lines[i : i + rnd.randint(1, 8)]
        elif op == "swap":
            j = rnd.randrange(len(lines))
            lines[i], lines[j] = lines[j], lines[i]
        elif op == "insert":
            line = lines[i]
            k = rnd.randint(0, len(line))
            lines[i] = line[:k] + rnd.choice(TOKENS + VALUES + [f + ": " for f in FIELDS]) + line[k:]
        elif op == "indent":
            lines[i] = rnd.choice(["", " ", "  ", "\t", "      "]) + lines[i].lstrip()
        elif op == "truncate":
            lines = lines[:i]
        else:
            key, sep, _ = lines[i].partition(": ")
            if sep:
                lines[i] = key + sep + rnd.choice(VALUES)
    return "\n".join(lines)


@FUZZ
@given(mutated_pack())
def test_mutated_bundled_packs(text):
    load(text)


scalars = st.one_of(st.none(), st.booleans(), st.integers(-10, 10**6), st.floats(allow_nan=True),
                    st.text(max_size=12), st.sampled_from(VALUES + FIELDS))
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=4),
                                                       st.dictionaries(st.sampled_from(FIELDS), inner, max_size=4)),
                      max_leaves=12)


@st.composite
def replaced_node(draw) -> str:
    """A bundled pack's data with one node (anywhere in the tree) replaced by a random value."""
    data = yaml.safe_load(draw(st.sampled_from(BUNDLED)).text)
    new = draw(values)
    node = data
    for _ in range(draw(st.integers(1, 6))):
        if isinstance(node, dict) and node:
            key = draw(st.one_of(st.sampled_from(sorted(node, key=str)), st.sampled_from(FIELDS)))
        elif isinstance(node, list) and node:
            key = draw(st.integers(0, len(node) - 1))
        else:
            break
        child = node.get(key) if isinstance(node, dict) else node[key]
        if isinstance(child, (dict, list)) and draw(st.booleans()):
            node = child  # go deeper
            continue
        node[key] = new  # replace (or add) this field or item
        break
    return yaml.safe_dump(data, allow_unicode=True)


@FUZZ
@given(replaced_node())
def test_bundled_packs_with_a_node_replaced(text):
    load(text)


@FUZZ
@given(st.lists(st.sampled_from(REGEX_TOKENS), min_size=1, max_size=12).map("".join),
       st.sampled_from(["drop-line", "drop-span", "cut-after"]))
def test_random_regex_patterns(pattern, action):
    load(_rule_yaml(pattern, action))


# ---- Loader bugs the fuzzing found, fixed; these keep them fixed ----


def test_deeply_nested_yaml_is_a_rule_error():
    load("[" * 3000 + "]" * 3000)


def test_yaml_alias_bomb_is_rejected_quickly():
    levels = "abcdefgh"
    text = "a: &a [x, x, x, x, x, x, x, x, x]\n"
    for prev, cur in zip(levels, levels[1:], strict=False):
        text += f"{cur}: &{cur} [" + ", ".join([f"*{prev}"] * 9) + "]\n"
    text += "version: 1\nname: x\ndescription: x\nrules: []\n"
    with time_limit(1.5):  # about 70 s on the CI machine without the time limit
        try:
            RuleSet([PackSource("bomb.yaml", text)])
        except RuleError:
            pass


def test_huge_regex_repeat_count_is_a_rule_error():
    code = textwrap.dedent(f"""
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1_500_000_000, 1_500_000_000))
        from cleaner import RuleError
        from cleaner.rules.loader import PackSource
        from cleaner.rules.ruleset import RuleSet, bundled_sources
        try:
            RuleSet([PackSource("huge.yaml", {_rule_yaml("a{{1000000000}}")!r})])
        except RuleError:
            sys.exit(0)
        sys.exit(3)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-500:]


def test_xpath_that_is_not_a_node_set_is_a_rule_error():
    text = textwrap.dedent("""\
        version: 1
        name: x
        description: x
        rules:
          - id: x.count
            description: counts, selects nothing
            action: drop-element
            xpaths: ['count(//p)']
        """)
    try:
        c = Cleaner(ruleset=RuleSet([PackSource("xpath.yaml", text)]))
    except RuleError:
        return
    c.clean_html("<html><body><article><p>" + "The harbour reopened on Monday. " * 20 + "</p></article></body></html>")
