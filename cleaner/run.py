"""How a command-line run goes, without typer: ``cleaner clean``, ``mine`` and ``explain``.

The typer commands in ``cleaner.cli`` only parse flags into ``CleanArgs``, ``MineArgs`` or
``ExplainArgs`` and call ``clean``, ``mine`` or ``explain`` here, which return an exit code or
raise ``UsageError``. So validation, writers, resume and the exit codes are tested in-process,
not only through a subprocess.

Exit codes: 0 everything cleaned; 1 some inputs failed (see the errors file);
2 usage or rule-file errors, or another run holds the output (nothing was cleaned);
3 the run stopped and 130 it was interrupted (both resumable); 141 stdout was closed.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.markup import escape

from cleaner import __version__
from cleaner.api import DEFAULT_MAX_REMOVED_SHARE, Cleaner
from cleaner.batch import (
    BatchConfig,
    Checkpoint,
    LostRecords,
    OutputBusy,
    OutputLock,
    ProgressBar,
    Summary,
    WorkerError,
    run_batch,
)
from cleaner.explain import ExplainView, explain_items
from cleaner.manifest import manifest_path, run_description, write_manifest
from cleaner.options import DEFAULT_MATCH_BUDGET, CleanOptions
from cleaner.provenance import PROVENANCE_FORMS
from cleaner.readers.base import DEFAULT_MAX_BYTES, Failure, ReadStats
from cleaner.readers.discover import KINDS, InputDigest, InputsChanged, iter_documents
from cleaner.readers.records import Fields
from cleaner.rules.errors import RuleError
from cleaner.summary import summary_lines
from cleaner.writers.base import ResumeError, Writer
from cleaner.writers.jsonl import ErrorWriter, JsonlWriter, OutputFields
from cleaner.writers.parquet import PARQUET_COLUMNS, ParquetWriter
from cleaner.writers.textdir import TextDirWriter

EXIT_OK = 0
EXIT_FAILED_INPUTS = 1  # some inputs failed (for `rules test`, some examples; for `rules fmt --check`, some packs)
EXIT_USAGE = 2  # bad flags, inputs, rules or config; the output is busy: nothing was cleaned
EXIT_STOPPED = 3  # the run stopped; resumable
EXIT_INTERRUPTED = 130  # Ctrl-C; resumable
EXIT_STDOUT_CLOSED = 141  # as a shell reports SIGPIPE

OUTPUT_FORMATS = ("auto", "jsonl", "parquet", "text")
DEFAULT_WORKERS = os.cpu_count() or 1


class UsageError(Exception):
    """The flags, inputs, rules or output cannot be used: the command exits 2, nothing cleaned."""


class RuleErrors(UsageError):
    """Rule packs that do not load, with every problem found (not only the first)."""

    def __init__(self, error: RuleError, title: str = "rule errors"):
        super().__init__(f"{title} ({len(error.problems)})")
        self.title = title
        self.problems = list(error.problems)


def print_error(console: Console, e: UsageError) -> None:
    """The one way a usage error reaches the user: ``error: ...``, or rule errors one per line."""
    if isinstance(e, RuleErrors):
        console.print(f"[bold red]{e.title} ({len(e.problems)}):[/]", highlight=False)
        for p in e.problems:
            console.print(f"  {p}", highlight=False, markup=False)
    else:
        console.print(f"[bold red]error:[/] {e}", highlight=False)


def exit_code(failed: int) -> int:
    """A run that finished: 0, or 1 when some inputs became error records."""
    return EXIT_FAILED_INPUTS if failed else EXIT_OK


def stop_reason(e: BaseException) -> tuple[str, int]:
    """What a run that stopped part way tells the user, and its exit code."""
    if isinstance(e, InputsChanged):
        return f"cannot resume: {e}; rerun without --resume to start over", EXIT_USAGE
    if isinstance(e, KeyboardInterrupt):
        return "interrupted", EXIT_INTERRUPTED
    if isinstance(e, LostRecords):
        return f"internal error, the run was stopped: {e}", EXIT_STOPPED
    if isinstance(e, BrokenPipeError):  # `cleaner clean x | head`
        return "stdout was closed (broken pipe): the output is incomplete", EXIT_STDOUT_CLOSED
    return f"the run stopped: {e}", EXIT_STOPPED  # WorkerError, OSError


def check_inputs(inputs: Iterable[str]) -> None:
    """A missing input is a usage error, found before any rule loads."""
    missing = [i for i in inputs if i != "-" and not os.path.exists(i)]
    if missing:
        raise UsageError(f"no such input: {', '.join(missing)}")


def load_cleaner(rules: Sequence[Path | str] | None, no_default: bool, **kw: Any) -> Cleaner:
    """The Cleaner for a command; packs that do not load are a usage error listing every problem."""
    try:
        return Cleaner(rules=list(rules or []), default_rules=not no_default, **kw)
    except RuleError as e:
        raise RuleErrors(e) from None


def learn(cleaner: Cleaner, sources: list[str], fields: Fields, input_format: str, max_bytes: int,
          learned_packs: Path | None, console: Console | None) -> Cleaner:
    """``--learn``: mine ``sources`` for their sites' chrome; the cleaner with the learned packs too.

    ``console`` None is ``--quiet``.
    """
    from cleaner.learn import learn_from_inputs

    if console is not None:
        console.print(f"learning site chrome from {', '.join(sources)} …", highlight=False, markup=False)
    try:
        learned, result = learn_from_inputs(cleaner, sources, fields, input_format, max_bytes=max_bytes,
                                            learned_packs=learned_packs)
    except RuleError as e:  # a learned pack that does not load is a bug, reported as rule errors are
        raise RuleErrors(e, "learned rule errors") from None
    if console is not None:
        n = len(result.packs)
        console.print(f"learned {result.rules_written:,} rule{'s' if result.rules_written != 1 else ''} for "
                      f"{n:,} site{'s' if n != 1 else ''}" + (f" (kept in {learned_packs})" if learned_packs else ""),
                      highlight=False, markup=False)
    return learned


@dataclass(frozen=True)
class ExtractArgs:
    """The HTML extraction flags ``clean`` and ``explain`` share (``CleanOptions`` fields, and --markdown)."""

    favor_precision: bool = False
    favor_recall: bool = False
    include_links: bool = False
    include_tables: bool = True
    include_formatting: bool = False
    include_images: bool = False
    rescue: bool = True
    markdown: bool = False

    def clean_options(self, **more: Any) -> CleanOptions:
        """The options object, with ``more`` of its fields; an impossible combination is a usage error."""
        kw = dataclasses.asdict(self)
        markdown = kw.pop("markdown")
        try:
            return CleanOptions(output="markdown" if markdown else "text", **kw, **more)
        except ValueError as e:
            raise UsageError(str(e)) from None


@dataclass(frozen=True)
class CleanArgs:
    """``cleaner clean``'s flags as given (the config file's values already filled in), unchecked."""

    inputs: Sequence[str]
    output: Path | None = None
    fmt: str = "auto"
    input_format: str = "auto"
    errors: Path | None = None
    rules: Sequence[Path] = ()
    no_default_rules: bool = False
    fields: Fields = field(default_factory=Fields)
    output_field: Sequence[str] = ()
    max_removed_share: float = DEFAULT_MAX_REMOVED_SHARE
    max_document_mb: float = DEFAULT_MAX_BYTES / 1e6
    match_budget: int = DEFAULT_MATCH_BUDGET
    workers: int = DEFAULT_WORKERS
    resume: bool = False
    checkpoint_every: int = 100
    learn: bool = False
    learn_from: Sequence[str] = ()
    learned_packs: Path | None = None
    quiet: bool = False
    provenance: str = "compact"
    manifest: Path | None = None
    domain_field: str | None = None
    parquet_columns: str = "json"
    extraction: ExtractArgs = field(default_factory=ExtractArgs)


@dataclass(frozen=True)
class CleanRun:
    """A checked ``clean``: its flags and what follows from them."""

    args: CleanArgs
    fmt: str  # jsonl, parquet or text
    errors: Path
    output_fields: OutputFields
    options: CleanOptions
    learn_from: list[str] | None  # what --learn mines; None: no learning

    @property
    def output(self) -> Path | None:
        return self.args.output


def output_fields(specs: Sequence[str], fmt: str) -> OutputFields:
    """``--output-field KEY=NAME`` renames, checked: known keys, a name each, no two alike."""
    names = {f.name: getattr(OutputFields(), f.name) for f in dataclasses.fields(OutputFields)}
    for spec in specs:
        key, eq, name = spec.partition("=")
        if not eq or key not in names:
            raise UsageError(f"--output-field takes KEY=NAME with KEY one of {', '.join(names)}, not {spec!r}")
        if not name and key != "metadata":
            raise UsageError(f"--output-field {key}= needs a name")
        names[key] = name
    if not names["metadata"] and fmt == "parquet":
        raise UsageError("Parquet output keeps metadata in one column: --output-field metadata= needs a name")
    given = [n for n in names.values() if n]
    if len(set(given)) != len(given):
        raise UsageError(f"--output-field: two output fields have the same name ({', '.join(given)})")
    return OutputFields(**names)


def output_format(fmt: str, output: Path | None) -> str:
    """``--format`` checked, ``auto`` resolved by the output's name."""
    if fmt not in OUTPUT_FORMATS:
        raise UsageError(f"--format (the OUTPUT format) must be one of {', '.join(OUTPUT_FORMATS)}, not {fmt!r}"
                         + ("; for the input format use --input-format" if fmt in KINDS else ""))
    if fmt == "auto":
        return "parquet" if output is not None and output.suffix.lower() in (".parquet", ".pq") else "jsonl"
    return fmt


def _check_output(fmt: str, output: Path | None, resume: bool) -> None:
    if fmt in ("text", "parquet") and output is None:
        raise UsageError(f"--format {fmt} needs --output " + ("FOLDER" if fmt == "text" else "FILE"))
    if resume and output is None:
        raise UsageError("--resume needs --output: stdout cannot be resumed")
    if output is None:
        return
    if fmt == "text" and output.exists() and not output.is_dir():
        raise UsageError(f"--format text writes a folder, but {output} is a file")
    if fmt != "text" and output.is_dir():
        raise UsageError(f"{output} is a folder; give a file name, or use --format text")
    if fmt == "text" and not resume and output.is_dir() and any(output.iterdir()):
        raise UsageError(f"{output} is not empty: a text-folder run writes only into an empty or new folder, "
                         "so no old file is taken for one of its records (--resume continues a killed run)")


def plan_clean(args: CleanArgs) -> CleanRun:
    """Check ``clean``'s flags, in the order the errors are reported, before any rule loads."""
    input_format = args.input_format
    fmt = output_format(args.fmt, args.output)
    if input_format not in KINDS:
        raise UsageError(f"--input-format must be one of {', '.join(KINDS)}, not {input_format!r}")
    _check_output(fmt, args.output, args.resume)
    out_fields = output_fields(args.output_field, fmt)
    if fmt == "text" and args.output_field:
        raise UsageError("--output-field does not apply to --format text")
    check_inputs(args.inputs)
    learn_from = list(args.learn_from or args.inputs) if args.learn or args.learn_from else None
    if learn_from is not None and "-" in learn_from:
        raise UsageError("--learn cannot read stdin twice: give --learn-from FILE")
    if args.parquet_columns not in PARQUET_COLUMNS:
        raise UsageError(f"--parquet-columns must be one of {', '.join(PARQUET_COLUMNS)}, "
                         f"not {args.parquet_columns!r}")
    if args.provenance not in PROVENANCE_FORMS:
        raise UsageError(f"--provenance must be one of {', '.join(PROVENANCE_FORMS)}, not {args.provenance!r}")
    options = args.extraction.clean_options(
        max_removed_share=args.max_removed_share, max_document_bytes=int(args.max_document_mb * 1e6),
        match_budget=args.match_budget, checkpoint_every=args.checkpoint_every, workers=args.workers)
    errors = args.errors
    if errors is None:
        out = args.output
        errors = out.with_name(out.name + ".errors.jsonl") if out is not None else Path("cleaner-errors.jsonl")
    return CleanRun(args, fmt, errors, out_fields, options, learn_from)


def checkpoint_config(run: CleanRun, cleaner: Cleaner) -> dict[str, Any]:
    """What a resumed run must share with the killed one (the checkpoint's fingerprint)."""
    a, output = run.args, run.output
    assert output is not None
    return {
        "version": __version__,
        "inputs": [i if i == "-" else str(Path(i).resolve()) for i in a.inputs],
        "input_format": a.input_format,
        "fields": dataclasses.asdict(a.fields),
        "format": run.fmt,
        "output": str(output.resolve()),
        "errors": str(run.errors.resolve()),
        "output_fields": dataclasses.asdict(run.output_fields),
        "rules": cleaner.ruleset.describe()["sha256"],
        "options": {**cleaner.options, "extraction": run.options.trafilatura_options()},
        "max_bytes": run.options.max_document_bytes,
        "provenance": a.provenance,
        "parquet_columns": a.parquet_columns,
    }


def open_checkpoint(run: CleanRun, cleaner: Cleaner, console: Console) -> tuple[Checkpoint | None, dict | None]:
    """The run's checkpoint (none for stdout) and, with --resume, the killed run's state if there is one."""
    if run.output is None:
        return None, None
    ckpt = Checkpoint(Checkpoint.path_for(run.output), checkpoint_config(run, cleaner))
    if not run.args.resume:
        ckpt.remove()
        return ckpt, None
    try:
        state = ckpt.load()
    except ValueError as e:
        raise UsageError(str(e)) from None
    if state is None and not run.args.quiet:
        console.print(f"no checkpoint at {ckpt.path}: starting from the beginning", highlight=False, markup=False)
    return ckpt, state


def open_writers(run: CleanRun, state: dict | None = None) -> tuple[Writer, ErrorWriter]:
    """The output and errors writers; given a checkpoint's ``state``, they continue its files."""
    ws = (state or {}).get("writers", {})
    out_state, err_state = (ws.get("output"), ws.get("errors")) if state else (None, None)
    output = run.output
    if run.fmt == "text":
        w: Writer = TextDirWriter(output, out_state)  # type: ignore[arg-type]
    elif run.fmt == "parquet":
        w = ParquetWriter(output, out_state, run.output_fields,  # type: ignore[arg-type]
                          columns=run.args.parquet_columns, provenance=run.args.provenance != "none")
    else:
        w = JsonlWriter(output, out_state, run.output_fields)
    return w, ErrorWriter(run.errors, err_state)


def resume_writers(run: CleanRun, state: dict | None, ckpt: Checkpoint | None,
                   console: Console) -> tuple[Writer, ErrorWriter, dict | None]:
    """``open_writers``, falling back to a fresh start when the checkpoint's files cannot be continued."""
    try:
        return (*open_writers(run, state), state)
    except (ResumeError, KeyError, TypeError, ValueError) as e:
        console.print(f"[yellow]cannot resume ({escape(str(e))}): starting from the beginning[/]", highlight=False)
        if ckpt is not None:
            ckpt.remove()
        return (*open_writers(run, None), None)
    except OSError as e:
        raise UsageError(f"cannot write the output: {e}") from None


@contextmanager
def output_lock(output: Path | None) -> Iterator[None]:
    """One run per output, held however the run ends."""
    if output is None:
        yield
        return
    lock = OutputLock(output)
    try:
        lock.acquire()
    except OutputBusy as e:
        raise UsageError(str(e)) from None
    except OSError as e:
        raise UsageError(f"cannot write the output: {e}") from None
    try:
        yield
    finally:
        lock.release()


def clean(args: CleanArgs, console: Console) -> int:
    """``cleaner clean``: check, load the rules, learn if asked, then clean under the output's lock."""
    run = plan_clean(args)
    cleaner = load_cleaner(args.rules, args.no_default_rules, options=run.options, provenance=args.provenance,
                           domain_field=args.domain_field)
    if run.learn_from is not None:
        cleaner = learn(cleaner, run.learn_from, args.fields, args.input_format, run.options.max_document_bytes,
                        args.learned_packs, None if args.quiet else console)
    with output_lock(run.output):
        ckpt, state = open_checkpoint(run, cleaner, console)
        return _CleanJob(run, cleaner, console, ckpt, state).execute()


class _CleanJob:
    """One clean with its outputs open: read, clean, checkpoint, close, then manifest and summary."""

    def __init__(self, run: CleanRun, cleaner: Cleaner, console: Console, ckpt: Checkpoint | None,
                 state: dict | None):
        self.run, self.cleaner, self.console, self.ckpt = run, cleaner, console, ckpt
        self.writer, self.error_writer, state = resume_writers(run, state, ckpt, console)
        self.done = int(state["done"]) if state else 0
        self.start = Summary.from_dict(state["summary"]) if state else Summary()
        self.start.resumed_from = self.done
        self.start_seconds = self.start.seconds
        if self.done and not run.args.quiet:
            console.print(f"resuming: {self.done:,} documents were done by the earlier run", highlight=False)
        self.stats = ReadStats()
        self.digest = InputDigest(state.get("inputs") if state else None, track=ckpt is not None)

    def items(self) -> Iterator[Any]:
        a = self.run.args
        own = {p.resolve() for p in (self.run.output, self.run.errors) if p is not None}
        return iter_documents(list(a.inputs), a.fields, a.input_format, max_bytes=self.run.options.max_document_bytes,
                              stats=self.stats, skip=self.done, exclude=own, digest=self.digest)

    def save(self, s: Summary) -> None:
        assert self.ckpt is not None
        writers = {"output": self.writer.checkpoint(), "errors": self.error_writer.checkpoint()}
        self.ckpt.save(s, writers, self.digest.state(s.documents))

    def batch(self, items: Iterator[Any]) -> Summary:
        config = BatchConfig(workers=self.run.args.workers, summary=self.start,
                             checkpoint=self.save if self.ckpt else None)
        if not self.run.args.quiet and self.console.is_terminal:
            with ProgressBar(self.console, self.stats, self.start) as bar:
                config = dataclasses.replace(config, on_progress=bar.update)
                return run_batch(bar.track(items), self.cleaner, self.writer, self.error_writer, config)
        return run_batch(items, self.cleaner, self.writer, self.error_writer, config)

    def execute(self) -> int:
        items = self.items()
        ok, stopped, code = False, None, EXIT_STOPPED
        summary = self.start
        try:
            summary = self.batch(items)
            summary.skipped = self.stats.skipped
            written = self.writer.count + self.error_writer.count  # type: ignore[attr-defined]
            if written != summary.documents - self.done:
                raise LostRecords(f"{summary.documents - self.done} inputs but {written} records written")
            ok = True
        except (InputsChanged, KeyboardInterrupt, LostRecords, WorkerError, OSError) as e:
            if isinstance(e, BrokenPipeError):  # what is still buffered goes nowhere
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            stopped, code = stop_reason(e)
        finally:
            try:  # the errors file first: an output that is there is one whose run finished
                self.error_writer.close(ok)
                self.writer.close(ok)
            except OSError as e:
                ok, stopped = False, f"the output could not be finished: {e}"
        if not ok:
            where = ""
            if code != EXIT_USAGE and self.ckpt is not None and self.ckpt.path.exists():
                where = f"; what was written is kept: rerun with --resume to continue (checkpoint {self.ckpt.path})"
            self.console.print(f"[bold red]error:[/] {escape(f'{stopped}{where}')}", highlight=False)
            return code
        if self.ckpt is not None:
            self.ckpt.remove()
        return self.finish(summary)

    def finish(self, summary: Summary) -> int:
        """The manifest and the summary lines of a run that finished."""
        a, output = self.run.args, self.run.output
        errors = self.run.errors if summary.failed else None
        manifest = a.manifest or (manifest_path(output) if output is not None else None)
        if manifest is not None:
            run = run_description(list(a.inputs), a.input_format, a.fields, self.run.fmt, output, errors)
            try:
                write_manifest(manifest, self.cleaner.manifest(summary.to_dict(), run))
            except OSError as e:
                self.console.print(f"[bold red]error:[/] the output is written, but not its manifest: "
                                   f"{escape(str(e))}", highlight=False)
                return EXIT_STOPPED
        if not a.quiet:
            for line in summary_lines(summary, self.stats.bytes_read, summary.seconds - self.start_seconds, output,
                                      errors):
                self.console.print(line, highlight=False)
        return exit_code(summary.failed)


@dataclass(frozen=True)
class ExplainArgs:
    """``cleaner explain``'s flags as given."""

    inputs: Sequence[str]
    view: ExplainView = field(default_factory=ExplainView)
    fields: Fields = field(default_factory=Fields)
    rules: Sequence[Path] = ()
    no_default_rules: bool = False
    color: bool | None = None  # None: colour on a terminal
    max_removed_share: float = DEFAULT_MAX_REMOVED_SHARE
    domain_field: str | None = None
    extraction: ExtractArgs = field(default_factory=ExtractArgs)


def explain(args: ExplainArgs, console: Console) -> int:
    """``cleaner explain``: each document's removals on stdout, documents that failed on ``console``."""
    check_inputs(args.inputs)
    options = args.extraction.clean_options(max_removed_share=args.max_removed_share)
    cleaner = load_cleaner(args.rules, args.no_default_rules, options=options, domain_field=args.domain_field)
    color = args.color
    out = Console(force_terminal=color, no_color=color is False, highlight=False, soft_wrap=True)
    use_rich = color if color is not None else out.is_terminal
    failed = 0
    view = dataclasses.replace(args.view, rich=use_rich)
    for piece in explain_items(cleaner, iter_documents(list(args.inputs), args.fields), view):
        if piece.error:
            console.print(piece.body, style="red", highlight=False, markup=False)
            failed += 1
        elif isinstance(piece.body, str) and not use_rich:
            sys.stdout.write(piece.body if piece.body.endswith("\n") else piece.body + "\n")
            sys.stdout.flush()
        else:
            out.print(piece.body, style=piece.style, markup=False, end="" if str(piece.body).endswith("\n") else "\n")
    return exit_code(failed)


@dataclass(frozen=True)
class MineArgs:
    """``cleaner mine``'s flags as given; ``thresholds`` are ``MineOptions`` keywords, checked by ``mine``."""

    inputs: Sequence[str]
    output: Path
    thresholds: Mapping[str, Any] = field(default_factory=dict)
    input_format: str = "auto"
    domain_field: str | None = None
    rules: Sequence[Path] = ()
    no_default_rules: bool = False
    fields: Fields = field(default_factory=Fields)
    max_document_mb: float = DEFAULT_MAX_BYTES / 1e6
    workers: int = 1
    quiet: bool = False


def mine(args: MineArgs, console: Console) -> int:
    """``cleaner mine``: count lines per site in two passes, then write the site packs and the report."""
    from cleaner.mining import MineOptions, reference_cleaner

    if args.input_format not in KINDS:
        raise UsageError(f"--input-format must be one of {', '.join(KINDS)}, not {args.input_format!r}")
    if args.output.exists() and not args.output.is_dir():
        raise UsageError(f"{args.output} is a file; --output is the folder the packs are written to")
    try:
        options = MineOptions(**args.thresholds)
    except ValueError as e:
        raise UsageError(str(e)) from None
    try:
        reference = reference_cleaner(list(args.rules), default_rules=not args.no_default_rules)
    except RuleError as e:
        raise RuleErrors(e) from None
    try:
        result = _mine(args, options, reference, console)
    except KeyboardInterrupt:
        console.print("[bold red]error:[/] interrupted", highlight=False)
        return EXIT_INTERRUPTED
    try:
        result.write(args.output)
    except OSError as e:
        raise UsageError(f"cannot write to {args.output}: {e}") from None
    if not args.quiet:
        _mine_summary(result, options, args.output, console)
    return exit_code(result.stats.failed)


def _mine(args: MineArgs, options: Any, reference: Any, console: Console) -> Any:
    """Both passes with a spinner; sharded over worker processes when the inputs are files."""
    import multiprocessing

    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from cleaner.mining import Miner
    from cleaner.mining.shards import mine_sharded

    output = args.output.resolve()
    own = {output / "mine-report.md", output / "generic-candidates.jsonl"}

    def items() -> Iterator[Any]:
        return iter_documents(list(args.inputs), args.fields, args.input_format,
                              max_bytes=int(args.max_document_mb * 1e6), exclude=own)

    show = not args.quiet and console.is_terminal
    sharded = args.workers > 1 and "-" not in args.inputs and "fork" in multiprocessing.get_all_start_methods()
    miner: Miner | None = None
    try:
        columns = (SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn())
        with Progress(*columns, console=console, transient=True, disable=not show) as bar:
            task = bar.add_task("pass 1: 0 documents")

            def progress(stage: str, done: int, total: int) -> None:
                bar.update(task, description=f"{stage}: {done:,}" + (f" of {total:,}" if total else " documents"))

            if sharded:
                return mine_sharded(items, options, args.workers, domain_field=args.domain_field,
                                    reference=reference, progress=progress)
            miner = Miner(options, domain_field=args.domain_field, reference=reference)
            for n, item in enumerate(items(), 1):
                if isinstance(item, Failure):
                    miner.add_failed()
                else:
                    miner.add(item)
                if n % 500 == 0:
                    progress("pass 1", n, 0)
            return miner.finish(progress, workers=args.workers)
    except KeyboardInterrupt:
        if miner is not None:
            miner.close()
        raise


def _mine_summary(result: Any, options: Any, output: Path, console: Console) -> None:
    s = result.stats
    console.print(
        f"[bold]{s.documents:,}[/] documents: {s.counted:,} counted, {s.duplicates:,} duplicates, "
        f"{s.no_domain:,} without a domain, [{'red' if s.failed else 'green'}]{s.failed:,} failed[/]; "
        f"{len(result.domains)} of {s.domains:,} domains had at least {options.min_docs} documents",
        highlight=False,
    )
    n_border = sum(len(dp.by_status("borderline")) for dp in result.domains)
    secs = s.seconds_pass1 + s.seconds_pass2 + s.seconds_packs
    console.print(
        f"[green]{result.rules_written} rules[/] in {len(result.packs)} packs, {n_border} borderline lines, "
        f"{len(result.generic)} generic candidates in {secs:.1f}s (pass 1 {s.seconds_pass1:.1f}s, "
        f"pass 2 {s.seconds_pass2:.1f}s, packs {s.seconds_packs:.1f}s)",
        highlight=False,
    )
    console.print(f"output: {output} (review {output / 'mine-report.md'})", highlight=False, markup=False)
