"""The YAML rule format as pydantic models.

Models forbid unknown fields so a typo (``pattern:`` for ``patterns:``) is a load
error with a line number instead of a rule that silently never fires.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

Action = Literal["drop-line", "drop-span", "cut-after", "cut-before", "drop-block", "drop-element"]
MatchMode = Literal["line", "start", "end", "anywhere"]

ACTIONS: tuple[str, ...] = ("drop-line", "drop-span", "cut-after", "cut-before", "drop-block", "drop-element")
RULE_ID = r"^[a-z0-9][a-z0-9_-]*(\.[a-z0-9][a-z0-9_-]*)+$"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Matcher(_Strict):
    """What a line must contain: literal phrases and/or regex patterns."""

    phrases: list[str] = Field(default_factory=list)
    patterns: list[str] = Field(default_factory=list)
    match: MatchMode = "line"
    case_sensitive: bool = False

    @model_validator(mode="after")
    def _needs_something(self) -> Matcher:
        if not self.phrases and not self.patterns and not getattr(self, "html_rule", False):
            raise ValueError("needs at least one of 'phrases' or 'patterns'")
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
        if all(v is None for v in self.model_dump().values()):
            raise ValueError("position needs at least one of first_lines, last_lines, first_fraction, last_fraction")
        return self


class Example(_Strict):
    """An inline test case: ``output`` when the rule fires, ``keep: true`` when it must not."""

    input: str
    output: str | None = None
    keep: bool = False
    url: str | None = None
    language: str | None = None

    @model_validator(mode="after")
    def _output_or_keep(self) -> Example:
        if self.keep and self.output is not None:
            raise ValueError("an example has either 'output' or 'keep: true', not both")
        if not self.keep and self.output is None:
            raise ValueError("an example needs 'output' (what remains) or 'keep: true'")
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
    domains: list[str] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list)
    captures: list[str] = Field(default_factory=list)
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
            text_only = ("position", "max_chars", "max_words", "end", "captures")
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
        return self


class Builtins(_Strict):
    """Built-in clean-ups; ``None`` leaves the setting to earlier packs or the default (on)."""

    repeated_lines: bool | None = None
    blank_lines: bool | None = None
    html: bool | None = None
    whitespace: bool | None = None
    title: bool | None = None


class Pack(_Strict):
    version: Literal[1]
    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*$")
    description: str = Field(min_length=1)
    languages: list[str] = Field(default_factory=list)
    domains: list[str] = Field(default_factory=list)
    signatures: list[str] = Field(default_factory=list)
    builtins: Builtins | None = None
    rules: list[Rule] = Field(default_factory=list)
