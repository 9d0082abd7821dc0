"""Line shapes: what a line looks like, whatever its words.

Chrome that recurs across sites recurs as shape, not wording: a run of short headlines under
"Related", a line that is nothing but links, a "|"-joined tag list, a dated teaser. A rule's
``shape:`` states such conditions; this module is their one definition. Every test here looks
at one line (plus, for ``repeats``, the page's title or description), runs fixed, bounded
regexes on at most the line's last or first ``_EDGE`` characters, and so costs the same on any
machine: no rule pattern is involved.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import regex

from cleaner.rules.schema import Shape

_EDGE = 48  # date tests look at this many characters at the line's end or start
# Ideographs, kana and hangul carry about two characters a word: counted so "max_words" means
# roughly the same in Chinese as in English.
_CJK = regex.compile(r"[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]")
_CLOSERS = "\"'”’»›)]}*_ "
_SENTENCE_END = frozenset(".!?…。！？")
_BULLET = regex.compile(r"\s*(?:[-*+•·▪►◦–—]|\d{1,2}[.)])\s+")

_MONTHS = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_DATE = (
    r"(?:"
    r"\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]\.?m\.?)?(?:\s+[a-z]{2,4})?"  # 10:45, 10:45 pm, 10:45 EST
    r"|\d{4}[-/.]\d{1,2}[-/.]\d{1,2}"  # 2024-05-01
    r"|\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})"  # 01.05.2024
    r"|" + _MONTHS + r"\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?"  # May 1, 2024
    r"|\d{1,2}(?:st|nd|rd|th)?\s+" + _MONTHS + r"(?:,?\s+\d{4})?"  # 1 May 2024
    r"|\d{1,2}\.?\s+\p{L}{3,12}\.?,?\s+\d{4}"  # 1 мая 2024, 1. Mai 2024, 1 Μαΐου 2024
    r"|\p{L}{3,12}\.?\s+\d{1,2},?\s+\d{4}"  # Mai 1, 2024
    r"|(?:\d{4}年)?\d{1,2}月\d{1,2}日(?:\s*\d{1,2}[:：]\d{2})?"  # 2024年5月1日 10:45
    r"|\d+\s+(?:seconds?|secs?|minutes?|mins?|hours?|hrs?|days?|weeks?|months?|years?)\s+ago"
    r"|\d+\s*(?:分钟|小时|天)前"
    r"|yesterday|today"
    r")"
)
# A date must stand apart from the word before it; CJK text runs a headline straight into it.
_DATE_AT_END = regex.compile(
    r"(?:^|[\s(\[|·•,–—)）】-]|(?<=[\p{Han}\p{Hiragana}\p{Katakana}\p{Hangul}]))" + _DATE + r"(?:\s*[)\]）】])?\s*$",
    regex.IGNORECASE,
)
# At a line's start a month and day must carry a year: "September 10 12pm-1pm Room 217" begins
# a schedule's row, while dated teasers and tickers begin "May 1, 2024" or "10:45".
_DATE_START = _DATE.replace(r"(?:,?\s+\d{4})?", r",?\s+\d{4}")
assert _DATE_START.count(r",?\s+\d{4}") >= 2
_DATE_AT_START = regex.compile(r"^\s*(?:[(\[]\s*)?" + _DATE_START + r"(?=$|[\s)\]|·•,:–—-])", regex.IGNORECASE)

_MD_LINK = r"!?\[[^\]\n]{0,300}\]\([^)\n]{0,600}\)"  # [text](url), ![alt](src)
_MD_LINKED_IMAGE = r"\[!\[[^\]\n]{0,300}\]\([^)\n]{0,600}\)\]\([^)\n]{0,600}\)"  # [![alt](src)](href)
_URL = r"(?:<?(?:https?://|www\.)[^\s<>]{1,600}>?)"
_SEP = r"[\s|·•,/»›>–—:;-]"
_LINKS_LINE = regex.compile(
    r"^\s*(?:[-*+•]\s+)?(?:(?:" + _MD_LINKED_IMAGE + "|" + _MD_LINK + "|" + _URL + r")" + _SEP + r"*)+$"
)
_URL_LINE = regex.compile(r"^\s*(?:[-*+•]\s+)?" + _URL + r"\s*$")
_IMAGE_LINE = regex.compile(r"^\s*(?:(?:" + _MD_LINKED_IMAGE + r"|!\[[^\]\n]{0,300}\]\([^)\n]{0,600}\))\s*)+$")
_LINK_DEFINITION = regex.compile(r"^ {0,3}\[[^\]\n]{1,300}\]:\s*\S+")
_KEYWORD_SEPARATORS = ("|", "、", "·", "•")
_CODE_CHARS = frozenset("<>=()[]{}")
_DIGIT = regex.compile(r"\d")
_WORD = regex.compile(r"\w+")


# Every character ``_CJK`` matches, and a few more around them, as ranges the standard library's
# engine scans twice as fast over a whole document (``tests/test_structure.py`` checks the cover).
_CJK_COVER = re.compile(
    "[\u1100-\u11ff\u2e80-\u2fdf\u3005-\u9fff\ua960-\ua97f\uac00-\ud7ff\uf900-\ufaff\uff66-\uffdc"
    "\U00016fe0-\U00016fff\U0001aff0-\U0001b2ff\U0001f200\U00020000-\U0003ffff]")


def has_cjk(text: str) -> bool:
    """Whether ``word_count`` may differ from a whitespace split of the text (it never does without
    CJK). True may also mean a character next to the CJK blocks: the answer errs only that way."""
    return not text.isascii() and _CJK_COVER.search(text) is not None


def cjk_chars(text: str) -> int:
    """How many ideographs, kana and hangul the text holds."""
    return 0 if text.isascii() else len(_CJK.findall(text))


def word_count(text: str) -> int:
    """Whitespace-separated words, with runs of CJK characters counted at two characters a word."""
    if text.isascii():
        return len(text.split())
    cjk = cjk_chars(text)
    if not cjk:
        return len(text.split())
    return len(_CJK.sub("", text).split()) + (cjk + 1) // 2


_DATE_WORDS = regex.compile(r"\d|yesterday|today", regex.IGNORECASE)


def may_hold_date(text: str) -> bool:
    """Every date ``_DATE`` accepts has a digit or is "yesterday" or "today": a line without them
    holds none, and the date regexes need not run on it (most lines of prose)."""
    return _DATE_WORDS.search(text) is not None


def ends_like_sentence(text: str) -> bool:
    t = text.rstrip(_CLOSERS)
    return bool(t) and t[-1] in _SENTENCE_END


def is_title_case(text: str) -> bool:
    """At least two thirds of the words of four or more letters start with a capital (at least two)."""
    long = [w for w in text.split() if len(w) >= 4 and w[0].isalpha() and (w[0].isupper() or w[0].islower())]
    if len(long) < 2:
        return False
    upper = sum(1 for w in long if w[0].isupper())
    return upper * 3 >= len(long) * 2


def keyword_list(text: str) -> bool:
    """Three or more short items joined by one list separator ("a | b | c", "a、b、c", "a · b · c"),
    or two or more hashtags. Commas, slashes and semicolons are left out: sentences, specs and code
    use them (measured on WCXB articles, they removed more article text than tag lists)."""
    t = text.strip()
    if not t or ends_like_sentence(t) or t[0] == "|" or t[-1] == "|":  # a table row is not a list
        return False
    if text[:2].isspace() or _CODE_CHARS.intersection(t):  # indented or bracketed: code, not tags
        return False
    if t.startswith("#") and not t.startswith("# "):  # hashtags
        tags = t.split()
        return len(tags) >= 2 and all(w.startswith("#") and len(w) > 1 for w in tags)
    for sep in _KEYWORD_SEPARATORS:
        if t.count(sep) < 2:
            continue
        items = [x.strip() for x in t.split(sep)]
        # Items with figures are a table row or a spec line ("1 bedroom | $648 | 4 hours"), not tags.
        if len(items) >= 3 and all(x and word_count(x) <= 3 and not _DIGIT.search(x) for x in items):
            return True
    return False


def similarity(line: str, reference: str) -> float:
    """How much of the shorter of two texts' word sets the other holds (each needs three words),
    0.0 when the line has over twice the reference's words: a headline repeated with a kicker or a
    site name added still counts, a paragraph that merely mentions it does not."""
    wa = set(_WORD.findall(line.casefold()))
    wb = set(_WORD.findall(reference.casefold()))
    if len(wa) < 3 or len(wb) < 3 or len(wa) > 2 * len(wb):
        return 0.0
    return len(wa & wb) / min(len(wa), len(wb))


# Literals one of which every line of a kind holds: what the prefilter finds such a rule's lines
# by. ("www." is matched with its case; its lowercase form finds a superset in folded text.)
KIND_LITERALS: dict[str, tuple[str, ...]] = {
    "links": ("](", "://", "www."),  # a Markdown link's "](" or a URL
    "url": ("://", "www."),
    "image": ("![",),
    "link-definition": ("]:",),
}


def shape_literals(shapes: list[Shape]) -> tuple[str, ...] | None:
    """Literals one of which a line must hold for any of the shapes to match, or None."""
    out: set[str] = set()
    for s in shapes:
        found = KIND_LITERALS.get(s.kind) if s.kind is not None else None
        if not found:
            return None
        out.update(found)
    return tuple(sorted(out)) or None


LINE_KINDS: dict[str, Callable[[str], bool]] = {
    "links": lambda t: _LINKS_LINE.match(t) is not None,  # only Markdown links, URLs and separators
    "url": lambda t: _URL_LINE.match(t) is not None,  # one bare URL
    "image": lambda t: _IMAGE_LINE.match(t) is not None,  # only Markdown images
    "link-definition": lambda t: _LINK_DEFINITION.match(t) is not None,  # "[3]: https://…"
    "keyword-list": keyword_list,
}


@dataclass(frozen=True)
class PageContext:
    """What a shape may compare a line with: the page's own headline and description."""

    title: str | None = None
    description: str | None = None


NO_PAGE = PageContext()


class ShapeTest:
    """One ``Shape`` as a test of a line; a list of shapes matches if any of them does."""

    def __init__(self, shape: Shape):
        self.shape = shape
        s = shape
        tests: list[Callable[[str], bool]] = []
        if s.sentence_end is not None:
            want = s.sentence_end
            tests.append(lambda t: ends_like_sentence(t) == want)
        if s.title_case is not None:
            want_tc = s.title_case
            tests.append(lambda t: is_title_case(t) == want_tc)
        if s.ends_with_date or s.starts_with_date:
            tests.append(may_hold_date)  # the same answer as the date tests below, found faster
        if s.ends_with_date is not None:
            want_end = s.ends_with_date
            tests.append(lambda t: (_DATE_AT_END.search(t[-_EDGE:]) is not None) == want_end)
        if s.starts_with_date is not None:
            want_start = s.starts_with_date
            tests.append(lambda t: (_DATE_AT_START.match(t[:_EDGE]) is not None) == want_start)
        if s.bullet is not None:
            want_b = s.bullet
            tests.append(lambda t: (_BULLET.match(t) is not None) == want_b)
        if s.kind is not None:
            literals = KIND_LITERALS.get(s.kind)
            if literals:  # one of them is in every line of the kind: a cheap test before the regex
                tests.append(lambda t: any(lit in t for lit in literals))
            tests.append(LINE_KINDS[s.kind])
        # Word counts last: the other tests are cheaper and rule out more lines.
        if s.min_words is not None or s.max_words is not None:
            lo, hi = s.min_words or 0, s.max_words or 10**9
            tests.append(lambda t: lo <= word_count(t) <= hi)
        self.tests = tuple(tests)
        self.repeats = s.repeats
        self.min_similarity = s.min_similarity

    def __call__(self, text: str, page: PageContext) -> bool:
        for test in self.tests:
            if not test(text):
                return False
        if self.repeats is not None:
            other = page.title if self.repeats == "title" else page.description
            if not other or similarity(text, other) < self.min_similarity:
                return False
        return True


class ShapeSet:
    """A matcher's shapes: any one of them must hold."""

    def __init__(self, shapes: list[Shape]):
        self.tests = [ShapeTest(s) for s in shapes]
        self.needs_page = any(t.repeats is not None for t in self.tests)
        # The fewest and most words a line may have for some shape to hold (None: no most).
        self.min_words = min(s.min_words or 0 for s in shapes)
        highs = [s.max_words for s in shapes]
        self.max_words = None if None in highs else max(h for h in highs if h is not None)

    def __call__(self, text: str, page: PageContext) -> bool:
        return any(t(text, page) for t in self.tests)
