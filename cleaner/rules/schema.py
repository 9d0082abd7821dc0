"""The YAML rule format as pydantic models.

Models forbid unknown fields so a typo (``pattern:`` for ``patterns:``) is a load
error with a line number instead of a rule that silently never fires.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Action = Literal["drop-line", "drop-span", "cut-after", "cut-before", "drop-block", "drop-run", "drop-element"]
MatchMode = Literal["line", "start", "end", "anywhere"]
LineKind = Literal["links", "url", "keyword-list", "image", "link-definition"]
DocKind = Literal["text", "markdown"]

ACTIONS: tuple[str, ...] = (
    "drop-line", "drop-span", "cut-after", "cut-before", "drop-block", "drop-run", "drop-element",
)
KINDS: tuple[str, ...] = ("text", "markdown")
RULE_ID = r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Shape(_Strict):
    """What a line looks like, whatever its words: every condition given must hold.

    Chrome that recurs across sites recurs as shape (a run of short headlines, a line of links,
    a tag list), not as wording; see ``cleaner/rules/shapes.py`` for each test's definition.
    """

    min_words: int | None = Field(default=None, ge=1)
    max_words: int | None = Field(default=None, ge=1)
    sentence_end: bool | None = None  # True: ends like a sentence (. ! ? … 。); False: does not
    title_case: bool | None = None  # most longer words capitalised (cased scripts only)
    ends_with_date: bool | None = None  # a date, a time or "N hours ago" at the end
    starts_with_date: bool | None = None
    bullet: bool | None = None  # starts with a list marker: - * • · ▪ or "1."
    kind: LineKind | None = None  # what the whole line is; see shapes.LINE_KINDS
    repeats: Literal["title", "description"] | None = None  # says again what the page's title or description says
    min_similarity: float = Field(default=0.8, gt=0, le=1)  # for repeats: shared words over the larger word set

    @model_validator(mode="after")
    def _needs_test(self) -> Shape:
        if all(v is None for k, v in self.model_dump().items() if k != "min_similarity"):
            raise ValueError("a shape needs at least one condition")
        if self.min_words and self.max_words and self.min_words > self.max_words:
            raise ValueError("shape: min_words is larger than max_words")
        return self


class Matcher(_Strict):
    """What a line must contain (phrases and/or patterns) and what it must look like (shape).

    Phrases and patterns are alternatives (any one may match); a shape, or any of a list of
    shapes, must hold as well.
    """

    phrases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    match: MatchMode = "line"
    case_sensitive: bool = False
    shape: list[Shape] | None = None  # one shape, or a list of which any one may hold

    @field_validator("shape", mode="before")
    @classmethod
    def _one_or_many(cls, v: object) -> object:
        return [v] if isinstance(v, dict) else v

    @property
    def shapes(self) -> list[Shape]:
        return list(self.shape or [])

    @model_validator(mode="after")
    def _needs_something(self) -> Matcher:
        if not self.phrases and not self.patterns and not self.shape and not getattr(self, "html_rule", False):
            raise ValueError("needs at least one of 'phrases', 'patterns' or 'shape'")
        if isinstance(self.shape, list) and not self.shape:
            raise ValueError("'shape' is an empty list")
        if any(not p.strip() for p in self.phrases):
            raise ValueError("'phrases' contains an empty phrase")
        if any(not p for p in self.patterns):
            raise ValueError("'patterns' contains an empty pattern")
        return self


class Position(_Strict):
    """Where in the document (counted over non-blank lines) a rule may fire.

    With several bounds a line qualifies if it is inside any of them.
    """

    first_lines: int | None = Field(default=None, ge=1)
    last_lines: int | None = Field(default=None, ge=1)
    first_fraction: float | None = Field(default=None, gt=0, le=1)
    last_fraction: float | None = Field(default=None, gt=0, le=1)

    @model_validator(mode="after")
    def _needs_bound(self) -> Position:
        if all(v is None for k, v in self.model_dump().items() if k != "min_similarity"):
            raise ValueError("position needs at least one of first_lines, last_lines, first_fraction, last_fraction")
        return self


class Example(_Strict):
    """An inline test case: ``output`` when the rule fires, ``keep: true`` when it must not."""

    input: str
    output: str | None = None
    keep: bool = False
    url: str | None = None
    language: str | None = None
    kind: DocKind | None = None  # the input's text kind; default text
    title: str | None = None  # the page's headline, for rules and built-ins that compare with it

    @model_validator(mode="after")
    def _output_or_keep(self) -> Example:
        if self.keep and self.output is not None:
            raise ValueError("an example has either 'output' or 'keep: true', not both")
        if not self.keep and self.output is None:
            raise ValueError("an example needs 'output' (what remains) or 'keep: true'")
        return self


class Run(_Strict):
    """For ``drop-run``: how many consecutive matching lines make a block, and what may head it."""

    min_lines: int = Field(default=3, ge=1)
    max_lines: int = Field(default=60, ge=1)
    header: Matcher | None = None  # a line just before the run that names it ("Related stories")
    require_header: bool = False  # fire only on runs that follow a header line

    @model_validator(mode="after")
    def _header(self) -> Run:
        if self.require_header and self.header is None:
            raise ValueError("run: 'require_header' needs a 'header' matcher")
        if self.min_lines > self.max_lines:
            raise ValueError("run: min_lines is larger than max_lines")
        return self


class Rule(Matcher):
    id: str = Field(pattern=RULE_ID)
    description: str = Field(min_length=1)
    action: Action
    selectors: list[str] = Field(default_factory=list)
    xpaths: list[str] = Field(default_factory=list)
    end: Matcher | None = None
    max_block_lines: int = Field(default=40, ge=1)
    position: Position | None = None
    max_chars: int | None = Field(default=None, ge=1)
    max_words: int | None = Field(default=None, ge=1)
    # drop-line: a form that matches more lines than this in one document is that page's own
    # structure (an event listing's dates), not chrome, and the rule removes none of them there.
    max_matches: int | None = Field(default=None, ge=1)
    domains: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    captures: list[str] = Field(default_factory=list)
    keep_group: str | None = None  # drop-span: keep this named group, drop the rest of the match
    run: Run | None = None
    kinds: list[DocKind] = Field(default_factory=list)  # text kinds the rule applies to (all if empty)
    examples: list[Example] = Field(default_factory=list)

    @field_validator("action", mode="before")
    @classmethod
    def _known_action(cls, v: object) -> object:
        if v not in ACTIONS:
            raise ValueError(f"unknown action {v!r}; expected one of {', '.join(ACTIONS)}")
        return v

    @property
    def html_rule(self) -> bool:
        """HTML rules prune elements before extraction; all others match lines of text."""
        return self.action == "drop-element"

    @model_validator(mode="after")
    def _html_rule_shape(self) -> Rule:
        if self.html_rule:
            if not self.selectors and not self.xpaths:
                raise ValueError("action 'drop-element' needs 'selectors' (CSS) or 'xpaths'")
            if self.phrases or self.patterns:
                raise ValueError("action 'drop-element' matches elements: use 'selectors' or 'xpaths', not phrases")
            text_only = ("position", "max_chars", "max_words", "end", "captures", "shape", "run", "keep_group")
            used = [f for f in text_only if getattr(self, f)]
            if used:
                raise ValueError(f"{', '.join(used)} do not apply to action 'drop-element'")
        elif self.selectors or self.xpaths:
            raise ValueError("'selectors' and 'xpaths' are only for action 'drop-element'")
        return self

    @model_validator(mode="after")
    def _block_needs_end(self) -> Rule:
        if self.action == "drop-block" and self.end is None:
            raise ValueError("action 'drop-block' needs an 'end' matcher")
        if self.action != "drop-block" and self.end is not None:
            raise ValueError("'end' is only for action 'drop-block'")
        if self.action == "drop-span" and self.match == "line":
            # A whole-line span is a drop-line; say so rather than guess.
            raise ValueError("action 'drop-span' needs match 'start', 'end' or 'anywhere'")
        if self.captures and not self.patterns:
            raise ValueError("'captures' name groups of 'patterns', but the rule has none")
        if self.action == "drop-run" and self.run is None:
            raise ValueError("action 'drop-run' needs a 'run' (at least 'min_lines')")
        if self.action != "drop-run" and self.run is not None:
            raise ValueError("'run' is only for action 'drop-run'")
        if self.max_words is not None:
            long = [p for p in self.phrases if len(p.split()) > self.max_words]
            if long:
                raise ValueError(f"phrase {long[0]!r} has {len(long[0].split())} words, more than max_words "
                                 f"({self.max_words}): a line holding it is always too long, so it never matches")
        if self.max_matches is not None and (self.action != "drop-line" or self.captures):
            raise ValueError("'max_matches' is only for action 'drop-line' without 'captures'")
        if self.keep_group is not None:
            if self.action != "drop-span":
                raise ValueError("'keep_group' is only for action 'drop-span'")
            if not self.patterns or self.phrases:
                raise ValueError("'keep_group' names a group of 'patterns': the rule needs patterns and no phrases")
            if not all(f"(?P<{self.keep_group}>" in p for p in self.patterns):
                raise ValueError(f"'keep_group': every pattern needs a group named {self.keep_group!r}")
        return self


class Builtins(_Strict):
    """Built-in clean-ups; ``None`` leaves the setting to earlier packs or the default (on)."""

    repeated_lines: bool | None = None
    blank_lines: bool | None = None
    html: bool | None = None
    whitespace: bool | None = None
    title: bool | None = None
    duplicate_paragraphs: bool | None = None


class Pack(_Strict):
    version: Literal[1]
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    description: str = Field(min_length=1)
    languages: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)
    signatures: list[str] = Field(default_factory=list)
    kinds: list[DocKind] = Field(default_factory=list)  # text kinds the pack applies to (all if empty)
    builtins: Builtins | None = None
    rules: list[Rule] = Field(default_factory=list)

    @field_validator("signatures")
    @classmethod
    def _signatures_have_text(cls, v: list[str]) -> list[str]:
        if any(not s.strip() for s in v):
            raise ValueError("'signatures' contains an empty phrase")
        return v
