"""Frozen dataclasses that are cheap to make.

A frozen dataclass's own `__init__` sets each field through `object.__setattr__`, the only way
past the `__setattr__` that makes it frozen. That call costs about as much as a dozen plain
attribute stores (CPython builds and unpacks argument tuples for it): a `Line` of ten fields
took about 15,000 machine instructions to make, more than the reader spent reading its text.

`quick_init` gives such a class an `__init__` with the same signature that costs about a third:
it turns the new instance, for the time of the stores, into a class of the same layout that is
not frozen (one `object.__setattr__` call), stores every field as plain attributes, and turns it
back. Everything else (equality, hashing, `repr`, `replace`, pickling, the frozen
`__setattr__`) stays the dataclass's own.
"""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

_T = TypeVar("_T")

# With fewer fields the one `object.__setattr__` call and the turn back cost what they save.
_FEWEST_FIELDS = 3


def quick_init(cls: type[_T]) -> type[_T]:
    """`cls`, a frozen slots dataclass, with the cheaper `__init__` (see the module's text);
    a class it cannot serve (few fields, a `__post_init__`, fields set otherwise than by
    position or keyword with a plain default) keeps its own."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    names = tuple(field.name for field in fields)
    if (
        len(fields) < _FEWEST_FIELDS
        or hasattr(cls, "__post_init__")
        or getattr(cls, "__slots__", None) != names
        or any(
            not field.init
            or field.kw_only
            or field.default_factory is not dataclasses.MISSING
            or field.name.startswith("_")
            or field.name == "self"
            for field in fields
        )
    ):
        return cls
    twin = type(f"_{cls.__name__}Fields", (), {"__slots__": names})
    own = cls.__init__
    namespace: dict[str, Any] = {
        "_set": object.__setattr__,
        "_twin": twin,
        "_cls": cls,
        "_own": own,
    }
    parameters = []
    for field in fields:
        if field.default is dataclasses.MISSING:
            parameters.append(field.name)
        else:
            namespace[f"_default_{field.name}"] = field.default
            parameters.append(f"{field.name}=_default_{field.name}")
    stores = "".join(f"    self.{name} = {name}\n" for name in names)
    # (An instance of a subclass, whose layout may differ, is made as the dataclass makes it.)
    source = (
        f"def __init__(self, {', '.join(parameters)}):\n"
        "    if self.__class__ is not _cls:\n"
        f"        return _own(self, {', '.join(names)})\n"
        '    _set(self, "__class__", _twin)\n'
        f"{stores}"
        "    self.__class__ = _cls\n"
    )
    exec(source, namespace)
    init = namespace["__init__"]
    init.__qualname__ = own.__qualname__
    init.__annotations__ = own.__annotations__
    init.__doc__ = own.__doc__
    init.__module__ = cls.__module__
    type.__setattr__(cls, "__init__", init)
    return cls
