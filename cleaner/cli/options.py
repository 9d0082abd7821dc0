"""The options the commands share, declared once: ``clean``, ``explain``, ``mine`` and the Spark entry
(``python -m cleaner.spark``) take the same flag, alias and help for the same thing.

Also the ``--config`` callback (a settings file becomes the command's defaults) and ``call``,
which runs an orchestration function from ``cleaner.run`` and turns its result into the exit.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, NoReturn, TypeVar, cast

import typer
from rich.console import Console

from cleaner.config import ConfigError, OptionSpec, defaults_from, find_config, read_config
from cleaner.readers.records import Fields
from cleaner.run import EXIT_USAGE, ExtractArgs, UsageError, print_error

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 120}
err = Console(stderr=True, soft_wrap=True)

A = TypeVar("A")


def call(fn: Callable[[A, Console], int], args: A) -> NoReturn:
    """Run ``fn(args, err)`` and exit with its code; a usage error is printed and exits 2."""
    try:
        code = fn(args, err)
    except UsageError as e:
        raise usage_exit(e) from None
    raise typer.Exit(code)


def usage_exit(e: UsageError | str) -> typer.Exit:
    """Print a usage error (or rule errors) and return the exit to raise."""
    print_error(err, e if isinstance(e, UsageError) else UsageError(e))
    return typer.Exit(EXIT_USAGE)


PATH_OPTIONS = {"rules", "output", "errors"}


def option_specs(command: typer.core.TyperCommand) -> dict[str, OptionSpec]:
    """Each long option of a command (``max-removed-share``, ``no-default-rules``) and what it takes."""
    specs: dict[str, OptionSpec] = {}
    for param in command.params:
        if getattr(param, "param_type_name", "") != "option":
            continue
        for flag in param.opts:
            if flag.startswith("--"):
                key = flag[2:]
                specs[key] = OptionSpec(param.name, param.opts, param.default, bool(param.multiple),
                                        param.name in PATH_OPTIONS)
    return specs


def _apply_config(ctx: typer.Context, value: Path | None) -> Path | None:
    """Eager ``--config``: the file's settings (or ./cleaner.toml's) become this command's defaults."""
    path = value if value is not None else find_config(Path.cwd())
    if path is None or ctx.resilient_parsing:
        return value
    root = ctx.find_root()
    clean_cmd = root.command.get_command(root, "clean") if root is not ctx else ctx.command
    try:
        table = read_config(path)
        given = defaults_from(table, option_specs(clean_cmd), path, set(option_specs(ctx.command)))
    except ConfigError as e:
        raise usage_exit(str(e)) from None
    ctx.default_map = {**(ctx.default_map or {}), **given}
    return path


ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", is_eager=True, callback=_apply_config, show_default=False,
                 help="Settings file with clean's options as keys (default: ./cleaner.toml, or [tool.cleaner] "
                      "in ./pyproject.toml); options on the command line win."),
]

# --- rules -------------------------------------------------------------------------------------------------------
RulesOpt = Annotated[
    list[Path] | None,
    typer.Option("--rules", "-r", help="Extra rule pack file or folder (repeatable)."),
]
NoDefaultOpt = Annotated[bool, typer.Option("--no-default-rules", help="Do not load the bundled rule packs.")]
DomainFieldOpt = Annotated[
    str | None,
    typer.Option("--domain-field", help="Record field holding the site (a host name) that selects site packs and "
                                        "that mine groups pages by; default: the URL's host (without www.)."),
]
MaxShareOpt = Annotated[
    float,
    typer.Option("--max-removed-share", min=0.01, max=1.0,
                 help="Guard: if rules would remove more than this share of a document's words, keep its text."),
]

# --- inputs ------------------------------------------------------------------------------------------------------
InputFormatOpt = Annotated[
    str,
    typer.Option("--input-format", help="INPUT format: auto (by name, then by content; .md is markdown), text, "
                                        "markdown, html, jsonl, json, warc or parquet."),
]
TextFieldOpt = Annotated[str, typer.Option("--text-field", help="Input record field holding the text.")]
HtmlFieldOpt = Annotated[
    str, typer.Option("--html-field", help="Input record field holding a page's HTML (used when the text field is "
                                           "absent).")
]
IdFieldOpt = Annotated[str, typer.Option("--id-field", help="Input record field holding the id.")]
UrlFieldOpt = Annotated[str, typer.Option("--url-field", help="Input record field holding the URL (site packs).")]
LanguageFieldOpt = Annotated[
    str, typer.Option("--language-field", help="Input record field holding the language code.")
]
MaxDocumentMbOpt = Annotated[
    float,
    typer.Option("--max-document-mb", min=0.001, help="Larger documents fail as 'too-large' (error records in "
                                                      "clean; counted as failed in mine)."),
]

# --- a run -------------------------------------------------------------------------------------------------------
WorkersOpt = Annotated[
    int, typer.Option("--workers", "-w", min=1, help="Worker processes (clean's default: the machine's cores; "
                                                     "mine shares the domains out among them).")
]
QuietOpt = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")]
ProvenanceOpt = Annotated[
    str,
    typer.Option("--provenance", help="Provenance in each record: compact (the rule set's sha256 and the "
                                      "record's own removals; the rest goes once into the manifest), full "
                                      "(every record describes every rule pack) or none."),
]
LearnOpt = Annotated[
    bool,
    typer.Option("--learn", help="First mine the inputs for their sites' own chrome (sites with enough "
                                 "pages), then clean with the learned packs as well (docs/mining.md)."),
]
LearnFromOpt = Annotated[
    list[str] | None,
    typer.Option("--learn-from", help="Mine these files or folders instead of the inputs (implies --learn; "
                                      "repeatable)."),
]
LearnedPacksOpt = Annotated[
    Path | None,
    typer.Option("--learned-packs", help="Keep the learned packs and the mining report in this folder, "
                                         "for review and reuse with --rules."),
]

# --- HTML extraction ---------------------------------------------------------------------------------------------
_EXTRACT = "HTML extraction (trafilatura)"
FavorPrecisionOpt = Annotated[
    bool, typer.Option("--favor-precision", rich_help_panel=_EXTRACT, help="Keep less text trafilatura is unsure of.")
]
FavorRecallOpt = Annotated[
    bool, typer.Option("--favor-recall", rich_help_panel=_EXTRACT, help="Keep more text when trafilatura is unsure.")
]
LinksOpt = Annotated[bool, typer.Option("--include-links", rich_help_panel=_EXTRACT, help="Keep link targets.")]
TablesOpt = Annotated[
    bool, typer.Option("--include-tables/--no-include-tables", rich_help_panel=_EXTRACT, help="Keep table text.")
]
FormattingOpt = Annotated[
    bool, typer.Option("--include-formatting", rich_help_panel=_EXTRACT, help="Keep emphasis marks (as Markdown).")
]
ImagesOpt = Annotated[bool, typer.Option("--include-images", rich_help_panel=_EXTRACT, help="Keep images.")]
RescueOpt = Annotated[
    bool, typer.Option("--rescue/--no-rescue", rich_help_panel=_EXTRACT,
                       help="When trafilatura's text looks truncated, let readability-lxml extract the page too.")
]
MarkdownOpt = Annotated[
    bool, typer.Option("--markdown", rich_help_panel=_EXTRACT, help="Extract Markdown: keep headings and lists.")
]


# A flag group: typer parameters declared once here, which a command takes as one object.
# Each flag is (parameter, annotation, default, the object's field).
Flag = tuple[str, object, object, str]
F = TypeVar("F", bound=Callable[..., None])


def flag_group(param: str, flags: tuple[Flag, ...], build: Callable[..., object]) -> Callable[[F], F]:
    """A decorator giving a typer command the ``flags`` as parameters; the command itself takes
    them as one ``param`` (``build(**fields)``). typer reads the rewritten signature."""

    def decorate(command: F) -> F:
        sig = inspect.signature(command, eval_str=True)  # typer reads __signature__ as it stands
        params = [p for name, p in sig.parameters.items() if name != param]
        params += [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=ann, default=default)
                   for name, ann, default, _ in flags]

        @functools.wraps(command)
        def wrapper(**kwargs: object) -> None:
            group = build(**{field: kwargs.pop(name) for name, _, _, field in flags})  # before kwargs is spread
            command(**kwargs, **{param: group})

        hints = {k: v for k, v in command.__annotations__.items() if k != param}
        wrapper.__annotations__ = {**hints, **{name: ann for name, ann, _, _ in flags}}
        setattr(wrapper, "__signature__", sig.replace(parameters=params))  # noqa: B010 - functions have no such slot for mypy
        return cast(F, wrapper)

    return decorate


with_extraction_flags = flag_group("extraction", (
    ("favor_precision", FavorPrecisionOpt, False, "favor_precision"),
    ("favor_recall", FavorRecallOpt, False, "favor_recall"),
    ("include_links", LinksOpt, False, "include_links"),
    ("include_tables", TablesOpt, True, "include_tables"),
    ("include_formatting", FormattingOpt, False, "include_formatting"),
    ("include_images", ImagesOpt, False, "include_images"),
    ("rescue", RescueOpt, True, "rescue"),
    ("markdown", MarkdownOpt, False, "markdown"),
), ExtractArgs)
"""The HTML extraction flags, as ``extraction: ExtractArgs`` (clean, explain)."""
DEFAULT_EXTRACTION = ExtractArgs()  # what a command wrapped by with_extraction_flags is declared with

with_field_flags = flag_group("fields", (
    ("text_field", TextFieldOpt, "text", "text"),
    ("html_field", HtmlFieldOpt, "html", "html"),
    ("id_field", IdFieldOpt, "id", "id"),
    ("url_field", UrlFieldOpt, "url", "url"),
    ("language_field", LanguageFieldOpt, "language", "language"),
), Fields)
"""The record field flags, as ``fields: Fields`` (clean, explain, the Spark job)."""
DEFAULT_FIELDS = Fields()
