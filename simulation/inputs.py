"""Reading the files users write (scenarios, sweeps, experiment definitions) defensively.

One reader and one validator for all three, so every bad file gets the same kind of message:
one line naming the file, the key, what was found and what is allowed.

* Only regular files of at most `MAX_FILE_BYTES` are read: a FIFO, a device such as
  /dev/zero or a huge file is refused without blocking or filling memory.
* TOML nested deeper than `MAX_DEPTH` is refused (the parser would otherwise recurse until
  Python's limit).
* Validation is strict: a value must already have its field's type, so `true` is not read as
  1.0, nor "120" as 120.  (The data go through JSON, where pydantic's strict mode still
  accepts arrays for tuples and strings for enumerations, as TOML writes them.)
"""

from __future__ import annotations

import enum
import json
import math
import os
import stat
import tomllib
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

MAX_FILE_BYTES = 1_000_000
MAX_DEPTH = 32


class InputError(ValueError):
    """A file that cannot be used; `str()` is one line naming it and what is wrong."""


def read_text(path: Path, label: str | None = None) -> str:
    """The text of a regular file of at most MAX_FILE_BYTES, read without blocking."""
    label = label or str(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; checked to be a file next
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        raise InputError(f"{label}: file not found") from None
    except OSError as exc:
        raise InputError(f"{label}: cannot read ({exc.strerror or exc})") from None
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode):
        os.close(fd)
        raise InputError(f"{label}: not a regular file (allowed: a TOML text file)")
    with os.fdopen(fd, "rb") as fh:
        if info.st_size > MAX_FILE_BYTES:
            raise InputError(
                f"{label}: {info.st_size} bytes is too large (allowed: at most "
                f"{MAX_FILE_BYTES} bytes)"
            )
        try:
            data = fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise InputError(f"{label}: cannot read ({exc.strerror or exc})") from None
    if len(data) > MAX_FILE_BYTES:
        raise InputError(f"{label}: too large (allowed: at most {MAX_FILE_BYTES} bytes)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{label}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None


def parse_toml(text: str, label: str) -> dict[str, Any]:
    """Parse TOML text, refusing syntax errors and deep nesting with one line."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{label}: not valid TOML: {exc}") from None
    except RecursionError:
        raise InputError(f"{label}: nested too deeply (allowed: {MAX_DEPTH} levels)") from None
    if _depth(data) > MAX_DEPTH:
        raise InputError(f"{label}: nested too deeply (allowed: {MAX_DEPTH} levels)")
    return data


def read_toml(path: Path, label: str | None = None) -> dict[str, Any]:
    """Read and parse a TOML file with the checks above."""
    label = label or str(path)
    return parse_toml(read_text(path, label), label)


def _depth(value: Any) -> int:
    """Nesting depth of tables and arrays, without recursion."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        deepest = max(deepest, level)
        if level > MAX_DEPTH:
            break
        if isinstance(item, dict):
            stack.extend((v, level + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, level + 1) for v in item)
    return deepest


def _non_finite(value: Any) -> list[Any] | None:
    """The path to the first nan or inf in plain data, if any."""
    if isinstance(value, float) and not math.isfinite(value):
        return []
    items = (
        value.items()
        if isinstance(value, dict)
        else enumerate(value)
        if isinstance(value, list | tuple)
        else ()
    )
    for key, item in items:
        found = _non_finite(item)
        if found is not None:
            return [key, *found]
    return None


def _json_default(value: Any) -> Any:
    """Paths (from Python callers) as text; TOML dates and times, which no field accepts, as
    a value that fails validation with the key named."""
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    return {"date or time": str(value)}


def validate[M: BaseModel](model: type[M], data: Any, label: str) -> M:
    """Strictly validate plain data against `model`; InputError with one line if it fails."""
    try:
        blob = json.dumps(data, default=_json_default, allow_nan=False)
    except ValueError:  # nan or inf, which TOML allows but no field does
        where = _key(_non_finite(data) or [])
        raise InputError(
            f"{label}: key '{where}': nan and inf are not allowed (allowed: a finite number)"
        ) from None
    try:
        return model.model_validate_json(blob, strict=True)
    except ValidationError as exc:
        raise InputError(format_validation_error(label, exc, model)) from None


# --- the one formatter ---------------------------------------------------------------------------


def _submodel(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside an annotation (X, X | None, tuple[X, ...], dict[str, X])."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _submodel(arg)
        if found is not None:
            return found
    return None


def _is_mapping(annotation: Any) -> bool:
    if get_origin(annotation) is dict:
        return True
    return any(_is_mapping(a) for a in get_args(annotation))


def _fields(model: type[BaseModel]) -> dict[str, FieldInfo]:
    """Fields by the key a file uses (its alias, if it has one)."""
    return {(f.alias or name): f for name, f in model.model_fields.items()}


def _walk(
    root: type[BaseModel], loc: tuple[Any, ...]
) -> tuple[list[Any], FieldInfo | None, type[BaseModel] | None]:
    """Follow `loc` through the schema: the keys it names, the field it ends at, and the
    model found there (None past a scalar).  Stops at what pydantic adds for unions and
    wrappers ('bool', 'function-after[...]'), which are not keys of the file."""
    model: type[BaseModel] | None = root
    field: FieldInfo | None = None
    path: list[Any] = []
    user_key = False  # the next part is a key the user chose (in a table like [factors])
    for part in loc:
        if isinstance(part, int) or user_key:
            user_key = False
        elif model is not None and part in _fields(model):
            field = _fields(model)[part]
            model = _submodel(field.annotation)
            user_key = _is_mapping(field.annotation)
        else:
            break
        path.append(part)
    return path, field, model


def _key(path: list[Any]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(top level)"


def describe(field: FieldInfo) -> str:
    """What a field accepts, in words: type, choices or bounds, and its meaning."""
    annotation = field.annotation
    args = [a for a in get_args(annotation) if a is not type(None)]
    if type(None) in get_args(annotation) and len(args) == 1:  # X | None: describe X
        annotation = args[0]
    choices = _choices(annotation)
    if choices:
        kind = "one of " + ", ".join(repr(c) for c in choices)
    elif annotation is bool:
        kind = "true or false"
    else:
        kind = {int: "an integer", float: "a number", str: "a string"}.get(annotation, "")
        if not kind:
            kind = str(annotation).replace("typing.", "")
        bounds = []
        for meta in field.metadata:
            for attr, sign in (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")):
                value = getattr(meta, attr, None)
                if value is not None:
                    bounds.append(
                        f"{sign} {value:g}" if isinstance(value, float) else f"{sign} {value}"
                    )
        if bounds:
            kind += " " + " and ".join(bounds)
    return kind + (f" ({field.description})" if field.description else "")


def _scalar_kinds(annotation: Any) -> str:
    """'a number, true/false or a string' for a union of scalar types (grid levels)."""
    words = {bool: "true/false", int: "an integer", float: "a number", str: "a string"}
    found: list[str] = []
    stack = [annotation]
    while stack:
        item = stack.pop(0)
        if item in words and words[item] not in found:
            found.append(words[item])
        stack.extend(get_args(item))
    if "a number" in found and "an integer" in found:
        found.remove("an integer")
    found.sort(key=["a number", "an integer", "true/false", "a string"].index)
    return ", ".join(found[:-1]) + f" or {found[-1]}" if len(found) > 1 else "".join(found)


def _choices(annotation: Any) -> list[Any]:
    if get_origin(annotation) is Literal:
        return list(get_args(annotation))
    if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
        return [m.value for m in annotation]
    for arg in get_args(annotation):  # tuple[Literal[...], ...], X | None
        found = _choices(arg)
        if found:
            return found
    return []


def format_validation_error(label: str, err: ValidationError, root: type[BaseModel]) -> str:
    """One line: file, key, problem, what was found and what is allowed."""
    first = err.errors()[0]
    loc = tuple(first["loc"])
    kind = first["type"]
    if kind == "extra_forbidden":
        path, _, model = _walk(root, loc[:-1])
        allowed = ", ".join(_fields(model or root))
        msg = f"{label}: unknown key '{_key([*path, loc[-1]])}'; allowed: {allowed}"
    elif kind == "missing":
        msg = f"{label}: key '{_key(_walk(root, loc)[0])}': required key is missing"
    else:
        path, field, _ = _walk(root, loc)
        value = first.get("input")
        shown = "" if isinstance(value, dict | list) else f" (got {value!r})"
        problem = first["msg"].removeprefix("Value error, ")
        if len(path) < len(loc) and field is not None:  # stopped at a union's member tags
            kinds = _scalar_kinds(field.annotation)
            problem = f"not a single value (allowed: {kinds})" if kinds else problem
            field = None
        msg = f"{label}: key '{_key(path)}': {problem}{shown}" if path else f"{label}: {problem}"
        if field is not None and path:
            msg += f"; allowed: {describe(field)}"
    extra = len(err.errors()) - 1
    return msg + (f" [+{extra} more problem{'s' * (extra > 1)}]" if extra else "")
