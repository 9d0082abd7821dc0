"""The ``cleaner`` command line: clean, explain, rules list|validate|test.

Exit codes: 0 everything cleaned; 1 some inputs failed (see the errors file);
2 usage or rule-file errors, or another run holds the output (nothing was cleaned);
3 the run stopped and 130 it was interrupted (both resumable); 141 stdout was closed.
"""

from __future__ import annotations

import dataclasses
import json
import os
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from cleaner import __version__
from cleaner.api import DEFAULT_MAX_REMOVED_SHARE, Cleaner
from cleaner.batch import (
    Checkpoint,
    LostRecords,
    OutputBusy,
    OutputLock,
    ProgressBar,
    Summary,
    WorkerError,
    run_batch,
)
from cleaner.config import ConfigError, OptionSpec, defaults_from, find_config, read_config
from cleaner.explain import explain_items, plural, rule_lines
from cleaner.manifest import manifest_path, run_description, write_manifest
from cleaner.options import DEFAULT_MATCH_BUDGET, CleanOptions
from cleaner.provenance import PROVENANCE_FORMS
from cleaner.readers.base import DEFAULT_MAX_BYTES, Failure, ReadStats
from cleaner.readers.discover import KINDS, InputDigest, InputsChanged, iter_documents
from cleaner.readers.jsonl import Fields
from cleaner.rules.errors import RuleError
from cleaner.rules.examples import run_examples
from cleaner.rules.ruleset import RuleSet
from cleaner.summary import summary_lines
from cleaner.writers.base import ResumeError, Writer
from cleaner.writers.jsonl import ErrorWriter, JsonlWriter, OutputFields
from cleaner.writers.parquet import PARQUET_COLUMNS, ParquetWriter
from cleaner.writers.textdir import TextDirWriter

EXIT_OK, EXIT_FAILED_INPUTS, EXIT_USAGE = 0, 1, 2
DEFAULT_WORKERS = os.cpu_count() or 1

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 120}
app = typer.Typer(
    help="Strip site chrome from web article text, with provenance for every removal.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings=CONTEXT,
)
rules_app = typer.Typer(help="List, validate and test rule packs.", no_args_is_help=True, context_settings=CONTEXT)
app.add_typer(rules_app, name="rules")

err = Console(stderr=True, soft_wrap=True)

RulesOpt = Annotated[
    list[Path] | None,
    typer.Option("--rules", "-r", help="Extra rule pack file or folder (repeatable)."),
]
NoDefaultOpt = Annotated[
    bool, typer.Option("--no-default-rules", help="Do not load the bundled rule packs.")
]
DomainFieldOpt = Annotated[
    str | None,
    typer.Option("--domain-field", help="Record field holding the site (a host name) that selects site packs, "
                                        "as for mine --domain-field; default: the URL's host."),
]
MaxShareOpt = Annotated[
    float,
    typer.Option(
        "--max-removed-share",
        min=0.01,
        max=1.0,
        help="Guard: if rules would remove more than this share of a document's words, keep its text.",
    ),
]


PATH_OPTIONS = {"rules", "output", "errors"}


def _option_specs(command: typer.core.TyperCommand) -> dict[str, OptionSpec]:
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
        given = defaults_from(table, _option_specs(clean_cmd), path, set(_option_specs(ctx.command)))
    except ConfigError as e:
        raise _usage_error(str(e)) from None
    ctx.default_map = {**(ctx.default_map or {}), **given}
    return path


ConfigOpt = Annotated[
    Path | None,
    typer.Option("--config", is_eager=True, callback=_apply_config, show_default=False,
                 help="Settings file with clean's options as keys (default: ./cleaner.toml, or [tool.cleaner] "
                      "in ./pyproject.toml); options on the command line win."),
]
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
MarkdownOpt = Annotated[
    bool, typer.Option("--markdown", rich_help_panel=_EXTRACT, help="Extract Markdown: keep headings and lists.")
]


def _clean_options(**kw: object) -> CleanOptions:
    """The options object from parsed flags; an impossible combination is a usage error."""
    markdown = kw.pop("markdown", False)
    try:
        return CleanOptions(output="markdown" if markdown else "text", **kw)  # type: ignore[arg-type]
    except ValueError as e:
        raise _usage_error(str(e)) from None


def _check_inputs(inputs: list[str]) -> None:
    """A missing input is a usage error, found before any rule loads."""
    missing = [i for i in inputs if i != "-" and not os.path.exists(i)]
    if missing:
        raise _usage_error(f"no such input: {', '.join(missing)}")


def _usage_error(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(EXIT_USAGE)


def _load(rules: list[Path] | None, no_default: bool, **kw: Any) -> Cleaner:
    try:
        return Cleaner(rules=list(rules or []), default_rules=not no_default, **kw)  # type: ignore[arg-type]
    except RuleError as e:
        err.print(f"[bold red]rule errors ({len(e.problems)}):[/]", highlight=False)
        for p in e.problems:
            err.print(f"  {p}", highlight=False, markup=False)
        raise typer.Exit(EXIT_USAGE) from None


def _learn(cleaner: Cleaner, sources: list[str], fields: Fields, input_format: str, max_bytes: int,
           learned_packs: Path | None, quiet: bool) -> Cleaner:
    from cleaner.learn import learn_from_inputs

    if not quiet:
        err.print(f"learning site chrome from {', '.join(sources)} …", highlight=False, markup=False)
    try:
        learned, result = learn_from_inputs(cleaner, sources, fields, input_format, max_bytes=max_bytes,
                                            learned_packs=learned_packs)
    except RuleError as e:  # a learned pack that does not load is a bug, reported as rule errors are
        err.print(f"[bold red]learned rule errors ({len(e.problems)}):[/]", highlight=False)
        for p in e.problems:
            err.print(f"  {p}", highlight=False, markup=False)
        raise typer.Exit(EXIT_USAGE) from None
    if not quiet:
        n = len(result.packs)
        err.print(f"learned {result.rules_written:,} rule{'s' if result.rules_written != 1 else ''} for "
                  f"{n:,} site{'s' if n != 1 else ''}" + (f" (kept in {learned_packs})" if learned_packs else ""),
                  highlight=False, markup=False)
    return learned


def _version(value: bool) -> None:
    if value:
        typer.echo(f"cleaner {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version.")
    ] = False,
) -> None:
    pass


OUTPUT_FORMATS = ("auto", "jsonl", "parquet", "text")
EXIT_STOPPED, EXIT_INTERRUPTED, EXIT_STDOUT_CLOSED = 3, 130, 141  # 141: as a shell reports SIGPIPE


def _output_fields(specs: list[str] | None, fmt: str) -> OutputFields:
    names = {f.name: getattr(OutputFields(), f.name) for f in dataclasses.fields(OutputFields)}
    for spec in specs or []:
        key, eq, name = spec.partition("=")
        if not eq or key not in names:
            raise _usage_error(f"--output-field takes KEY=NAME with KEY one of {', '.join(names)}, not {spec!r}")
        if not name and key != "metadata":
            raise _usage_error(f"--output-field {key}= needs a name")
        names[key] = name
    if not names["metadata"] and fmt == "parquet":
        raise _usage_error("Parquet output keeps metadata in one column: --output-field metadata= needs a name")
    given = [n for n in names.values() if n]
    if len(set(given)) != len(given):
        raise _usage_error(f"--output-field: two output fields have the same name ({', '.join(given)})")
    return OutputFields(**names)


@app.command()
def clean(
    ctx: typer.Context,
    inputs: Annotated[list[str], typer.Argument(help="Files, folders (recursed) or - for stdin.")],
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o",
            help="Output file (.jsonl, .jsonl.gz, .jsonl.zst or .parquet; default: JSONL on stdout), "
                 "or a folder with --format text.",
        ),
    ] = None,
    fmt: Annotated[
        str,
        typer.Option(
            "--format", "-f",
            help="OUTPUT format: auto (parquet for a .parquet/.pq OUTPUT, else jsonl), jsonl, parquet, "
                 "or text (a folder of .txt files). The input format is --input-format.",
        ),
    ] = "auto",
    input_format: Annotated[
        str,
        typer.Option(
            "--input-format",
            help="INPUT format: auto (by name, then by content; .md is markdown), text, markdown, html, jsonl, "
                 "json, warc or parquet.",
        ),
    ] = "auto",
    errors: Annotated[
        Path | None,
        typer.Option(
            "--errors",
            help="Errors JSONL (default: OUTPUT.errors.jsonl, or cleaner-errors.jsonl when writing to stdout).",
        ),
    ] = None,
    rules: RulesOpt = None,
    no_default_rules: NoDefaultOpt = False,
    text_field: Annotated[str, typer.Option(help="Input record field holding the text.")] = "text",
    html_field: Annotated[
        str, typer.Option(help="Input record field holding a page's HTML (used when the text field is absent).")
    ] = "html",
    id_field: Annotated[str, typer.Option(help="Input record field holding the id.")] = "id",
    url_field: Annotated[str, typer.Option(help="Input record field holding the URL (site packs).")] = "url",
    language_field: Annotated[str, typer.Option(help="Input record field holding the language code.")] = "language",
    output_field: Annotated[
        list[str] | None,
        typer.Option(
            "--output-field",
            help="Rename an output field, KEY=NAME with KEY id, text, metadata or provenance (repeatable); "
                 "metadata= (empty) puts the input record's fields at the top level (JSONL).",
        ),
    ] = None,
    max_removed_share: MaxShareOpt = DEFAULT_MAX_REMOVED_SHARE,
    max_document_mb: Annotated[
        float,
        typer.Option("--max-document-mb", min=0.001, help="Larger documents become 'too-large' error records."),
    ] = DEFAULT_MAX_BYTES / 1e6,
    match_budget: Annotated[
        int,
        typer.Option("--match-budget", min=1, help="Characters of lines one document may show to backtracking "
                                                   "patterns, all rules together; a rule past it is skipped "
                                                   "with a warning."),
    ] = DEFAULT_MATCH_BUDGET,
    workers: Annotated[
        int, typer.Option("--workers", "-w", min=1, help="Worker processes (default: the machine's cores).")
    ] = DEFAULT_WORKERS,
    resume: Annotated[
        bool,
        typer.Option(
            "--resume",
            help="Continue a killed run from its checkpoint (same inputs and options); start afresh if there is none.",
        ),
    ] = False,
    checkpoint_every: Annotated[
        int, typer.Option("--checkpoint-every", min=1, help="Flush outputs and save a checkpoint every N documents.")
    ] = 100,
    learn: Annotated[
        bool,
        typer.Option("--learn", help="First mine the inputs for their sites' own chrome (sites with enough "
                                     "pages), then clean with the learned packs as well (docs/mining.md)."),
    ] = False,
    learn_from: Annotated[
        list[str] | None,
        typer.Option("--learn-from", help="Mine these files or folders instead of the inputs (implies --learn; "
                                          "repeatable)."),
    ] = None,
    learned_packs: Annotated[
        Path | None,
        typer.Option("--learned-packs", help="Keep the learned packs and the mining report in this folder, "
                                             "for review and reuse with --rules."),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")] = False,
    provenance: Annotated[
        str,
        typer.Option("--provenance", help="Provenance in each record: compact (the rule set's sha256 and the "
                                          "record's own removals; the rest goes once into the manifest), full "
                                          "(every record describes every rule pack) or none."),
    ] = "compact",
    manifest: Annotated[
        Path | None,
        typer.Option("--manifest", help="Run manifest (default: OUTPUT.manifest.json; none for stdout unless given)."),
    ] = None,
    domain_field: DomainFieldOpt = None,
    parquet_columns: Annotated[
        str,
        typer.Option("--parquet-columns", help="Parquet metadata and provenance columns: json (strings) or struct "
                                               "(Arrow structs and lists, e.g. for datasets.load_dataset)."),
    ] = "json",
    favor_precision: FavorPrecisionOpt = False,
    favor_recall: FavorRecallOpt = False,
    include_links: LinksOpt = False,
    include_tables: TablesOpt = True,
    include_formatting: FormattingOpt = False,
    include_images: ImagesOpt = False,
    markdown: MarkdownOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Clean documents; one output record (or one error record) per input document."""
    if fmt not in OUTPUT_FORMATS:
        raise _usage_error(f"--format (the OUTPUT format) must be one of {', '.join(OUTPUT_FORMATS)}, not {fmt!r}"
                           + ("; for the input format use --input-format" if fmt in KINDS else ""))
    if input_format not in KINDS:
        raise _usage_error(f"--input-format must be one of {', '.join(KINDS)}, not {input_format!r}")
    if fmt == "auto":
        fmt = "parquet" if output is not None and output.suffix.lower() in (".parquet", ".pq") else "jsonl"
    if fmt in ("text", "parquet") and output is None:
        raise _usage_error(f"--format {fmt} needs --output " + ("FOLDER" if fmt == "text" else "FILE"))
    if resume and output is None:
        raise _usage_error("--resume needs --output: stdout cannot be resumed")
    if fmt == "text" and output is not None and output.exists() and not output.is_dir():
        raise _usage_error(f"--format text writes a folder, but {output} is a file")
    if fmt != "text" and output is not None and output.is_dir():
        raise _usage_error(f"{output} is a folder; give a file name, or use --format text")
    if fmt == "text" and output is not None and not resume and output.is_dir() and any(output.iterdir()):
        raise _usage_error(f"{output} is not empty: a text-folder run writes only into an empty or new folder, "
                           "so no old file is taken for one of its records (--resume continues a killed run)")
    out_fields = _output_fields(output_field, fmt)
    if fmt == "text" and output_field:
        raise _usage_error("--output-field does not apply to --format text")
    _check_inputs(inputs)
    if (learn or learn_from) and "-" in (learn_from or inputs):
        raise _usage_error("--learn cannot read stdin twice: give --learn-from FILE")
    if parquet_columns not in PARQUET_COLUMNS:
        raise _usage_error(f"--parquet-columns must be one of {', '.join(PARQUET_COLUMNS)}, not {parquet_columns!r}")
    if provenance not in PROVENANCE_FORMS:
        raise _usage_error(f"--provenance must be one of {', '.join(PROVENANCE_FORMS)}, not {provenance!r}")
    options = _clean_options(
        max_removed_share=max_removed_share, max_document_bytes=int(max_document_mb * 1e6),
        match_budget=match_budget, checkpoint_every=checkpoint_every,
        favor_precision=favor_precision, favor_recall=favor_recall,
        include_links=include_links, include_tables=include_tables, include_formatting=include_formatting,
        include_images=include_images, markdown=markdown)
    cleaner = _load(rules, no_default_rules, options=options, provenance=provenance, domain_field=domain_field)

    if errors is None:
        errors = output.with_name(output.name + ".errors.jsonl") if output else Path("cleaner-errors.jsonl")
    fields = Fields(text=text_field, html=html_field, id=id_field, url=url_field, language=language_field)
    max_bytes = options.max_document_bytes
    if learn or learn_from:
        cleaner = _learn(cleaner, learn_from or inputs, fields, input_format, max_bytes, learned_packs, quiet)

    lock = OutputLock(output) if output is not None else None
    if lock is not None:
        try:
            lock.acquire()
        except OutputBusy as e:
            raise _usage_error(str(e)) from None
        except OSError as e:
            raise _usage_error(f"cannot write the output: {e}") from None
        ctx.call_on_close(lock.release)  # however the command ends
    ckpt: Checkpoint | None = None
    state: dict | None = None
    if output is not None:
        config = {
            "version": __version__,
            "inputs": [i if i == "-" else str(Path(i).resolve()) for i in inputs],
            "input_format": input_format,
            "fields": dataclasses.asdict(fields),
            "format": fmt,
            "output": str(output.resolve()),
            "errors": str(errors.resolve()),
            "output_fields": dataclasses.asdict(out_fields),
            "rules": cleaner.ruleset.describe()["sha256"],
            "options": {**cleaner.options, "extraction": options.trafilatura_options()},
            "max_bytes": max_bytes,
            "provenance": provenance,
            "parquet_columns": parquet_columns,
        }
        ckpt = Checkpoint(Checkpoint.path_for(output), config)
        if resume:
            try:
                state = ckpt.load()
            except ValueError as e:
                raise _usage_error(str(e)) from None
            if state is None and not quiet:
                err.print(f"no checkpoint at {ckpt.path}: starting from the beginning",
                          highlight=False, markup=False)
        else:
            ckpt.remove()

    def make_writers(st: dict | None) -> tuple[Writer, ErrorWriter]:
        ws = (st or {}).get("writers", {})
        if fmt == "text":
            w: Writer = TextDirWriter(output, ws.get("output") if st else None)  # type: ignore[arg-type]
        elif fmt == "parquet":
            w = ParquetWriter(output, ws.get("output") if st else None, out_fields,  # type: ignore[arg-type]
                              columns=parquet_columns, provenance=provenance != "none")
        else:
            w = JsonlWriter(output, ws.get("output") if st else None, out_fields)
        return w, ErrorWriter(errors, ws.get("errors") if st else None)  # type: ignore[arg-type]

    try:
        writer, error_writer = make_writers(state)
    except (ResumeError, KeyError, TypeError, ValueError) as e:
        err.print(f"[yellow]cannot resume ({escape(str(e))}): starting from the beginning[/]", highlight=False)
        state = None
        if ckpt is not None:
            ckpt.remove()
        writer, error_writer = make_writers(None)
    except OSError as e:
        raise _usage_error(f"cannot write the output: {e}") from None

    done = int(state["done"]) if state else 0
    start = Summary.from_dict(state["summary"]) if state else Summary()
    start.resumed_from = done
    start_seconds = start.seconds
    if done and not quiet:
        err.print(f"resuming: {done:,} documents were done by the earlier run", highlight=False)
    stats = ReadStats()
    own = {p.resolve() for p in (output, errors) if p is not None}
    digest = InputDigest(state.get("inputs") if state else None, track=ckpt is not None)
    items = iter_documents(inputs, fields, input_format, max_bytes=max_bytes, stats=stats, skip=done, exclude=own,
                           digest=digest)

    def save(s: Summary) -> None:
        assert ckpt is not None
        writers = {"output": writer.checkpoint(), "errors": error_writer.checkpoint()}
        ckpt.save(s, writers, digest.state(s.documents))

    show = not quiet and err.is_terminal
    ok = False
    stopped: str | None = None
    code = EXIT_STOPPED
    summary = start
    try:
        kw = {"workers": workers, "summary": start, "checkpoint": save if ckpt else None}
        if show:
            with ProgressBar(err, stats, start) as bar:
                summary = run_batch(bar.track(items), cleaner, writer, error_writer, on_progress=bar.update, **kw)
        else:
            summary = run_batch(items, cleaner, writer, error_writer, **kw)
        summary.skipped = stats.skipped
        written = writer.count + error_writer.count  # type: ignore[attr-defined]
        if written != summary.documents - done:
            raise LostRecords(f"{summary.documents - done} inputs but {written} records written")
        ok = True
    except InputsChanged as e:
        stopped, code = f"cannot resume: {e}; rerun without --resume to start over", EXIT_USAGE
    except KeyboardInterrupt:
        stopped, code = "interrupted", EXIT_INTERRUPTED
    except LostRecords as e:
        stopped = f"internal error, the run was stopped: {e}"
    except WorkerError as e:
        stopped = f"the run stopped: {e}"
    except BrokenPipeError:  # `cleaner clean x | head`: what is still buffered goes nowhere
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        stopped, code = "stdout was closed (broken pipe): the output is incomplete", EXIT_STDOUT_CLOSED
    except OSError as e:
        stopped = f"the run stopped: {e}"
    finally:
        try:  # the errors file first: an output that is there is one whose run finished
            error_writer.close(ok)
            writer.close(ok)
        except OSError as e:
            ok, stopped = False, f"the output could not be finished: {e}"
    if not ok:
        where = ""
        if code != EXIT_USAGE and ckpt is not None and ckpt.path.exists():
            where = f"; what was written is kept: rerun with --resume to continue (checkpoint {ckpt.path})"
        err.print(f"[bold red]error:[/] {escape(f'{stopped}{where}')}", highlight=False)
        raise typer.Exit(code)
    if ckpt is not None:
        ckpt.remove()
    manifest = manifest or (manifest_path(output) if output is not None else None)
    if manifest is not None:
        run = run_description(inputs, input_format, fields, fmt, output, errors if summary.failed else None)
        try:
            write_manifest(manifest, cleaner.manifest(summary.to_dict(), run))
        except OSError as e:
            err.print(f"[bold red]error:[/] the output is written, but not its manifest: {escape(str(e))}",
                      highlight=False)
            raise typer.Exit(EXIT_STOPPED) from None
    if not quiet:
        for line in summary_lines(summary, stats.bytes_read, summary.seconds - start_seconds, output,
                                  errors if summary.failed else None):
            err.print(line, highlight=False)
    raise typer.Exit(EXIT_FAILED_INPUTS if summary.failed else EXIT_OK)


@app.command()
def explain(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders or - for stdin.")],
    url: Annotated[str | None, typer.Option(help="URL of the page (selects site packs) for text input.")] = None,
    ids: Annotated[
        list[str] | None, typer.Option("--id", help="Show only the document with this id (repeatable).")
    ] = None,
    rule: Annotated[
        str | None, typer.Option("--rule", help="Show only this rule's removals (an id, or a family such as "
                                                "comments); skip documents where it did not fire.")
    ] = None,
    full: Annotated[bool, typer.Option("--full", help="Show the whole text, not only the changed lines.")] = False,
    context: Annotated[
        int, typer.Option("--context", "-C", min=0, help="Kept lines shown around each change.")
    ] = 2,
    text_field: Annotated[str, typer.Option(help="Input record field holding the text.")] = "text",
    html_field: Annotated[str, typer.Option(help="Input record field holding a page's HTML.")] = "html",
    id_field: Annotated[str, typer.Option(help="Input record field holding the id.")] = "id",
    url_field: Annotated[str, typer.Option(help="Input record field holding the URL.")] = "url",
    rules: RulesOpt = None,
    no_default_rules: NoDefaultOpt = False,
    color: Annotated[
        bool | None, typer.Option("--color/--no-color", help="Colour and strike-through (default: on a terminal).")
    ] = None,
    show_whitespace: Annotated[bool, typer.Option(help="Also mark whitespace normalisation.")] = False,
    max_removed_share: MaxShareOpt = DEFAULT_MAX_REMOVED_SHARE,
    domain_field: DomainFieldOpt = None,
    favor_precision: FavorPrecisionOpt = False,
    favor_recall: FavorRecallOpt = False,
    include_links: LinksOpt = False,
    include_tables: TablesOpt = True,
    include_formatting: FormattingOpt = False,
    include_images: ImagesOpt = False,
    markdown: MarkdownOpt = False,
    config: ConfigOpt = None,
) -> None:
    """Show what was removed from each document and by which rule: changed lines with context, or --full."""
    _check_inputs(inputs)
    options = _clean_options(
        max_removed_share=max_removed_share, favor_precision=favor_precision, favor_recall=favor_recall,
        include_links=include_links, include_tables=include_tables, include_formatting=include_formatting,
        include_images=include_images, markdown=markdown)
    cleaner = _load(rules, no_default_rules, options=options, domain_field=domain_field)
    out = Console(force_terminal=color, no_color=color is False, highlight=False, soft_wrap=True)
    use_rich = color if color is not None else out.is_terminal
    fields = Fields(text=text_field, html=html_field, id=id_field, url=url_field)
    failed = 0
    for piece in explain_items(cleaner, iter_documents(inputs, fields), url=url, ids=ids or (), rule=rule,
                               context=context, full=full, rich=use_rich, show_whitespace=show_whitespace):
        if piece.error:
            err.print(piece.body, style="red", highlight=False, markup=False)
            failed += 1
        elif isinstance(piece.body, str) and not use_rich:
            sys.stdout.write(piece.body if piece.body.endswith("\n") else piece.body + "\n")
            sys.stdout.flush()
        else:
            out.print(piece.body, style=piece.style, markup=False, end="" if str(piece.body).endswith("\n") else "\n")
    raise typer.Exit(EXIT_FAILED_INPUTS if failed else EXIT_OK)


@app.command()
def report(
    output: Annotated[Path, typer.Argument(help="A clean output: JSONL (.gz/.zst) or Parquet.")],
    to: Annotated[
        Path | None, typer.Option("--output", "-o", help="The HTML page (default: OUTPUT.report.html).")
    ] = None,
    errors: Annotated[
        Path | None, typer.Option("--errors", help="The run's errors file (default: OUTPUT.errors.jsonl, if there).")
    ] = None,
) -> None:
    """Write one self-contained HTML page about a run: removals by rule and family, shares, vetoes, errors."""
    from cleaner.report import MissingExtra, write_report

    _check_inputs([str(output)] + ([str(errors)] if errors else []))
    try:
        page, data = write_report(output, to, errors)
    except MissingExtra as e:
        raise _usage_error(str(e)) from None
    except (ValueError, OSError) as e:
        raise _usage_error(f"cannot make the report: {e}") from None
    err.print(f"{plural(data.documents, 'document')}, {plural(len(data.rules), 'rule')} that removed something, "
              f"{plural(data.errors, 'error record')}: {page}", highlight=False, markup=False)


@rules_app.command("list")
def rules_list(
    rules: RulesOpt = None,
    no_default_rules: NoDefaultOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per rule.")] = False,
) -> None:
    """List loaded rules, one line each (id, action, description) under a line per pack; --json for machines."""
    rs = _load(rules, no_default_rules).ruleset
    if as_json:
        for p in rs.packs:
            for r in p.rules:
                typer.echo(json.dumps({"id": r.id, "pack": p.name, "action": r.rule.action,
                                       "path": p.loaded.source.path, "description": r.rule.description}))
        return
    width = Console().width if sys.stdout.isatty() else None
    for line in rule_lines(rs, width):
        typer.echo(line)
    err.print(f"{plural(len(rs.rules), 'rule')} in {plural(len(rs.packs), 'pack')}", highlight=False)


@rules_app.command("stats")
def rules_stats(
    sample: Annotated[list[str], typer.Argument(help="Documents to measure on: files, folders or -, as for clean.")],
    rules: RulesOpt = None,
    no_default_rules: NoDefaultOpt = False,
    top: Annotated[int, typer.Option("--top", min=1, help="Show the N most-tried rules.")] = 30,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per rule, every rule.")] = False,
) -> None:
    """Per rule: how many lines of a sample its matcher runs on, how it finds them, how often it fires."""
    from cleaner.rules.cost import rule_costs

    cleaner = _load(rules, no_default_rules)
    docs = (item for item in iter_documents(sample, Fields()) if not isinstance(item, Failure))
    costs, n, lines = rule_costs(cleaner, docs)
    if as_json:
        for c in costs:
            typer.echo(json.dumps(c.to_dict()))
        return
    from rich.table import Table

    table = Table("rule", "found by", "engine", "tried lines", "share", "docs", "fired", title=(
        f"{n} documents, {lines:,} non-blank lines"))
    for c in costs[:top]:
        table.add_row(c.id, c.found_by, c.engine, f"{c.tried_lines:,}", f"{c.share:.1%}", str(c.documents),
                      str(c.fired))
    Console().print(table)
    tried = sum(c.tried_lines for c in costs)
    err.print(f"{tried:,} matcher runs in all, {tried / max(lines, 1):.2f} per line", highlight=False)


@rules_app.command("validate")
def rules_validate(
    paths: Annotated[list[Path], typer.Argument(help="Rule pack files or folders.")],
    no_default_rules: Annotated[
        bool, typer.Option("--no-default-rules", help="Check the packs alone, not against the bundled ones.")
    ] = False,
) -> None:
    """Check rule files against the schema and against each other (and the bundled packs) without running them."""
    try:
        rs = RuleSet.load(list(paths), default_rules=not no_default_rules)
    except RuleError as e:
        for p in e.problems:
            err.print(str(p), highlight=False, markup=False)
        err.print(f"[bold red]{plural(len(e.problems), 'problem')}[/]", highlight=False)
        raise typer.Exit(EXIT_USAGE) from None
    own = [p for p in rs.packs if not str(p.loaded.source.path).startswith("bundled:")]
    against = "" if no_default_rules else " (no clash with the bundled packs)"
    typer.echo(f"ok: {plural(sum(len(p.rules) for p in own), 'rule')} in {plural(len(own), 'pack')}{against}")


@rules_app.command("test")
def rules_test(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Rule packs to test (default: the bundled packs).")
    ] = None,
    with_defaults: Annotated[
        bool, typer.Option(help="When PATHS are given, also load (and test) the bundled packs.")
    ] = False,
) -> None:
    """Run every rule's inline examples; report failures by rule id."""
    default = not paths or with_defaults
    rs = _load(paths, not default).ruleset
    count, failures = run_examples(rs)
    for f in failures:
        err.print(str(f), highlight=False, markup=False)
    summary = f"{len(rs.rules)} rules, {count} examples, {len(failures)} failures"
    if failures:
        err.print(f"[bold red]{summary}[/]", highlight=False)
        raise typer.Exit(1)
    typer.echo(summary)


@rules_app.command("fmt")
def rules_fmt(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Rule pack files or folders (default: the bundled packs' folder).")
    ] = None,
    check: Annotated[
        bool, typer.Option("--check", help="Write nothing: list the files that would change, exit 1 if any would.")
    ] = False,
) -> None:
    """Rewrite rule packs in the one pack style (block lists, one unwrapped pattern a line), keeping comments."""
    from cleaner.rules.fmt import FormatError, format_file
    from cleaner.rules.loader import find_rule_files
    from cleaner.rules.ruleset import bundled_rules_dir

    files, broken, changed = [], 0, 0
    for path in paths or [bundled_rules_dir()]:
        if not path.exists():
            err.print(f"{path}: no such file or folder", highlight=False, markup=False)
            broken += 1
        files.extend(find_rule_files(path) if path.exists() else [])
    for f in files:
        try:
            if format_file(f, write=not check):
                changed += 1
                if check:
                    typer.echo(str(f))
        except FormatError as e:
            err.print(f"{f}:{e.line}: {e.message}" if e.line else f"{f}: {e.message}", highlight=False, markup=False)
            broken += 1
    verb = "would change" if check else "changed"
    errors = f", {plural(broken, 'error')}" if broken else ""
    err.print(f"{changed} of {plural(len(files), 'pack')} {verb}{errors}", highlight=False)
    raise typer.Exit(EXIT_USAGE if broken else 1 if check and changed else EXIT_OK)


@app.command()
def mine(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders (recursed) or - for stdin, as for clean.")],
    output: Annotated[
        Path,
        typer.Option("--output", "-o", help="Folder for <domain>.mined.yaml packs, mine-report.md and "
                                            "generic-candidates.jsonl (created if missing)."),
    ],
    input_format: Annotated[
        str, typer.Option("--input-format", help="auto, text, html, jsonl, json, warc or parquet.")
    ] = "auto",
    domain_field: Annotated[
        str | None,
        typer.Option("--domain-field", help="Record field holding the site (default: the host of the URL, "
                                            "without www.)."),
    ] = None,
    min_docs: Annotated[
        int, typer.Option("--min-docs", min=2, help="Distinct documents a domain needs before it is mined.")
    ] = 5,
    min_share: Annotated[
        float, typer.Option("--min-share", min=0.01, max=1.0, help="Share of a domain's documents a line must "
                                                                  "occur in (and in at least 3).")
    ] = 0.5,
    max_line_words: Annotated[int, typer.Option("--max-line-words", min=1, help="Longer lines are not counted.")] = 40,
    max_line_chars: Annotated[int, typer.Option("--max-line-chars", min=1, help="Longer lines are not counted.")] = 300,
    prose_share: Annotated[
        float, typer.Option("--prose-share", min=0.01, max=1.0,
                            help="Prose-like lines (long, sentence-like) are written only at this share; "
                                 "below it they are listed as borderline.")
    ] = 0.95,
    prose_words: Annotated[int, typer.Option("--prose-words", min=1, help="More words than this: prose-like.")] = 12,
    middle_share: Annotated[
        float, typer.Option("--middle-share", min=0.01, max=1.0,
                            help="Lines with no stable place near the start or end of pages are written only "
                                 "at this share; below it they are listed as borderline.")
    ] = 0.8,
    generic_domains: Annotated[
        int, typer.Option("--generic-domains", min=2, help="A line qualifying on this many unrelated sites "
                                                           "goes to generic-candidates.jsonl instead.")
    ] = 3,
    cut_share: Annotated[
        float, typer.Option("--cut-share", min=0.01, max=1.0,
                            help="cut-after needs only recurring or short lines after the line in this share "
                                 "of its documents.")
    ] = 0.95,
    datelines: Annotated[
        bool, typer.Option("--datelines", help="Also write lines whose date or time changes on every page.")
    ] = False,
    prefixes: Annotated[
        bool, typer.Option("--prefixes/--no-prefixes", help="Also mine line starts (bylines, credits).")
    ] = True,
    rules: RulesOpt = None,
    no_default_rules: NoDefaultOpt = False,
    include_covered: Annotated[
        bool, typer.Option("--include-covered", help="Also write lines the loaded packs already remove.")
    ] = False,
    max_keys: Annotated[
        int, typer.Option("--max-keys", min=1000, help="Memory budget of the first pass (counters, ~100 bytes each).")
    ] = 2_000_000,
    text_field: Annotated[str, typer.Option(help="Input record field holding the text.")] = "text",
    html_field: Annotated[str, typer.Option(help="Input record field holding a page's HTML.")] = "html",
    id_field: Annotated[str, typer.Option(help="Input record field holding the id.")] = "id",
    url_field: Annotated[str, typer.Option(help="Input record field holding the URL.")] = "url",
    max_document_mb: Annotated[
        float, typer.Option("--max-document-mb", min=0.001, help="Larger documents are skipped as failed.")
    ] = DEFAULT_MAX_BYTES / 1e6,
    workers: Annotated[
        int, typer.Option("--workers", "-w", min=1,
                          help="Processes; each counts its share of the domains (file inputs), then they "
                               "build the packs.")
    ] = 1,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress or summary.")] = False,
) -> None:
    """Learn each site's chrome from its own pages: write one reviewable site pack per domain."""
    import multiprocessing
    from collections.abc import Iterator

    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from cleaner.mining import MineOptions, Miner, reference_cleaner
    from cleaner.mining.shards import mine_sharded
    from cleaner.readers.base import Item

    if input_format not in KINDS:
        raise _usage_error(f"--input-format must be one of {', '.join(KINDS)}, not {input_format!r}")
    if output.exists() and not output.is_dir():
        raise _usage_error(f"{output} is a file; --output is the folder the packs are written to")
    try:
        options = MineOptions(min_docs=min_docs, min_share=min_share, max_line_words=max_line_words,
                              max_line_chars=max_line_chars, prose_share=prose_share, prose_words=prose_words,
                              middle_share=middle_share, generic_domains=generic_domains, cut_share=cut_share,
                              datelines=datelines, prefixes=prefixes, max_keys=max_keys,
                              skip_covered=not include_covered)
    except ValueError as e:
        raise _usage_error(str(e)) from None
    try:
        reference = reference_cleaner(list(rules or []), default_rules=not no_default_rules)
    except RuleError as e:
        err.print(f"[bold red]rule errors ({len(e.problems)}):[/]", highlight=False)
        for p in e.problems:
            err.print(f"  {p}", highlight=False, markup=False)
        raise typer.Exit(EXIT_USAGE) from None
    fields = Fields(text=text_field, html=html_field, id=id_field, url=url_field)
    own = {output.resolve() / "mine-report.md", output.resolve() / "generic-candidates.jsonl"}

    def items() -> Iterator[Item]:
        return iter_documents(inputs, fields, input_format, max_bytes=int(max_document_mb * 1e6), exclude=own)

    show = not quiet and err.is_terminal
    sharded = workers > 1 and "-" not in inputs and "fork" in multiprocessing.get_all_start_methods()
    miner: Miner | None = None
    try:
        columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
        with Progress(*columns, console=err, transient=True, disable=not show) as bar:
            task = bar.add_task("pass 1: 0 documents")

            def progress(stage: str, done: int, total: int) -> None:
                bar.update(task, description=f"{stage}: {done:,}" + (f" of {total:,}" if total else " documents"))

            if sharded:
                result = mine_sharded(items, options, workers, domain_field=domain_field, reference=reference,
                                      progress=progress)
            else:
                miner = Miner(options, domain_field=domain_field, reference=reference)
                for n, item in enumerate(items(), 1):
                    if isinstance(item, Failure):
                        miner.add_failed()
                    else:
                        miner.add(item)
                    if n % 500 == 0:
                        progress("pass 1", n, 0)
                result = miner.finish(progress, workers=workers)
    except KeyboardInterrupt:
        if miner is not None:
            miner.close()
        err.print("[bold red]error:[/] interrupted", highlight=False)
        raise typer.Exit(EXIT_INTERRUPTED) from None
    try:
        result.write(output)
    except OSError as e:
        raise _usage_error(f"cannot write to {output}: {e}") from None
    s = result.stats
    if not quiet:
        err.print(
            f"[bold]{s.documents:,}[/] documents: {s.counted:,} counted, {s.duplicates:,} duplicates, "
            f"{s.no_domain:,} without a domain, [{'red' if s.failed else 'green'}]{s.failed:,} failed[/]; "
            f"{len(result.domains)} of {s.domains:,} domains had at least {min_docs} documents",
            highlight=False,
        )
        n_border = sum(len(dp.by_status("borderline")) for dp in result.domains)
        secs = s.seconds_pass1 + s.seconds_pass2 + s.seconds_packs
        err.print(
            f"[green]{result.rules_written} rules[/] in {len(result.packs)} packs, {n_border} borderline lines, "
            f"{len(result.generic)} generic candidates in {secs:.1f}s (pass 1 {s.seconds_pass1:.1f}s, "
            f"pass 2 {s.seconds_pass2:.1f}s, packs {s.seconds_packs:.1f}s)",
            highlight=False,
        )
        err.print(f"output: {output} (review {output / 'mine-report.md'})", highlight=False, markup=False)
    raise typer.Exit(EXIT_FAILED_INPUTS if s.failed else EXIT_OK)


def main() -> None:
    app(prog_name="cleaner")  # the same name (and completion variable) for `python -m cleaner`


if __name__ == "__main__":
    main()
