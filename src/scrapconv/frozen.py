"""Frozen slots dataclasses that are cheap to make, and cheap to define.

A frozen dataclass's own `__init__` sets each field through `object.__setattr__`, the only way
past the `__setattr__` that makes it frozen. That call costs about as much as a dozen plain
attribute stores (CPython builds and unpacks argument tuples for it): a `Line` of ten fields
took about 15,000 machine instructions to make, more than the reader spent reading its text.

`quick_init` gives such a class an `__init__` with the same signature that costs about a third:
it turns the new instance, for the time of the stores, into a class of the same layout that is
not frozen (one `object.__setattr__` call), stores every field as plain attributes, and turns it
back. Everything else (equality, hashing, `repr`, `replace`, pickling, the frozen
`__setattr__`) stays the dataclass's own.

`frozen` is `dataclass(frozen=True, slots=True)` with that `__init__`, defined at a quarter of
the cost: the dataclass decorator compiles the source of each method it writes, six or seven
per class, which made defining the some forty classes a page goes through take longer than
converting the page.
`frozen` compiles only the `__init__` (whose signature and speed matter) and gives the class
methods made of closures for the rest, which behave as the dataclass's own do.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

_T = TypeVar("_T")

# With fewer fields the one `object.__setattr__` call and the turn back cost what they save.
_FEWEST_FIELDS = 3


def quick_init(cls: type[_T]) -> type[_T]:
    """`cls`, a frozen slots dataclass, with the cheaper `__init__` (see the module's text);
    a class it cannot serve (few fields, a `__post_init__`, fields set otherwise than by
    position or keyword with a plain default) keeps its own."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if len(fields) < _FEWEST_FIELDS or not _plain(cls, fields):
        return cls
    type.__setattr__(cls, "__init__", _made_init(cls, fields, cls.__init__))
    return cls


def _plain(cls: type, fields: tuple[dataclasses.Field[Any], ...]) -> bool:
    """Whether `cls` has only fields that `_made_init` can set: each by position or keyword,
    with a plain default or none, each a slot, and no `__post_init__`."""
    return (
        not hasattr(cls, "__post_init__")
        and getattr(cls, "__slots__", None) == tuple(field.name for field in fields)
        and not any(
            not field.init
            or field.kw_only
            or field.default_factory is not dataclasses.MISSING
            or field.name.startswith("_")
            or field.name == "self"
            for field in fields
        )
    )


def _made_init(
    cls: type, fields: tuple[dataclasses.Field[Any], ...], own: Any | None = None
) -> Any:
    """An `__init__` for `cls` with the signature of the dataclass's own: it sets the fields
    given (`init`) and the others that have a default, then calls `__post_init__` if there is
    one. With enough fields it stores them through a twin class (see the module's text); an
    instance of a subclass, whose layout may differ, is made as the dataclass makes it (by
    `own`, or field by field)."""
    namespace: dict[str, Any] = {"_set": object.__setattr__, "_cls": cls, "_own": own}
    parameters = []
    values: dict[str, str] = {}
    for field in fields:
        if field.default is not dataclasses.MISSING:
            namespace[f"_default_{field.name}"] = field.default
        if field.init:
            default = "" if field.default is dataclasses.MISSING else f"=_default_{field.name}"
            parameters.append(f"{field.name}{default}")
            values[field.name] = field.name
        elif field.default is not dataclasses.MISSING:
            values[field.name] = f"_default_{field.name}"
    post_init = hasattr(cls, "__post_init__")

    def finish(indent: str) -> str:
        return f"{indent}self.__post_init__()\n" if post_init else ""

    def one_by_one(indent: str) -> str:
        return "".join(f"{indent}_set(self, {name!r}, {value})\n" for name, value in values.items())

    if len(fields) < _FEWEST_FIELDS:
        body = one_by_one("    ") + finish("    ") or "    pass\n"
    else:
        names = tuple(field.name for field in fields)
        namespace["_twin"] = type(f"_{cls.__name__}Fields", (), {"__slots__": names})
        arguments = ", ".join(field.name for field in fields if field.init)
        other = (
            f"        return _own(self, {arguments})\n"
            if own is not None
            else one_by_one("        ") + finish("        ") + "        return\n"
        )
        body = (
            "    if self.__class__ is not _cls:\n"
            f"{other}"
            '    _set(self, "__class__", _twin)\n'
            + "".join(f"    self.{name} = {value}\n" for name, value in values.items())
            + "    self.__class__ = _cls\n"
            + finish("    ")
        )
    exec(f"def __init__(self, {', '.join(parameters)}):\n{body}", namespace)
    init = namespace["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__annotations__ = {field.name: field.type for field in fields if field.init} | {
        "return": None
    }
    if own is not None:
        init.__doc__ = own.__doc__
    init.__module__ = cls.__module__
    return init


# The methods `frozen` writes, which the dataclass decorator would leave to a class defining
# one of them, or refuse.
_WRITTEN = frozenset(
    (
        "__init__",
        "__eq__",
        "__hash__",
        "__repr__",
        "__setattr__",
        "__delattr__",
        "__getstate__",
        "__setstate__",
    )
)


def _servable(cls: type) -> bool:
    """Whether `frozen` can make `cls` itself: no dataclass base, no method of its own that
    `frozen` writes, no `InitVar` or `KW_ONLY`, no field with a default factory or
    keyword-only, and no parameter of `__init__` named as `_made_init`'s own names might be
    (with `_`) or `self`."""
    if any(dataclasses.is_dataclass(base) for base in cls.__mro__[1:]):
        return False
    if not _WRITTEN.isdisjoint(vars(cls)):
        return False
    for name, annotation in vars(cls).get("__annotations__", {}).items():
        if "InitVar" in str(annotation) or "KW_ONLY" in str(annotation):
            return False
        value = vars(cls).get(name)
        if isinstance(value, dataclasses.Field):
            if value.default_factory is not dataclasses.MISSING or value.kw_only is True:
                return False
            if not value.init:
                continue
        if name.startswith("_") or name == "self":
            return False
    return True


@dataclass_transform(frozen_default=True)
def frozen(cls: type[_T]) -> type[_T]:
    """`cls` as `dataclass(frozen=True, slots=True)` makes it, with the cheaper `__init__`
    (see the module's text). A class that needs more (see `_servable`) is made by the
    dataclass decorator itself."""
    if not _servable(cls):
        return quick_init(dataclasses.dataclass(frozen=True, slots=True)(cls))
    documented = cls.__doc__ is not None
    # The dataclass decorator without the methods it would compile: it finds the fields,
    # makes the slots, `__match_args__` and the fields' record.
    made = dataclasses.dataclass(init=False, repr=False, eq=False, slots=True)(cls)
    fields = dataclasses.fields(made)  # type: ignore[arg-type]
    params = made.__dataclass_params__  # type: ignore[attr-defined]
    # What the class now is, for `dataclasses` (a frozen subclass checks its base's `frozen`).
    params.init = params.repr = params.eq = params.frozen = True
    for method in _methods(made, fields):
        method.__qualname__ = f"{made.__qualname__}.{method.__name__}"
        method.__module__ = made.__module__
        type.__setattr__(made, method.__name__, method)
    type.__setattr__(made, "__init__", _made_init(made, fields))
    if not documented:
        import inspect  # here: every class of the package has its own text

        # As the dataclass decorator writes it: the signature, from the `__init__` made above.
        made.__doc__ = made.__name__ + str(inspect.signature(made)).replace(" -> None", "")
    return made


def _methods(cls: type[Any], fields: tuple[dataclasses.Field[Any], ...]) -> list[Any]:
    """The methods `dataclass(frozen=True)` writes for `cls` with `fields`, as closures that
    do what those do: compare and hash the tuple of the fields that take part (`compare`,
    `hash`), show those that `repr` names, refuse to set or delete a field, and give pickling
    every field's value as a list."""
    names = tuple(field.name for field in fields)
    named = frozenset(names)
    compared = _getter(tuple(field.name for field in fields if field.compare))
    hashed = _getter(
        tuple(
            field.name for field in fields if (field.compare if field.hash is None else field.hash)
        )
    )
    shown = tuple(field.name for field in fields if field.repr)
    every = _getter(names)

    def __eq__(self: Any, other: object) -> Any:
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    def __hash__(self: Any) -> int:
        return hash(hashed(self))

    def __repr__(self: Any) -> str:
        pairs = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{self.__class__.__qualname__}({pairs})"

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in named:
            raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in named:
            raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    def __getstate__(self: Any) -> list[Any]:
        return list(every(self))

    def __setstate__(self: Any, state: list[Any]) -> None:
        for name, value in zip(names, state, strict=True):
            object.__setattr__(self, name, value)

    return [__eq__, __hash__, __repr__, __setattr__, __delattr__, __getstate__, __setstate__]


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The tuple of an instance's values of `names`."""
    if len(names) > 1:
        return attrgetter(*names)
    if names:
        one = attrgetter(names[0])
        return lambda instance: (one(instance),)
    return lambda instance: ()
