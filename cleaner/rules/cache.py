"""Validated packs cached on disk, so a run does not parse and check the same YAML again.

Parsing and checking the bundled packs (YAML, the schema, every pattern's engine and bounds)
takes about 1.5 s; reading them back from the cache takes milliseconds. The key is a sha256 of
everything the result depends on: each pack's path and text, and the versions of cleaner and of
the libraries that judge a pack (pydantic, regex, google-re2, PyYAML), and a digest of the
rule-loading code itself. A changed pack, a new version or edited code is a new key, so a stale
entry is never read; an entry that cannot be read (truncated, corrupt, from another Python) is
ignored and written again. Only packs that validated cleanly are cached: rule errors are found,
and reported, afresh every time.

Records never depend on the cache: a cached entry is the very ``LoadedPack`` list that parsing
would give (``tests/test_determinism.py`` compares cold and warm runs byte for byte).

Where: ``$CLEANER_CACHE_DIR``, else ``$XDG_CACHE_HOME/cleaner``, else ``~/.cache/cleaner``.
``CLEANER_CACHE_DIR=""`` (empty) turns the cache off. The files are pickles: keep the folder
your own, as you would any cache of code you run.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from dataclasses import replace
from functools import cache
from importlib import metadata
from pathlib import Path

from cleaner.rules.loader import LoadedPack, PackSource, parse_packs
from cleaner.rules.prefilter import index_rule

_FORMAT = "2"
_LIBRARIES = ("pydantic", "regex", "google-re2", "PyYAML")


def cache_dir() -> Path | None:
    """The cache folder, or None when the cache is turned off."""
    env = os.environ.get("CLEANER_CACHE_DIR")
    if env is not None:
        return Path(env) if env.strip() else None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "cleaner"


def _versions() -> str:
    from cleaner import __version__

    out = [f"cleaner={__version__}", f"format={_FORMAT}"]
    for name in _LIBRARIES:
        try:
            out.append(f"{name}={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            out.append(f"{name}=none")
    return ";".join(out)


@cache
def _code() -> str:
    """A digest of the code that parses and indexes packs: a source checkout changes it without a
    version bump, and a pickle of the old classes must not be read back into the new ones."""
    h = hashlib.sha256()
    for path in sorted(Path(__file__).parent.glob("*.py")):
        h.update(path.name.encode() + b"\0" + path.read_bytes())
    return h.hexdigest()


def cache_key(sources: list[PackSource]) -> str:
    h = hashlib.sha256(_versions().encode() + _code().encode())
    for s in sources:
        h.update(b"\0" + s.path.encode("utf-8", "surrogatepass") + b"\0" + s.sha256.encode())
    return h.hexdigest()


def load_packs(sources: list[PackSource]) -> list[LoadedPack]:
    """``parse_packs(sources)``, from the cache when a valid entry exists."""
    folder = cache_dir()
    if folder is None or not sources:
        return parse_packs(sources)
    path = folder / f"packs-{cache_key(sources)}.pickle"
    try:
        with open(path, "rb") as f:
            got = pickle.load(f)
        if isinstance(got, list) and [lp.source for lp in got] == sources:
            return got
    except Exception:  # noqa: BLE001 - a missing, partial or foreign entry is rebuilt, never trusted
        pass
    loaded = parse_packs(sources)  # raises RuleError: nothing is cached for a broken set
    loaded = [replace(lp, indexing=tuple(index_rule(r) for r in lp.pack.rules)) for lp in loaded]
    _store(path, loaded)
    return loaded


def _store(path: Path, loaded: list[LoadedPack]) -> None:
    """Write atomically: a reader sees the old entry, the new one, or none, never half of one."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".packs-", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                pickle.dump(loaded, f, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError:
        pass  # a read-only or full disk costs speed, not correctness
