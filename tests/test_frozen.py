"""`quick_init`: the cheaper `__init__` of frozen dataclasses makes the same instances, with
the same signature, and they stay frozen."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from typing import Any

import pytest

from scrapconv.ast import NODE_CLASSES
from scrapconv.frozen import quick_init
from scrapconv.markdown.escape import Context

CLASSES = [*NODE_CLASSES.values(), Context]


def _values(cls: type) -> dict[str, Any]:
    """A distinct value for each field of `cls` (their types do not matter here)."""
    return {field.name: f"{cls.__name__}.{field.name}" for field in dataclasses.fields(cls)}


def _field_by_field(cls: type, values: dict[str, Any]) -> Any:
    """The instance the dataclass's own `__init__` makes: each field set in turn."""
    instance = object.__new__(cls)
    for name, value in values.items():
        object.__setattr__(instance, name, value)
    return instance


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_same_instance_as_field_by_field(cls: type) -> None:
    values = _values(cls)
    made = cls(**values)
    assert type(made) is cls
    assert made == _field_by_field(cls, values)
    assert hash(made) == hash(_field_by_field(cls, values))
    assert made == cls(*values.values())


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_same_signature_and_defaults(cls: type) -> None:
    parameters = list(inspect.signature(cls).parameters.values())
    fields = dataclasses.fields(cls)
    assert [parameter.name for parameter in parameters] == [field.name for field in fields]
    for parameter, field in zip(parameters, fields, strict=True):
        expected = (
            inspect.Parameter.empty if field.default is dataclasses.MISSING else field.default
        )
        assert parameter.default == expected
    required = {field.name: "x" for field in fields if field.default is dataclasses.MISSING}
    made = cls(**required)
    for field in fields:
        if field.default is not dataclasses.MISSING:
            assert getattr(made, field.name) == field.default


@pytest.mark.parametrize("cls", CLASSES, ids=lambda cls: cls.__name__)
def test_frozen_copied_and_pickled(cls: type) -> None:
    made = cls(**_values(cls))
    name = dataclasses.fields(cls)[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, name, "changed")
    assert getattr(made, name) == _values(cls)[name]
    assert pickle.loads(pickle.dumps(made)) == made
    assert copy.deepcopy(made) == made
    changed = dataclasses.replace(made, **{name: "changed"})
    assert type(changed) is cls
    assert getattr(changed, name) == "changed"


def test_missing_and_unknown_arguments_fail_as_before() -> None:
    line = NODE_CLASSES["Line"]
    with pytest.raises(TypeError):
        line()
    with pytest.raises(TypeError):
        line("", (), nothing=1)


def test_classes_it_cannot_serve_keep_their_own_init() -> None:
    @dataclasses.dataclass(frozen=True, slots=True)
    class Few:
        a: int
        b: int = 0

    @dataclasses.dataclass(frozen=True, slots=True)
    class Made:
        a: int
        b: int
        c: tuple[int, ...] = dataclasses.field(default_factory=tuple)

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        a: int
        b: int
        c: int

        def __post_init__(self) -> None:
            if self.a < 0:
                raise ValueError("a < 0")

    for cls in (Few, Made, Checked):
        own = cls.__init__
        assert quick_init(cls).__init__ is own
    with pytest.raises(ValueError):
        Checked(-1, 0, 0)


def test_a_subclass_is_made_as_the_dataclass_makes_it() -> None:
    line = NODE_CLASSES["Line"]

    class Noted(line):  # type: ignore[misc, valid-type]
        """A subclass with a `__dict__`: a layout of its own."""

    noted = Noted("  ", (), 3)
    assert type(noted) is Noted
    assert (noted.indent, noted.children, noted.line, noted.opened) == ("  ", (), 3, ())
    with pytest.raises(dataclasses.FrozenInstanceError):
        noted.line = 4
