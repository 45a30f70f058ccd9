"""Generate the published JSON Schema of the report from the model's types.

``python -m agent.schema > agent/schema/report.schema.json``; a test checks the
committed file matches, so a change of the model is a visible change of the contract.
"""
from __future__ import annotations

import dataclasses
import enum
import json
import sys
import types
import typing
from typing import Any

from agent.model import SCHEMA_VERSION, Report, Snapshot
from agent.serial import Record, _hints

SCHEMA_ID = "https://cvpn-doctor.invalid/schema/report-{}.json"


def _type_schema(tp: Any, defs: dict[str, Any]) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        inner = [_type_schema(a, defs) for a in args]
        return {"anyOf": inner + [{"type": "null"}]} if len(args) < len(typing.get_args(tp)) else {"anyOf": inner}
    if origin is tuple:
        return {"type": "array", "items": _type_schema(typing.get_args(tp)[0], defs)}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type_schema(typing.get_args(tp)[1], defs)}
    if tp is Any:
        return {}
    if isinstance(tp, type) and issubclass(tp, Record):
        _record(tp, defs)
        return {"$ref": f"#/$defs/{tp.__name__}"}
    if isinstance(tp, type) and issubclass(tp, enum.Enum):
        return {"type": "string", "enum": [m.value for m in tp]}
    return {str: {"type": "string"}, int: {"type": "integer"}, float: {"type": "number"},
            bool: {"type": "boolean"}}[tp]


def _record(cls: type, defs: dict[str, Any]) -> None:
    if cls.__name__ in defs:
        return
    defs[cls.__name__] = {}  # placeholder against recursion
    hints = _hints(cls)
    props, required = {}, []
    for f in dataclasses.fields(cls):
        props[f.name] = _type_schema(hints[f.name], defs)
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            required.append(f.name)
    doc = (cls.__doc__ or "").strip().split("\n")[0]
    defs[cls.__name__] = {"type": "object", "description": doc, "properties": props, "required": required,
                          "additionalProperties": False}


def schema_for(cls: type) -> dict[str, Any]:
    defs: dict[str, Any] = {}
    _record(cls, defs)
    root = defs.pop(cls.__name__)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema",
            "$id": SCHEMA_ID.format(cls.__name__.lower() + "-" + SCHEMA_VERSION),
            "title": f"cvpn-doctor {cls.__name__} (schema_version {SCHEMA_VERSION})", **root, "$defs": defs}


def report_schema() -> dict[str, Any]:
    return schema_for(Report)


def snapshot_schema() -> dict[str, Any]:
    return schema_for(Snapshot)


if __name__ == "__main__":
    which = sys.argv[1] if len(sys.argv) > 1 else "report"
    sys.stdout.write(json.dumps(report_schema() if which == "report" else snapshot_schema(), indent=2) + "\n")
