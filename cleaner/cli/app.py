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
from cleaner.explain import render_plain, render_rich
from cleaner.extract import NoContent
from cleaner.manifest import manifest_path, run_description, write_manifest
from cleaner.provenance import PROVENANCE_FORMS
from cleaner.readers.base import DEFAULT_MAX_BYTES, Failure, ReadStats
from cleaner.readers.discover import KINDS, InputDigest, InputsChanged, iter_documents
from cleaner.readers.jsonl import Fields
from cleaner.rules.errors import RuleError
from cleaner.rules.examples import run_examples
from cleaner.rules.ruleset import RuleSet
from cleaner.writers.base import ResumeError, Writer
from cleaner.writers.jsonl import ErrorWriter, JsonlWriter, OutputFields
from cleaner.writers.parquet import PARQUET_COLUMNS, ParquetWriter
from cleaner.writers.textdir import TextDirWriter

EXIT_OK, EXIT_FAILED_INPUTS, EXIT_USAGE = 0, 1, 2
DEFAULT_WORKERS = os.cpu_count() or 1

app = typer.Typer(
    help="Strip site chrome from web article text, with provenance for every removal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
rules_app = typer.Typer(help="List, validate and test rule packs.", no_args_is_help=True)
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


def _usage_error(message: str) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(EXIT_USAGE)


def _load(rules: list[Path] | None, no_default: bool, **kw: Any) -> Cleaner:
    try:
        return Cleaner(rules=list(rules or []), default_rules=not no_default, **kw)
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
    if (learn or learn_from) and "-" in (learn_from or inputs):
        raise _usage_error("--learn cannot read stdin twice: give --learn-from FILE")
    if parquet_columns not in PARQUET_COLUMNS:
        raise _usage_error(f"--parquet-columns must be one of {', '.join(PARQUET_COLUMNS)}, not {parquet_columns!r}")
    if provenance not in PROVENANCE_FORMS:
        raise _usage_error(f"--provenance must be one of {', '.join(PROVENANCE_FORMS)}, not {provenance!r}")
    cleaner = _load(rules, no_default_rules, max_removed_share=max_removed_share, provenance=provenance,
                    domain_field=domain_field)

    if errors is None:
        errors = output.with_name(output.name + ".errors.jsonl") if output else Path("cleaner-errors.jsonl")
    fields = Fields(text=text_field, html=html_field, id=id_field, url=url_field, language=language_field)
    max_bytes = int(max_document_mb * 1e6)
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
            "options": cleaner.options,
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
        kw = {"workers": workers, "summary": start, "checkpoint": save if ckpt else None, "every": checkpoint_every}
        if show:
            with ProgressBar(err, stats, start) as bar:
                summary = run_batch(items, cleaner, writer, error_writer, on_progress=bar.update, **kw)
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
        _print_summary(summary, output, errors if summary.failed else None)
    raise typer.Exit(EXIT_FAILED_INPUTS if summary.failed else EXIT_OK)


def _print_summary(s: Summary, output: Path | None, errors: Path | None) -> None:
    rate = s.chars_in / s.seconds / 1e6 if s.seconds else 0.0
    err.print(
        f"[bold]{s.documents}[/] documents: [green]{s.cleaned} cleaned[/], "
        f"[{'red' if s.failed else 'green'}]{s.failed} failed[/] in {s.seconds:.2f}s ({rate:.2f} MB/s); "
        f"{s.chars_in - s.chars_out:,} of {s.chars_in:,} characters removed",
        highlight=False,
    )
    err.print(
        f"check: {s.documents} documents in = {s.cleaned} records out + {s.failed} error records"
        + (f" ({s.resumed_from} of them done before --resume)" if s.resumed_from else ""),
        highlight=False, markup=False,
    )
    if s.errors_by_kind:
        kinds = ", ".join(f"{k} {v}" for k, v in s.errors_by_kind.most_common())
        err.print(f"[red]errors by kind:[/] {kinds}", highlight=False)
    if s.removals_by_family:
        fam = ", ".join(f"{k} {v}" for k, v in s.removals_by_family.most_common())
        err.print(f"removals by rule family: {fam}", highlight=False, markup=False)
    if s.skipped:
        sk = ", ".join(f"{k} {v}" for k, v in s.skipped.most_common())
        err.print(f"skipped (not documents): {sk}", highlight=False, markup=False)
    if s.warnings:
        err.print(f"[yellow]{s.warnings} warnings[/] (see provenance.warnings)", highlight=False)
    if s.worker_restarts:
        err.print(f"[yellow]worker processes died {s.worker_restarts} times[/]: their chunks were cleaned again"
                  + (f" ({s.errors_by_kind['worker-crashed']} documents that kill a worker are error records)"
                     if s.errors_by_kind.get("worker-crashed") else ""), highlight=False)
    if output:
        err.print(f"output: {output}", highlight=False, markup=False)
    if errors:
        err.print(f"[red]errors:[/] {errors}", highlight=False)


@app.command()
def explain(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders or - for stdin.")],
    url: Annotated[str | None, typer.Option(help="URL of the page (selects site packs) for text input.")] = None,
    rules: RulesOpt = None,
    no_default_rules: NoDefaultOpt = False,
    color: Annotated[
        bool | None, typer.Option("--color/--no-color", help="Colour and strike-through (default: on a terminal).")
    ] = None,
    show_whitespace: Annotated[bool, typer.Option(help="Also mark whitespace normalisation.")] = False,
    max_removed_share: MaxShareOpt = DEFAULT_MAX_REMOVED_SHARE,
    domain_field: DomainFieldOpt = None,
) -> None:
    """Show each document with every removal marked and labelled by its rule id."""
    cleaner = _load(rules, no_default_rules, max_removed_share=max_removed_share, domain_field=domain_field)
    out = Console(force_terminal=color, no_color=color is False, highlight=False, soft_wrap=True)
    use_rich = color if color is not None else out.is_terminal
    failed = 0
    for item in iter_documents(inputs, Fields()):
        if isinstance(item, Failure):
            err.print(f"[red]{item.id}: {item.message}[/]", highlight=False)
            failed += 1
            continue
        if url and not item.url:
            item.url = url
        try:
            result = cleaner.clean(item)
        except (NoContent, ValueError) as e:
            err.print(f"[red]{item.id}: {e}[/]", highlight=False)
            failed += 1
            continue
        removed_chars = len(result.input_text) - len(result.text)
        out.print(f"══ {item.id}: {len(result.removed)} removals, {removed_chars} characters ══", style="bold")
        for w in result.provenance["warnings"]:
            out.print(f"warning: {w}", style="yellow", markup=False)
        for h in result.provenance.get("html_removals", []):
            out.print(f"⟦{h['rule']}⟧ <{h['element']}> line {h['line']}: {h['preview']}", style="cyan", markup=False)
        if use_rich:
            out.print(render_rich(result.input_text, result.removed, show_whitespace))
        else:
            sys.stdout.write(render_plain(result.input_text, result.removed, show_whitespace) + "\n")
            sys.stdout.flush()
    raise typer.Exit(EXIT_FAILED_INPUTS if failed else EXIT_OK)


@rules_app.command("list")
def rules_list(
    rules: RulesOpt = None,
    no_default_rules: NoDefaultOpt = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per rule.")] = False,
) -> None:
    """List loaded rules with their pack, action and description."""
    rs = _load(rules, no_default_rules).ruleset
    if as_json:
        for p in rs.packs:
            for r in p.rules:
                typer.echo(json.dumps({"id": r.id, "pack": p.name, "action": r.rule.action,
                                       "path": p.loaded.source.path, "description": r.rule.description}))
        return
    from rich.table import Table

    table = Table("id", "pack", "action", "description", show_lines=False)
    for p in rs.packs:
        for r in p.rules:
            table.add_row(r.id, p.name, r.rule.action, r.rule.description)
    Console().print(table)
    err.print(f"{len(rs.rules)} rules in {len(rs.packs)} packs", highlight=False)


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
) -> None:
    """Check rule files against the schema (and each other) without running anything."""
    try:
        rs = RuleSet.load(list(paths), default_rules=False)
    except RuleError as e:
        for p in e.problems:
            err.print(str(p), highlight=False, markup=False)
        err.print(f"[bold red]{len(e.problems)} problems[/]", highlight=False)
        raise typer.Exit(EXIT_USAGE) from None
    typer.echo(f"ok: {len(rs.rules)} rules in {len(rs.packs)} packs")


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
    app()


if __name__ == "__main__":
    main()
