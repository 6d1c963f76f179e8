"""`quick_init`: the cheaper `__init__` of frozen dataclasses makes the same instances, with
the same signature, and they stay frozen. `frozen`: a class it makes is what
`dataclass(frozen=True, slots=True)` makes of the same definition, to every use of it."""

from __future__ import annotations

import copy
import dataclasses
import inspect
import pickle
from typing import Any

import pytest

from scrapconv.ast import NODE_CLASSES
from scrapconv.frozen import frozen, quick_init
from scrapconv.markdown.escape import Context
from scrapconv.scrapbox.inline import InlineRule

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


def _sample(decorate: Any) -> Any:
    """The same definition, made a class by `decorate`: fields with and without defaults, a
    property and a method of its own."""

    @decorate
    class Sample:
        """A sample."""

        name: str
        children: tuple[int, ...]
        line: int = 0
        margin: str | None = None

        @property
        def depth(self) -> int:
            return len(self.children)

        def named(self) -> str:
            return f"{self.name}:{self.line}"

    return Sample


def _small(decorate: Any) -> Any:
    @decorate
    class Small:
        text: str

    return Small


def _derived(decorate: Any) -> Any:
    @decorate
    class Derived:
        """Fields that take part in less: one made from the others, one left out of equality."""

        entries: str
        size: int = 0
        _by_entry: dict[str, int] = dataclasses.field(
            init=False, repr=False, compare=False, hash=False
        )
        label: str = dataclasses.field(default="", compare=False)
        kind: str = dataclasses.field(default="plain", init=False)

        def __post_init__(self) -> None:
            by_entry = {entry: index for index, entry in enumerate(self.entries)}
            object.__setattr__(self, "_by_entry", by_entry)

    return Derived


def _empty(decorate: Any) -> Any:
    @decorate
    class Empty:
        pass

    return Empty


DATACLASS = dataclasses.dataclass(frozen=True, slots=True)
DEFINITIONS = [_sample, _small, _derived, _empty]


@pytest.mark.parametrize("define", DEFINITIONS, ids=lambda define: define.__name__)
def test_frozen_makes_what_the_dataclass_decorator_makes(define: Any) -> None:
    ours, theirs = define(frozen), define(DATACLASS)
    assert dataclasses.is_dataclass(ours)
    assert [(field.name, field.type, field.default) for field in dataclasses.fields(ours)] == [
        (field.name, field.type, field.default) for field in dataclasses.fields(theirs)
    ]
    assert ours.__match_args__ == theirs.__match_args__
    assert ours.__slots__ == theirs.__slots__
    assert str(inspect.signature(ours)) == str(inspect.signature(theirs))
    assert ours.__init__.__annotations__ == theirs.__init__.__annotations__
    assert ours.__doc__ == theirs.__doc__
    params, their_params = ours.__dataclass_params__, theirs.__dataclass_params__
    for flag in ("init", "repr", "eq", "order", "unsafe_hash", "frozen"):
        assert getattr(params, flag) == getattr(their_params, flag)
    values = [_values(ours)[field.name] for field in dataclasses.fields(ours) if field.init]
    mine, theirs_made = ours(*values), theirs(*values)
    assert repr(mine) == repr(theirs_made)
    assert hash(mine) == hash(theirs_made)
    assert mine == ours(*values)
    for index in range(len(values)):
        other = [*values[:index], f"{values[index]}!", *values[index + 1 :]]
        assert (mine == ours(*other)) == (theirs_made == theirs(*other))
        assert (hash(mine) == hash(ours(*other))) == (hash(theirs_made) == hash(theirs(*other)))
    assert mine != theirs_made
    assert mine.__eq__(values) is NotImplemented
    assert {mine, ours(*values)} == {mine}
    assert mine.__getstate__() == theirs_made.__getstate__()
    copied = ours.__new__(ours)
    copied.__setstate__(mine.__getstate__())
    assert copied == mine


@pytest.mark.parametrize("define", DEFINITIONS, ids=lambda define: define.__name__)
def test_frozen_instances_refuse_changes_as_the_dataclass_ones(define: Any) -> None:
    cls = define(frozen)
    made = cls(*(_values(cls)[field.name] for field in dataclasses.fields(cls) if field.init))
    for name in [*_values(cls), "other"]:
        with pytest.raises(
            dataclasses.FrozenInstanceError, match=f"cannot assign to field {name!r}"
        ):
            setattr(made, name, 1)
        with pytest.raises(dataclasses.FrozenInstanceError, match=f"cannot delete field {name!r}"):
            delattr(made, name)


def test_a_frozen_class_behaves_as_its_definition_says() -> None:
    sample = _sample(frozen)
    made = sample("a", (1, 2), line=3)
    assert made.depth == 2
    assert made.named() == "a:3"
    assert made.margin is None
    match made:
        case sample(name, children, line):
            assert (name, children, line) == ("a", (1, 2), 3)
        case _:
            pytest.fail("the class pattern did not match")
    assert dataclasses.replace(made, line=4) == sample("a", (1, 2), 4)
    assert dataclasses.asdict(made) == {"name": "a", "children": (1, 2), "line": 3, "margin": None}


def test_a_dataclass_can_extend_a_frozen_class() -> None:
    sample = _sample(frozen)

    @dataclasses.dataclass(frozen=True)
    class Extended(sample):  # type: ignore[misc, valid-type]
        extra: int = 0

    made = Extended("a", (), extra=5)
    assert (made.name, made.extra) == ("a", 5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        made.extra = 6
    with pytest.raises(TypeError, match="non-frozen"):

        @dataclasses.dataclass
        class Thawed(sample):  # type: ignore[misc, valid-type]
            extra: int = 0


def test_frozen_leaves_what_it_cannot_serve_to_the_dataclass_decorator() -> None:
    @frozen
    class Made:
        a: int
        b: tuple[int, ...] = dataclasses.field(default_factory=tuple)

    @frozen
    class Private:
        _a: int

    @frozen
    class Shown:
        a: int

        def __repr__(self) -> str:
            return "shown"

    assert Made(1) == Made(1, ())
    assert Private(1) == Private(_a=1)
    assert repr(Shown(1)) == "shown"
    for cls in (Made, Private, Shown):
        assert cls.__eq__.__code__ is not _sample(frozen).__eq__.__code__
        assert cls.__dataclass_params__.frozen
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(cls(1), dataclasses.fields(cls)[0].name, 2)


def test_a_frozen_class_checks_its_values_in_post_init() -> None:
    @frozen
    class Checked:
        a: int

        def __post_init__(self) -> None:
            if self.a < 0:
                raise ValueError("a < 0")

    assert Checked(1).a == 1
    with pytest.raises(ValueError):
        Checked(-1)


def test_the_tree_and_the_inline_rules_are_made_by_frozen() -> None:
    """Their classes compile no methods but `__init__` (see the module's text): the
    comparisons of all of them share one code."""
    classes = [*NODE_CLASSES.values(), Context, InlineRule]
    assert {cls.__eq__.__code__ for cls in classes} == {_sample(frozen).__eq__.__code__}
