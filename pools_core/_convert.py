"""JSON <-> model conversion: one cattrs converter per API, built by :func:`make_model_converter`.

The hooks are strict where leniency would corrupt data (``"false"`` must not become ``True``, a
string must not become a tuple of characters) and tolerant where the APIs are loose: unknown
keys are ignored, naive timestamps are read as UTC, a ``null`` array is an empty one, and
every model keeps the server's object in ``raw`` so a field added tomorrow is reachable today.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType, UnionType
from typing import Any, Final, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

__all__ = [
    "DecodeFailure",
    "ModelConverter",
    "camel_case",
    "make_model_converter",
    "raw_field",
]

_T = TypeVar("_T")


_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})


def raw_field() -> Any:
    """The ``raw`` attribute of a model: the server's JSON object, out of ``eq`` and ``repr``.
    The converter sets it; a model built by hand gets a shared empty, read-only mapping."""
    return attrs.field(default=_EMPTY, eq=False, repr=False)


class DecodeFailure(Exception):
    """A JSON value did not fit the model; the API package turns it into its own error."""


def camel_case(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


def _structure_str(value: Any, _: Any) -> str:
    if type(value) is str:  # the common case first: a plain str from json.loads
        return value
    if isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)  # an id sent as a number is still the id
    if isinstance(value, float) and math.isfinite(value):
        return str(int(value)) if value.is_integer() else str(value)
    raise ValueError(f"expected a string, got {value!r:.40}")


def _structure_bool(value: Any, _: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    raise ValueError(f"expected a boolean, got {value!r:.40}")


def _structure_int(value: Any, _: Any) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
        return int(value)
    raise ValueError(f"expected an integer, got {value!r:.40}")


def _structure_datetime(value: Any, _: Any) -> datetime:
    if not isinstance(value, str):
        raise ValueError(f"expected an ISO 8601 timestamp, got {type(value).__name__}")
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = datetime.fromisoformat(value.strip())  # tolerate stray spaces
    # A timestamp without an offset is UTC: both APIs document UTC ("...Z").
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def _is_homogeneous_tuple(tp: Any) -> bool:
    args = get_args(tp)
    return get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis


def _is_optional(tp: Any) -> bool:
    args = get_args(tp)
    return get_origin(tp) in (Union, UnionType) and len(args) == 2 and type(None) in args


def _has_raw(cls: Any) -> bool:
    return attrs.has(cls) and any(a.name == "raw" for a in attrs.fields(cls))


def _build(detailed: bool, rename: Callable[[str], str]) -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=detailed, forbid_extra_keys=False)
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_unstructure_hook(datetime, lambda d: d.isoformat().replace("+00:00", "Z"))

    def tuple_factory(tp: Any) -> Callable[[Any, Any], tuple[Any, ...]]:
        item_type = get_args(tp)[0]
        item_hook = conv.get_structure_hook(item_type)

        def structure(value: Any, _: Any) -> tuple[Any, ...]:
            if value is None:  # ``"numbers": null``: an empty list, not a failed answer
                return ()
            if not isinstance(value, list | tuple):
                raise ValueError(f"expected an array, got {type(value).__name__}")
            return tuple(item_hook(item, item_type) for item in value)

        if item_hook is _structure_str:

            def structure_strs(value: Any, _: Any) -> tuple[Any, ...]:
                # All plain str (the usual answer): no per-item hook call.
                if type(value) is list:
                    items = tuple(value)
                    for item in items:
                        if type(item) is not str:
                            break
                    else:
                        return items
                return structure(value, _)

            return structure_strs
        return structure

    conv.register_structure_hook_factory(_is_homogeneous_tuple, tuple_factory)

    def optional_factory(tp: Any) -> Callable[[Any, Any], Any]:
        # ``X | None`` without cattrs' generic union dispatch on every call.
        inner_type = next(a for a in get_args(tp) if a is not type(None))
        inner_hook = conv.get_structure_hook(inner_type)

        def structure(value: Any, _: Any) -> Any:
            return None if value is None else inner_hook(value, inner_type)

        return structure

    conv.register_structure_hook_factory(_is_optional, optional_factory)

    def model_factory(cls: Any) -> Callable[[Any, Any], Any]:
        names = {a.name: override(rename=rename(a.name)) for a in attrs.fields(cls)}
        names["raw"] = override(omit=True)
        inner = make_dict_structure_fn(cls, conv, **names)  # type: ignore[arg-type]

        def structure(value: Any, _: Any) -> Any:
            if type(value) is not dict and not isinstance(value, Mapping):
                raise ValueError(f"expected an object, got {type(value).__name__}")
            obj = inner(value, cls)
            object.__setattr__(obj, "raw", value)
            return obj

        return structure

    def model_unstructure_factory(cls: Any) -> Callable[[Any], dict[str, Any]]:
        names = {a.name: override(rename=rename(a.name)) for a in attrs.fields(cls)}
        names["raw"] = override(omit=True)
        return make_dict_unstructure_fn(cls, conv, **names)  # type: ignore[arg-type]

    conv.register_structure_hook_factory(_has_raw, model_factory)
    conv.register_unstructure_hook_factory(_has_raw, model_unstructure_factory)
    return conv


class ModelConverter:
    """Structures JSON into models fast; explains a failure with cattrs' detailed validation.

    Detailed validation costs throughput on every call, so it runs only after the fast path
    failed, to name the offending field in the error.
    """

    def __init__(self, rename: Callable[[str], str] = str) -> None:
        self._rename = rename
        self._fast = _build(False, rename)
        self._hooks: dict[Any, Callable[[Any, Any], Any]] = {}  # skips cattrs' dispatch per call
        self._detailed: cattrs.Converter | None = None

    def structure(self, value: Any, cls: type[_T]) -> _T:
        try:
            hook = self._hooks.get(cls)
            if hook is None:
                hook = self._hooks[cls] = self._fast.get_structure_hook(cls)
            return hook(value, cls)  # type: ignore[no-any-return]
        except Exception as exc:  # cattrs raises whatever a hook raised: KeyError, ValueError...
            raise DecodeFailure(self._explain(value, cls, exc)) from None

    def unstructure(self, obj: Any) -> Any:
        """The model as the API's JSON (without ``raw``); datetimes as ISO 8601 text."""
        return self._fast.unstructure(obj)

    def _explain(self, value: Any, cls: type[Any], fast_error: Exception) -> str:
        if self._detailed is None:
            self._detailed = _build(True, self._rename)
        try:
            self._detailed.structure(value, cls)
        except Exception as exc:
            problems = cattrs.transform_error(exc, path=cls.__name__)
            return "; ".join(problems[:5])
        return f"{cls.__name__}: {type(fast_error).__name__}: {fast_error}"


def make_model_converter(rename: Callable[[str], str] = str) -> ModelConverter:
    """A converter for one API; ``rename`` maps a field name to its JSON key."""
    return ModelConverter(rename)
