"""Reading a Pulumi project's raw config values: each key once, whole, with its default and range.

Pulumi hands every config value over as a string (objects and lists as JSON). `ConfigReader` remembers
which keys were read so that an unknown one (a typo) is an error too. Every bad value raises
`SettingsError` naming the key, the value and what is allowed.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, TypeVar, overload

import pulumi

T = TypeVar("T")
_HTTP_PATH_PATTERN = re.compile(r"/[A-Za-z0-9._~!$&'()*+,;=:@%/-]*")


class SettingsError(pulumi.RunError):
    """A stack config value is missing or not allowed.

    A `pulumi.RunError` because the Python language host prints any other exception with its whole
    traceback; this one it prints as its message alone, one line.
    """

    def __init__(self, key: str, value: object, allowed: str, source: str = "config") -> None:
        self.key = key
        self.value = value
        self.allowed = allowed
        super().__init__(f"{source} '{key}': {value!r} is not allowed; {allowed}")


class ConfigReader:
    """The project's raw config values; remembers which keys were read to reject unknown ones.

    An object value (`pulumi config set --path smokeTest.enabled true`) is read key by key as
    `smokeTest.enabled`, so a misspelled inner key is caught like a misspelled top-level one.
    """

    def __init__(self, values: Mapping[str, str]) -> None:
        self._values: dict[str, str] = {}
        for key, text in values.items():
            nested = _json_object(text)
            if nested is None:
                self._values[key] = text
            else:
                self._values.update({f"{key}.{inner}": as_text(value) for inner, value in nested.items()})
        self.read: set[str] = set()

    def text(self, key: str) -> str | None:
        self.read.add(key)
        return self._values.get(key)

    def text_or(self, key: str, default: str) -> str:
        """The value as set (even if empty: an empty value is an error, not a request for the default)."""
        value = self.text(key)
        return default if value is None else value

    def reject_if_set(self, keys: tuple[str, ...], allowed: str) -> None:
        """Keys that only mean something with another setting: setting them without it is an error."""
        self.read.update(keys)  # known keys all the same (the unknown-key error lists them)
        for key in keys:
            if key in self._values:
                raise SettingsError(key, self._values[key], allowed)

    def feature(self, name: str, keys: tuple[str, ...], default: bool = False) -> bool:
        """`<name>.enabled`, `default` when unset. While it is off, `<name>.<key>` for each of `keys` is
        refused: it would be silently unused."""
        enabled = self.boolean(f"{name}.enabled", default)
        if not enabled:
            self.reject_if_set(tuple(f"{name}.{key}" for key in keys), f"allowed only with {name}.enabled: true")
        return enabled

    # Each reads one key, named once, with its default and what is allowed.

    @overload
    def integer(self, key: str, default: int, low: int, high: int) -> int: ...
    @overload
    def integer(self, key: str, default: None, low: int, high: int) -> int | None: ...

    def integer(self, key: str, default: int | None, low: int, high: int) -> int | None:
        raw = self.text(key)
        return default if raw is None else _parse_number(key, raw, low, high, int)

    def decimal(self, key: str, default: float, low: float, high: float) -> float:
        raw = self.text(key)
        return default if raw is None else _parse_number(key, raw, low, high, float)

    def boolean(self, key: str, default: bool) -> bool:
        return _parse_bool(key, self.text(key), default)

    def choice(self, key: str, default: T, allowed: Iterable[T]) -> T:
        """One of `allowed`, written in config as its str() (e.g. 256 as "256")."""
        return _parse_choice(key, self.text(key), default, {str(value): value for value in allowed})

    def path(self, key: str, default: str) -> str:
        return _parse_path(key, self.text(key), default)

    def strings(self, key: str, default: tuple[str, ...]) -> tuple[str, ...]:
        return _parse_string_list(key, self.text(key), default)

    def unknown_keys(self) -> list[str]:
        return sorted(set(self._values) - self.read)

    def value(self, key: str) -> str:
        return self._values[key]


def _json_object(text: str) -> dict[str, Any] | None:
    if not text.lstrip().startswith("{"):
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError:
        return None
    return value if isinstance(value, dict) else None


N = TypeVar("N", int, float)
_WHOLE_NUMBER = re.compile(r"-?[0-9]+")
# The only decimal keys are ECS traffic percentages, which must be multiples of 0.1.
_DECIMAL_NUMBER = re.compile(r"-?[0-9]+(\.[0-9])?")


def _parse_number(key: str, raw: str, low: N, high: N, kind: type[N]) -> N:
    allowed = f"allowed: a {'whole number' if kind is int else 'number with at most one decimal'} from {low} to {high}"
    # Plain decimals only: int() and float() would also take " 5\n", "1_000", "nan" and "inf".
    if not (_WHOLE_NUMBER if kind is int else _DECIMAL_NUMBER).fullmatch(raw):
        raise SettingsError(key, raw, allowed)
    value = kind(raw)
    if not low <= value <= high:
        raise SettingsError(key, value, allowed)
    return value


def _parse_bool(key: str, raw: str | None, default: bool) -> bool:
    if raw is None:
        return default
    if raw.lower() in ("true", "false"):
        return raw.lower() == "true"
    raise SettingsError(key, raw, "allowed: true or false")


def _parse_choice(key: str, raw: str | None, default: T, choices: Mapping[str, T]) -> T:
    if raw is None:
        return default
    if raw in choices:
        return choices[raw]
    raise SettingsError(key, raw, f"allowed: one of {', '.join(choices)}")


def _parse_string_list(key: str, raw: str | None, default: tuple[str, ...]) -> tuple[str, ...]:
    if raw is None:
        return default
    try:
        value: Any = json.loads(raw)
    except json.JSONDecodeError:
        value = None
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise SettingsError(key, raw, "allowed: a list of strings (in YAML: [a, b])")
    return tuple(value)


def _parse_path(key: str, raw: str | None, default: str) -> str:
    value = default if raw is None else raw
    if not _HTTP_PATH_PATTERN.fullmatch(value) or len(value) > 1024:
        raise SettingsError(key, value, "allowed: an HTTP path starting with '/', e.g. /health")
    return value


def project_values(all_config: Mapping[str, Any], project: str) -> dict[str, str]:
    """The project's own keys, without the `<project>:` prefix, as text."""
    prefix = f"{project}:"
    return {key[len(prefix):]: as_text(value) for key, value in all_config.items() if key.startswith(prefix)}


def as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def as_optional_text(value: Any) -> str | None:
    return None if value is None else as_text(value)
