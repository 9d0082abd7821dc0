"""The ``cleaner`` command line: clean, explain, mine, report, rules list|stats|validate|test.

The commands parse flags and call ``cleaner.run``, which owns the run and its exit codes
(documented there); the options they share are declared once in ``cleaner.cli.options``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from cleaner import __version__, run
from cleaner.api import DEFAULT_MAX_REMOVED_SHARE, Cleaner
from cleaner.cli.options import (
    CONTEXT,
    DEFAULT_EXTRACTION,
    DEFAULT_FIELDS,
    ConfigOpt,
    DomainFieldOpt,
    HtmlFieldOpt,
    IdFieldOpt,
    InputFormatOpt,
    LearnedPacksOpt,
    LearnFromOpt,
    LearnOpt,
    MaxDocumentMbOpt,
    MaxShareOpt,
    NoDefaultOpt,
    ProvenanceOpt,
    QuietOpt,
    RulesOpt,
    TextFieldOpt,
    UrlFieldOpt,
    WorkersOpt,
    call,
    err,
    usage_exit,
    with_extraction_flags,
    with_field_flags,
)
from cleaner.explain import ExplainView, plural, rule_lines
from cleaner.options import DEFAULT_MATCH_BUDGET
from cleaner.readers.base import DEFAULT_MAX_BYTES, Failure
from cleaner.readers.discover import iter_documents
from cleaner.readers.records import Fields
from cleaner.rules.errors import RuleError
from cleaner.rules.examples import run_examples
from cleaner.rules.ruleset import RuleSet
from cleaner.run import (
    DEFAULT_WORKERS,
    EXIT_FAILED_INPUTS,
    EXIT_OK,
    EXIT_USAGE,
    CleanArgs,
    ExplainArgs,
    ExtractArgs,
    MineArgs,
)

app = typer.Typer(
    help="Strip site chrome from web article text, with provenance for every removal.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    context_settings=CONTEXT,
)
rules_app = typer.Typer(
    help="List, validate, test and format rule packs.", no_args_is_help=True, context_settings=CONTEXT
)
app.add_typer(rules_app, name="rules")


def _load(rules: list[Path] | None, no_default: bool) -> Cleaner:
    try:
        return run.load_cleaner(rules, no_default)
    except run.UsageError as e:
        raise usage_exit(e) from None


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


# clean's own options
OutputOpt = Annotated[
    Path | None,
    typer.Option("--output", "-o", help="Output file (.jsonl, .jsonl.gz, .jsonl.zst or .parquet; default: JSONL on "
                                        "stdout), or a folder with --format text."),
]
FormatOpt = Annotated[
    str,
    typer.Option("--format", "-f", help="OUTPUT format: auto (parquet for a .parquet/.pq OUTPUT, else jsonl), jsonl, "
                                        "parquet, or text (a folder of .txt files). The input format is "
                                        "--input-format."),
]
ErrorsOpt = Annotated[
    Path | None,
    typer.Option("--errors", help="Errors JSONL (default: OUTPUT.errors.jsonl, or cleaner-errors.jsonl when writing "
                                  "to stdout)."),
]
OutputFieldOpt = Annotated[
    list[str] | None,
    typer.Option("--output-field", help="Rename an output field, KEY=NAME with KEY id, text, metadata or provenance "
                                        "(repeatable); metadata= (empty) puts the input record's fields at the top "
                                        "level (JSONL)."),
]
MatchBudgetOpt = Annotated[
    int,
    typer.Option("--match-budget", min=1, help="Characters of lines one document may show to backtracking patterns, "
                                               "all rules together; a rule past it is skipped with a warning."),
]
ResumeOpt = Annotated[
    bool,
    typer.Option("--resume", help="Continue a killed run from its checkpoint (same inputs and options); start afresh "
                                  "if there is none."),
]
CheckpointEveryOpt = Annotated[
    int, typer.Option("--checkpoint-every", min=1, help="Flush outputs and save a checkpoint every N documents.")
]
ManifestOpt = Annotated[
    Path | None,
    typer.Option("--manifest", help="Run manifest (default: OUTPUT.manifest.json; none for stdout unless given)."),
]
ParquetColumnsOpt = Annotated[
    str,
    typer.Option("--parquet-columns", help="Parquet metadata and provenance columns: json (strings) or struct "
                                           "(Arrow structs and lists, e.g. for datasets.load_dataset)."),
]


@app.command()
@with_extraction_flags
@with_field_flags
def clean(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders (recursed) or - for stdin.")],
    output: OutputOpt = None,
    fmt: FormatOpt = "auto",
    input_format: InputFormatOpt = "auto",
    errors: ErrorsOpt = None,
    rules: RulesOpt = None,
    no_default_rules: NoDefaultOpt = False,
    fields: Fields = DEFAULT_FIELDS,
    output_field: OutputFieldOpt = None,
    max_removed_share: MaxShareOpt = DEFAULT_MAX_REMOVED_SHARE,
    max_document_mb: MaxDocumentMbOpt = DEFAULT_MAX_BYTES / 1e6,
    match_budget: MatchBudgetOpt = DEFAULT_MATCH_BUDGET,
    workers: WorkersOpt = DEFAULT_WORKERS,
    resume: ResumeOpt = False,
    checkpoint_every: CheckpointEveryOpt = 100,
    learn: LearnOpt = False,
    learn_from: LearnFromOpt = None,
    learned_packs: LearnedPacksOpt = None,
    quiet: QuietOpt = False,
    provenance: ProvenanceOpt = "compact",
    manifest: ManifestOpt = None,
    domain_field: DomainFieldOpt = None,
    parquet_columns: ParquetColumnsOpt = "json",
    extraction: ExtractArgs = DEFAULT_EXTRACTION,
    config: ConfigOpt = None,
) -> None:
    """Clean documents; one output record (or one error record) per input document."""
    call(run.clean, CleanArgs(
        inputs, output, fmt, input_format, errors, rules or (), no_default_rules, fields, output_field or (),
        max_removed_share, max_document_mb, match_budget, workers, resume, checkpoint_every, learn,
        learn_from or (), learned_packs, quiet, provenance, manifest, domain_field, parquet_columns, extraction))


@app.command()
@with_extraction_flags
@with_field_flags
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
    fields: Fields = DEFAULT_FIELDS,
    rules: RulesOpt = None,
    no_default_rules: NoDefaultOpt = False,
    color: Annotated[
        bool | None, typer.Option("--color/--no-color", help="Colour and strike-through (default: on a terminal).")
    ] = None,
    show_whitespace: Annotated[bool, typer.Option(help="Also mark whitespace normalisation.")] = False,
    max_removed_share: MaxShareOpt = DEFAULT_MAX_REMOVED_SHARE,
    domain_field: DomainFieldOpt = None,
    extraction: ExtractArgs = DEFAULT_EXTRACTION,
    config: ConfigOpt = None,
) -> None:
    """Show what was removed from each document and by which rule: changed lines with context, or --full."""
    view = ExplainView(url=url, ids=tuple(ids or ()), rule=rule, context=context, full=full,
                       show_whitespace=show_whitespace)
    call(run.explain, ExplainArgs(inputs, view, fields, rules or (), no_default_rules, color, max_removed_share,
                                  domain_field, extraction))


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

    try:
        run.check_inputs([str(output)] + ([str(errors)] if errors else []))
        page, data = write_report(output, to, errors)
    except run.UsageError as e:
        raise usage_exit(e) from None
    except MissingExtra as e:
        raise usage_exit(str(e)) from None
    except (ValueError, OSError) as e:
        raise usage_exit(f"cannot make the report: {e}") from None
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
        raise typer.Exit(EXIT_FAILED_INPUTS)
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
    raise typer.Exit(EXIT_USAGE if broken else EXIT_FAILED_INPUTS if check and changed else EXIT_OK)


# mine's own options
MineOutputOpt = Annotated[
    Path,
    typer.Option("--output", "-o", help="Folder for <domain>.mined.yaml packs, mine-report.md and "
                                        "generic-candidates.jsonl (created if missing)."),
]
MinDocsOpt = Annotated[
    int, typer.Option("--min-docs", min=2, help="Distinct documents a domain needs before it is mined.")
]
MinShareOpt = Annotated[
    float, typer.Option("--min-share", min=0.01, max=1.0, help="Share of a domain's documents a line must "
                                                              "occur in (and in at least 3).")
]
MaxLineWordsOpt = Annotated[int, typer.Option("--max-line-words", min=1, help="Longer lines are not counted.")]
MaxLineCharsOpt = Annotated[int, typer.Option("--max-line-chars", min=1, help="Longer lines are not counted.")]
ProseShareOpt = Annotated[
    float, typer.Option("--prose-share", min=0.01, max=1.0,
                        help="Prose-like lines (long, sentence-like) are written only at this share; "
                             "below it they are listed as borderline.")
]
ProseWordsOpt = Annotated[int, typer.Option("--prose-words", min=1, help="More words than this: prose-like.")]
MiddleShareOpt = Annotated[
    float, typer.Option("--middle-share", min=0.01, max=1.0,
                        help="Lines with no stable place near the start or end of pages are written only "
                             "at this share; below it they are listed as borderline.")
]
GenericDomainsOpt = Annotated[
    int, typer.Option("--generic-domains", min=2, help="A line qualifying on this many unrelated sites "
                                                       "goes to generic-candidates.jsonl instead.")
]
CutShareOpt = Annotated[
    float, typer.Option("--cut-share", min=0.01, max=1.0,
                        help="cut-after needs only recurring or short lines after the line in this share "
                             "of its documents.")
]
DatelinesOpt = Annotated[
    bool, typer.Option("--datelines", help="Also write lines whose date or time changes on every page.")
]
PrefixesOpt = Annotated[
    bool, typer.Option("--prefixes/--no-prefixes", help="Also mine line starts (bylines, credits).")
]
IncludeCoveredOpt = Annotated[
    bool, typer.Option("--include-covered", help="Also write lines the loaded packs already remove.")
]
MaxKeysOpt = Annotated[
    int, typer.Option("--max-keys", min=1000, help="Memory budget of the first pass (counters, ~100 bytes each).")
]


@app.command()
def mine(
    inputs: Annotated[list[str], typer.Argument(help="Files, folders (recursed) or - for stdin, as for clean.")],
    output: MineOutputOpt,
    input_format: InputFormatOpt = "auto",
    domain_field: DomainFieldOpt = None,
    min_docs: MinDocsOpt = 5,
    min_share: MinShareOpt = 0.5,
    max_line_words: MaxLineWordsOpt = 40,
    max_line_chars: MaxLineCharsOpt = 300,
    prose_share: ProseShareOpt = 0.95,
    prose_words: ProseWordsOpt = 12,
    middle_share: MiddleShareOpt = 0.8,
    generic_domains: GenericDomainsOpt = 3,
    cut_share: CutShareOpt = 0.95,
    datelines: DatelinesOpt = False,
    prefixes: PrefixesOpt = True,
    rules: RulesOpt = None,
    no_default_rules: NoDefaultOpt = False,
    include_covered: IncludeCoveredOpt = False,
    max_keys: MaxKeysOpt = 2_000_000,
    text_field: TextFieldOpt = "text",
    html_field: HtmlFieldOpt = "html",
    id_field: IdFieldOpt = "id",
    url_field: UrlFieldOpt = "url",
    max_document_mb: MaxDocumentMbOpt = DEFAULT_MAX_BYTES / 1e6,
    workers: WorkersOpt = 1,
    quiet: QuietOpt = False,
) -> None:
    """Learn each site's chrome from its own pages: write one reviewable site pack per domain."""
    thresholds = {"min_docs": min_docs, "min_share": min_share, "max_line_words": max_line_words,
                  "max_line_chars": max_line_chars, "prose_share": prose_share, "prose_words": prose_words,
                  "middle_share": middle_share, "generic_domains": generic_domains, "cut_share": cut_share,
                  "datelines": datelines, "prefixes": prefixes, "max_keys": max_keys,
                  "skip_covered": not include_covered}
    fields = Fields(text=text_field, html=html_field, id=id_field, url=url_field)
    call(run.mine, MineArgs(inputs, output, thresholds, input_format, domain_field, rules or (), no_default_rules,
                            fields, max_document_mb, workers, quiet))


def main() -> None:
    app(prog_name="cleaner")  # the same name (and completion variable) for `python -m cleaner`


if __name__ == "__main__":
    main()
