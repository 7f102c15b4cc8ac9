"""JSON <-> model conversion: one cattrs converter per API, built by :func:`make_model_converter`.

The hooks are strict where leniency would corrupt data (a string must not become a tuple of
characters, ``"yes"`` or ``2`` must not become a bool) and tolerant where the APIs are loose:
unknown keys are ignored, naive timestamps are read as UTC, a ``null`` array is an empty one,
the strings ``"true"``/``"false"`` and the numbers ``1``/``0`` are read as the booleans they
spell, and every model keeps the server's object in ``raw`` (read-only) so a field added
tomorrow is reachable today.

:class:`Model` gives every model ``to_dict()`` (JSON-ready, the SDK's field names, ISO 8601
times) and ``from_dict()`` (back), for caching and serving pools.
"""

from __future__ import annotations

import copy
import functools
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import MappingProxyType, MemberDescriptorType, UnionType
from typing import Any, ClassVar, Final, Self, TypeVar, Union, get_args, get_origin

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from ._portable import PORTABLE

__all__ = [
    "DecodeFailure",
    "FrozenDict",
    "FrozenList",
    "Model",
    "ModelConverter",
    "camel_case",
    "freeze",
    "make_model_converter",
    "raw_field",
]

_T = TypeVar("_T")


_EMPTY: Final[Mapping[str, Any]] = MappingProxyType({})


def raw_field() -> Any:
    """The ``_raw`` attribute of a model (``raw=`` in ``__init__``): the server's JSON object,
    out of ``eq`` and ``repr``, shown read-only by :attr:`Model.raw`. The converter sets it; a
    model built by hand gets a shared empty mapping."""
    return attrs.field(default=_EMPTY, eq=False, repr=False)


_READ_ONLY: Final = "raw is read-only: copy it first (copy.deepcopy(pool.raw), or pool.to_dict())"


def _refuse(self: Any, *args: Any, **kwargs: Any) -> Any:
    raise TypeError(_READ_ONLY)


class FrozenDict(dict[str, Any]):
    """A JSON object that cannot be changed: equal to the dict it came from, and serialized
    like one (``json.dumps(pool.raw)``); a copy (``copy.copy``, pickle) is a plain dict."""

    __slots__ = ()
    __setitem__ = __delitem__ = __ior__ = _refuse
    clear = pop = popitem = setdefault = update = _refuse

    def __copy__(self) -> dict[str, Any]:
        return dict(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> dict[str, Any]:
        return {k: copy.deepcopy(v, memo) for k, v in self.items()}

    def __reduce__(self) -> Any:
        return (dict, (dict(self),))


class FrozenList(list[Any]):
    """A JSON array that cannot be changed; equal to, and serialized like, a list."""

    __slots__ = ()
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse
    append = extend = insert = remove = pop = clear = sort = reverse = _refuse

    def __copy__(self) -> list[Any]:
        return list(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> list[Any]:
        return [copy.deepcopy(v, memo) for v in self]

    def __reduce__(self) -> Any:
        return (list, (list(self),))


def freeze(value: Any) -> Any:
    """A read-only deep copy of parsed JSON (:class:`FrozenDict`, :class:`FrozenList`)."""
    if isinstance(value, dict):
        return FrozenDict({k: freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return FrozenList([freeze(v) for v in value])
    return value


class DecodeFailure(ValueError):
    """A JSON value did not fit the model; the API package turns it into its own error."""


class Model:
    """What every model has: the server's JSON read-only in :attr:`raw`, and a plain dict form.

    A model class sets ``__wire_names__`` to the function that maps its field names to the
    API's JSON keys (GoHighLevel's camelCase); ``to_dict`` and ``from_dict`` use the SDK's own
    (snake_case) names, the same for both APIs.
    """

    __slots__ = ()
    __wire_names__: ClassVar[Callable[[str], str]] = str
    _raw: Mapping[str, Any]

    @property
    def raw(self) -> Mapping[str, Any]:
        """The server's JSON object as received, read-only (equal to the parsed JSON, and
        ``json.dumps`` takes it): fields this version does not model are here. Empty for a
        model built by hand. Frozen once, on first use, and kept: ``pool.raw is pool.raw``."""
        raw = self._raw
        if type(raw) is FrozenDict or type(raw) is MappingProxyType:
            return raw
        frozen: Mapping[str, Any] = freeze(raw)
        # The frozen copy replaces the parsed JSON (out of eq and repr: nothing else sees it).
        object.__setattr__(self, "_raw", frozen)
        return frozen

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict in the SDK's field names: times as ISO 8601 text, tuples as
        lists, nested models as dicts, no ``raw`` (``json.dumps(pool.to_dict())`` works)."""
        return _python_names().unstructure(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Self:
        """The model from :meth:`to_dict`'s form (a cache, a JSON body you serve). Its
        :attr:`raw` is rebuilt in the API's own JSON keys, without fields the model lacks.

        Raises:
            ValueError: ``data`` does not fit the model (the message names the field).
        """
        model = _python_names().structure(data, cls)
        _rebuild_raw(model, make_model_converter(cls.__wire_names__))
        return model


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


def _rebuild_raw(model: Model, wire: ModelConverter) -> None:
    """Give ``model`` and every model inside it the ``raw`` the API would have sent."""
    object.__setattr__(model, "_raw", wire.unstructure(model))
    for field in attrs.fields(type(model)):  # type: ignore[arg-type]  # an attrs model
        value = getattr(model, field.name)
        for inner in value if isinstance(value, tuple) else (value,):
            if isinstance(inner, Model):
                _rebuild_raw(inner, wire)


# Inline checks for the field types a JSON answer carries, so a model decodes in one function
# without a hook call per field (measured: most of a GoHighLevel list's decoding cost). A
# value of another type goes to the hook, which converts it or raises.
_INLINE: Final = {str: "_str", bool: "_bool", int: "_int"}


def _flat_structure(
    cls: Any, conv: cattrs.Converter, rename: Callable[[str], str]
) -> Callable[[Any, Any], Any]:
    """A structure function for one model: every field read and checked in one body (a hook
    call only for what is not a plain JSON value of the field's type), then ``cls(...)``.

    A failure (a missing required key, a wrong type) raises; :class:`ModelConverter` then
    explains it with cattrs' detailed validation."""
    attrs.resolve_types(cls)  # the models' annotations are strings (``from __future__``)
    namespace: dict[str, Any] = {
        "_cls": cls,
        "_osa": object.__setattr__,
        "_Mapping": Mapping,
        "_str": _structure_str,
        "_bool": _structure_bool,
        "_int": _structure_int,
    }
    lines = [
        "def structure(d, _):",
        "    if d.__class__ is not dict and not isinstance(d, _Mapping):",
        "        raise ValueError(f'expected an object, got {type(d).__name__}')",
    ]
    arguments: dict[str, int] = {}  # field name -> its local ``v{i}``
    for i, field in enumerate(attrs.fields(cls)):
        if field.name == "_raw":
            continue
        key, kind = rename(field.name), field.type
        if field.default is attrs.NOTHING:
            lines.append(f"    v{i} = d[{key!r}]")
        elif field.default in (None, ()):
            lines.append(f"    v{i} = d.get({key!r})")  # the hooks read null as the default
        else:  # pragma: no cover - no model has another default
            raise TypeError(f"{cls.__name__}.{field.name}: unsupported default {field.default!r}")
        optional = _is_optional(kind)
        plain = next(a for a in get_args(kind) if a is not type(None)) if optional else kind
        item = get_args(kind)[0] if _is_homogeneous_tuple(kind) else None
        if item is not None and _has_raw(item):  # a tuple of models: no per-item closure
            namespace[f"_m{i}"] = conv.get_structure_hook(item)
            namespace[f"_h{i}"], namespace[f"_t{i}"] = conv.get_structure_hook(kind), kind
            lines.append(
                f"    if v{i}.__class__ is list: v{i} = tuple([_m{i}(x, None) for x in v{i}])"
            )
            lines.append(f"    else: v{i} = _h{i}(v{i}, _t{i})")
        elif optional and _has_raw(plain):  # a model or null
            namespace[f"_m{i}"] = conv.get_structure_hook(plain)
            lines.append(f"    if v{i} is not None: v{i} = _m{i}(v{i}, None)")
        elif plain in _INLINE:
            test = f"v{i}.__class__ is not {plain.__name__}"
            if optional:
                test = f"v{i} is not None and {test}"
            lines.append(f"    if {test}: v{i} = {_INLINE[plain]}(v{i}, None)")
        else:
            namespace[f"_h{i}"], namespace[f"_t{i}"] = conv.get_structure_hook(kind), kind
            lines.append(f"    v{i} = _h{i}(v{i}, _t{i})")
        arguments[field.name] = i
    if _SLOT_FILL and _plain_slots(cls):
        # Fill the slots directly: attrs' __init__ would only set them too, through
        # keyword parsing and object.__setattr__ by name (measured: half a pool's decode).
        namespace["_new"] = object.__new__
        lines.append("    o = _new(_cls)")
        for field in attrs.fields(cls):
            slot = f"_s_{field.name}"
            namespace[slot] = cls.__dict__[field.name].__set__
            value = "d" if field.name == "_raw" else f"v{arguments[field.name]}"
            lines.append(f"    {slot}(o, {value})")
    else:  # a model with a validator or hook, or attrs' slots not as probed: its __init__
        call = ", ".join(f"{attrs.fields_dict(cls)[n].alias}=v{i}" for n, i in arguments.items())
        lines += [f"    o = _cls({call})", "    _osa(o, '_raw', d)"]
    lines.append("    return o")
    exec(compile("\n".join(lines), f"<flat structure {cls.__qualname__}>", "exec"), namespace)
    return namespace["structure"]  # type: ignore[no-any-return]


def _plain_slots(cls: Any) -> bool:
    """Whether ``cls(...)`` does nothing but store its fields in slots: no validator,
    converter, pre or post init hook, or cached hash that a direct fill would skip."""
    slots = cls.__dict__.get("__slots__", ())
    return (
        not hasattr(cls, "__attrs_post_init__")
        and not hasattr(cls, "__attrs_pre_init__")
        and "__attrs_cached_hash__" not in slots
        and all(
            f.validator is None
            and f.converter is None
            and isinstance(cls.__dict__.get(f.name), MemberDescriptorType)
            for f in attrs.fields(cls)
        )
    )


def _slots_fill_as_init() -> bool:
    """Whether an attrs slotted class's slot descriptors are the member descriptors that a
    direct fill (``object.__new__``, then each ``__set__``) needs, building what ``__init__``
    builds. Checked once, at import, against attrs 26.1.0 on CPython 3.11.7; if a release
    changes that, models are built through ``__init__`` (slower, the same models)."""

    @attrs.frozen
    class Probe:
        a: int
        b: str | None = None

    try:
        descriptors = [Probe.__dict__[name] for name in ("a", "b")]
        if not all(
            isinstance(d, MemberDescriptorType) and callable(getattr(d, "__set__", None))
            for d in descriptors
        ):
            return False
        filled = object.__new__(Probe)
        for descriptor, value in zip(descriptors, (1, "x"), strict=True):
            descriptor.__set__(filled, value)
        return bool(filled == Probe(1, "x")) and repr(filled) == repr(Probe(1, "x"))
    except Exception:
        return False


_SLOT_FILL: Final = not PORTABLE and _slots_fill_as_init()


def _is_homogeneous_tuple(tp: Any) -> bool:
    args = get_args(tp)
    return get_origin(tp) is tuple and len(args) == 2 and args[1] is Ellipsis


def _is_optional(tp: Any) -> bool:
    args = get_args(tp)
    return get_origin(tp) in (Union, UnionType) and len(args) == 2 and type(None) in args


def _has_raw(cls: Any) -> bool:
    return attrs.has(cls) and any(a.name == "_raw" for a in attrs.fields(cls))


def _build(detailed: bool, rename: Callable[[str], str]) -> cattrs.Converter:
    conv = cattrs.Converter(detailed_validation=detailed, forbid_extra_keys=False)
    conv.register_structure_hook(str, _structure_str)
    conv.register_structure_hook(bool, _structure_bool)
    conv.register_structure_hook(int, _structure_int)
    conv.register_structure_hook(datetime, _structure_datetime)
    conv.register_unstructure_hook(datetime, lambda d: d.isoformat().replace("+00:00", "Z"))
    # JSON-ready: arrays as lists (json.dumps takes tuples too, other consumers may not).
    conv.register_unstructure_hook_func(
        _is_homogeneous_tuple, lambda value: [conv.unstructure(v) for v in value]
    )

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

    def overrides(cls: Any) -> dict[str, Any]:
        names = {a.name: override(rename=rename(a.name)) for a in attrs.fields(cls)}
        names["_raw"] = override(omit=True)
        return names

    def model_factory(cls: Any) -> Callable[[Any, Any], Any]:
        if not detailed:
            return _flat_structure(cls, conv, rename)
        inner = make_dict_structure_fn(cls, conv, **overrides(cls))

        def structure(value: Any, _: Any) -> Any:
            if type(value) is not dict and not isinstance(value, Mapping):
                raise ValueError(f"expected an object, got {type(value).__name__}")
            obj = inner(value, cls)
            object.__setattr__(obj, "_raw", value)
            return obj

        return structure

    def model_unstructure_factory(cls: Any) -> Callable[[Any], dict[str, Any]]:
        return make_dict_unstructure_fn(cls, conv, **overrides(cls))

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

    def structure_all(self, items: list[Any], cls: type[_T]) -> tuple[_T, ...]:
        """Each item of a JSON array as ``cls``, without a hook lookup per item."""
        hook = self._hooks.get(cls)
        if hook is None:
            hook = self._hooks[cls] = self._fast.get_structure_hook(cls)
        try:
            return tuple([hook(item, cls) for item in items])
        except Exception as exc:
            raise DecodeFailure(self._explain(items, tuple[cls, ...], exc)) from None  # type: ignore[valid-type]

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


@functools.cache
def make_model_converter(rename: Callable[[str], str] = str) -> ModelConverter:
    """The converter for one API (one per ``rename``, which maps a field name to its JSON
    key)."""
    return ModelConverter(rename)


def _python_names() -> ModelConverter:
    return make_model_converter(str)
