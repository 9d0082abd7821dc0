"""Settings for ``cleaner clean`` (and ``explain``) from ``cleaner.toml`` or ``[tool.cleaner]``.

Keys are ``clean``'s long option names, with dashes or underscores (``max-removed-share = 0.5``,
``favor_precision = true``, ``rules = ["my_rules/"]``). They become the command's defaults, so an
option given on the command line wins. Relative paths are taken from the config file's folder.
A key that is not a ``clean`` option, or a value of the wrong type, is a usage error (exit 2).
"""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

CONFIG_NAME = "cleaner.toml"
# Not settable from a file: they only make sense for one run.
NOT_IN_CONFIG = {"config", "resume", "help"}


class ConfigError(ValueError):
    """The config file cannot be read, or holds a key or value ``clean`` does not take."""


def find_config(folder: Path) -> Path | None:
    """``cleaner.toml`` in ``folder``, else its ``pyproject.toml`` if that has a ``[tool.cleaner]`` table."""
    own = folder / CONFIG_NAME
    if own.is_file():
        return own
    py = folder / "pyproject.toml"
    if py.is_file():
        try:
            data = tomllib.loads(py.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None  # someone else's broken pyproject is not our error unless it names us
        if isinstance(data.get("tool"), dict) and "cleaner" in data["tool"]:
            return py
    return None


def read_config(path: Path) -> dict[str, Any]:
    """The settings table: the whole of a ``cleaner.toml``, ``[tool.cleaner]`` of a pyproject.toml."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"cannot read config file {path}: {e}") from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(f"{path} is not valid TOML: {e}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("cleaner", {}) if isinstance(data.get("tool"), dict) else {}
        if not isinstance(table, dict):
            raise ConfigError(f"{path}: [tool.cleaner] must be a table")
        return table
    return data


class OptionSpec:
    """What a config value must look like for one option: its name, default and whether it repeats."""

    def __init__(self, name: str, flags: Iterable[str], default: Any, multiple: bool, is_path: bool):
        self.name = name  # the Python parameter name (``fmt`` for ``--format``)
        self.flags = list(flags)
        self.default = default
        self.multiple = multiple
        self.is_path = is_path

    def check(self, key: str, value: Any, base: Path, where: Path) -> Any:
        """The value, type-checked against the option's default and with paths made absolute."""
        def bad(kind: str) -> ConfigError:
            return ConfigError(f"{where}: {key} must be {kind}, not {value!r}")

        if self.multiple:
            items = [value] if isinstance(value, str) else value
            if not isinstance(items, list) or not all(isinstance(v, str) for v in items):
                raise bad("a string or a list of strings")
            return [self._path(v, base) for v in items]
        d = self.default
        if isinstance(d, bool):
            if not isinstance(value, bool):
                raise bad("true or false")
        elif isinstance(d, (int, float)) and not isinstance(d, bool):
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise bad("a number")
            if isinstance(d, int) and not isinstance(d, bool) and not isinstance(value, int):
                raise bad("a whole number")
        elif not isinstance(value, str):
            raise bad("a string")
        return self._path(value, base) if isinstance(value, str) else value

    def _path(self, value: str, base: Path) -> str:
        if not self.is_path or value == "-":
            return value
        p = Path(value).expanduser()
        return str(p if p.is_absolute() else base / p)


def defaults_from(table: dict[str, Any], specs: dict[str, OptionSpec], where: Path,
                  applies: set[str] | None = None) -> dict[str, Any]:
    """Turn a settings table into a ``default_map`` (parameter name -> value).

    ``specs`` maps each long option name (without dashes) to its spec; ``applies`` keeps only
    the options the running command has (``explain`` takes a subset of ``clean``'s).
    """
    out: dict[str, Any] = {}
    base = where.parent
    for key, value in table.items():
        norm = key.replace("_", "-")
        spec = specs.get(norm)
        if spec is None or norm in NOT_IN_CONFIG:
            known = ", ".join(sorted(k for k in specs if k not in NOT_IN_CONFIG))
            raise ConfigError(f"{where}: unknown key {key!r}; the keys are clean's options: {known}")
        checked = spec.check(key, value, base, where)
        if applies is None or norm in applies:
            out[spec.name] = checked
    return out
