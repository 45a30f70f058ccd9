"""Generic, type-driven conversion between frozen dataclasses and JSON-able dicts.

Every record of the report model derives from :class:`Record`; its ``to_dict`` /
``from_dict`` are driven by the dataclass field types, so adding a field needs no
hand-written (de)serialiser.  Supported field types: str, int, float, bool, None,
Enum subclasses, nested Records, ``tuple[X, ...]``, ``dict[str, X]`` and ``X | None``.
"""
from __future__ import annotations

import dataclasses
import enum
import types
import typing
from functools import lru_cache
from typing import Any, TypeVar

T = TypeVar("T", bound="Record")


class SchemaError(ValueError):
    """A dict does not fit the record it is read into (missing field, wrong type)."""


@lru_cache(maxsize=None)
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _encode(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (tuple, list)):
        return [_encode(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _encode(v) for k, v in value.items()}
    return value


def _decode(tp: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = typing.get_args(tp)
        if value is None and type(None) in args:
            return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _decode(arg, value, where)
            except SchemaError as err:
                errors.append(str(err))
        raise SchemaError("; ".join(errors) or f"{where}: unexpected null")
    if origin is tuple:
        if not isinstance(value, (list, tuple)):
            raise SchemaError(f"{where}: expected a list, got {type(value).__name__}")
        (item_tp, *_rest) = typing.get_args(tp)
        return tuple(_decode(item_tp, v, f"{where}[{i}]") for i, v in enumerate(value))
    if origin is dict:
        if not isinstance(value, dict):
            raise SchemaError(f"{where}: expected an object, got {type(value).__name__}")
        _k, item_tp = typing.get_args(tp)
        return {str(k): _decode(item_tp, v, f"{where}.{k}") for k, v in value.items()}
    if tp is Any:
        return value
    if isinstance(tp, type) and issubclass(tp, Record):
        if not isinstance(value, dict):
            raise SchemaError(f"{where}: expected an object, got {type(value).__name__}")
        return tp.from_dict(value, _where=where)
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        try:
            return tp(value)
        except ValueError:
            raise SchemaError(f"{where}: {value!r} is not one of {[m.value for m in tp]}") from None
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise SchemaError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise SchemaError(f"{where}: expected an integer, got {value!r}")
        return value
    if tp in (str, bool):
        if not isinstance(value, tp):
            raise SchemaError(f"{where}: expected {tp.__name__}, got {value!r}")
        return value
    raise SchemaError(f"{where}: unsupported type {tp!r}")  # pragma: no cover - model bug


class Record:
    """Mixin for frozen, slotted dataclasses of the report model."""

    __slots__ = ()

    def to_dict(self) -> dict[str, Any]:
        return {f.name: _encode(getattr(self, f.name)) for f in dataclasses.fields(self)}  # type: ignore[arg-type]

    @classmethod
    def from_dict(cls: type[T], data: dict[str, Any], _where: str | None = None) -> T:
        where = _where or cls.__name__
        klass: type = cls   # mypy does not see that type[T] is Hashable (lru_cache's argument)
        hints = _hints(klass)
        kwargs = {}
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            if f.name in data:
                kwargs[f.name] = _decode(hints[f.name], data[f.name], f"{where}.{f.name}")
            elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise SchemaError(f"{where}: missing field {f.name!r}")
        try:
            return cls(**kwargs)
        except (TypeError, ValueError) as err:
            raise SchemaError(f"{where}: {err}") from None
