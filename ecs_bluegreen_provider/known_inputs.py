"""Reading a provider-facing component's args: the values it needs while it is being constructed.

Under Pulumi's component provider host an input arrives as a plain value when the caller set it to a
literal or a config value, and as an Output when it came from another resource, is secret, or is
unknown (a preview). Inputs the schema marks `plain` (sizes, ports, the strategy, the hooks' stages and
budgets) decide names, validation and the rollout timeout at construction time, so they must be plain.
"""

from collections.abc import Mapping
from enum import Enum
from typing import Any, TypeVar

import pulumi
from pulumi.output import Unknown

E = TypeVar("E", bound=Enum)


class ComponentInputError(ValueError):
    """One input of a provider-facing component is not allowed: names the input, its value and what is."""

    def __init__(self, component: str, name: str, value: object, allowed: str) -> None:
        self.name = name
        super().__init__(f"{component} input '{name}': {value!r} is not allowed; {allowed}")


class Inputs:
    """The args of one component, read by their schema (camelCase) names for messages."""

    def __init__(self, component: str, args: Mapping[str, Any]) -> None:
        self.component = component
        self._args = args

    def error(self, name: str, value: object, allowed: str) -> ComponentInputError:
        return ComponentInputError(self.component, _camel(name), value, allowed)

    def known(self, name: str, default: Any = None) -> Any:
        """The plain value of `name`, or `default` when it is not set."""
        value = self._args.get(name)
        return default if value is None else self.plain(name, value)

    def plain(self, name: str, value: Any) -> Any:
        if isinstance(value, (pulumi.Output, Unknown)):
            raise self.error(name, "<output>", "a value known when the component is created (a literal or a "
                                               "config value), not another resource's output or a secret")
        return value

    def whole(self, name: str, default: int) -> int:
        """Integers cross the provider boundary as floats (256.0); anything but a whole number is refused."""
        value = self.known(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value != int(value):
            raise self.error(name, value, "a whole number")
        return int(value)

    def number(self, name: str, default: float) -> float:
        value = self.known(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(name, value, "a number")
        return float(value)

    def flag(self, name: str, default: bool) -> bool:
        value = self.known(name, default)
        if not isinstance(value, bool):
            raise self.error(name, value, "true or false")
        return value

    def text(self, name: str, default: str | None = None) -> str:
        value = self.known(name, default)
        if not isinstance(value, str) or not value:
            raise self.error(name, value, "a non-empty string")
        return value

    def choice(self, name: str, kind: type[E], default: E | None = None) -> E:
        value = self.known(name, default)
        try:
            return kind(value)
        except ValueError:
            raise self.error(name, value, f"one of {', '.join(str(member.value) for member in kind)}") from None

    def nested(self, name: str) -> "Inputs | None":
        value = self.known(name)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise self.error(name, value, "an object")
        return Inputs(f"{self.component} {_camel(name)}", value)

    def items(self, name: str) -> list["Inputs"]:
        value = self.known(name, [])
        if not isinstance(value, (list, tuple)) or not all(isinstance(item, Mapping) for item in value):
            raise self.error(name, value, "a list of objects")
        return [Inputs(f"{self.component} {_camel(name)}[{index}]", item) for index, item in enumerate(value)]

    def input(self, name: str) -> Any:
        """An Input that may be an Output: passed on as it is."""
        return self._args.get(name)

    def required(self, name: str) -> Any:
        value = self._args.get(name)
        if value is None:
            raise self.error(name, None, "it is required")
        return value


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
