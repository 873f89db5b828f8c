"""What every stat block importer shares: a reader that collects each problem with its
path in the submitted document, the error that reports them, and the damage-text
splitter."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from pydantic import ValidationError

from app.errors import Unprocessable
from app.statblocks.schemas import DAMAGE_TYPES, StatBlockIn

Loc = tuple[str | int, ...]

_DAMAGE_WORD_RE: Final = re.compile(r"\b(" + "|".join(DAMAGE_TYPES) + r")\b", re.I)


class StatBlockImportError(Unprocessable):
    """The submitted JSON is not a stat block we can read; ``errors`` name the fields."""

    type = "statblock-import-error"
    title = "Stat block could not be imported"


class _Missing:
    pass


MISSING: Final = _Missing()


class Reader:
    """Reads a foreign document, collecting every problem with its source path.

    ``origin`` maps a path in our schema to the path it was read from, so that a
    later validation error on our model can be reported against the source.
    """

    def __init__(self, leaf_names: Mapping[str, str] | None = None) -> None:
        self.errors: list[dict[str, Any]] = []
        self.origin: dict[Loc, Loc] = {}
        self.leaf_names: Mapping[str, str] = leaf_names or {}

    def fail(self, loc: Loc, msg: str, kind: str) -> None:
        self.errors.append({"loc": list(loc), "msg": msg, "type": kind})

    def raw(self, obj: Mapping[str, Any], key: str) -> Any:
        return obj.get(key, MISSING)

    def string(
        self, obj: Mapping[str, Any], key: str, loc: Loc, *, required: bool = False
    ) -> str | None:
        value = self.raw(obj, key)
        if value is MISSING or value is None:
            if required:
                self.fail((*loc, key), "Field required", "missing")
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            # 5e-bits descriptions are sometimes a list of paragraphs.
            return "\n\n".join(value)
        self.fail((*loc, key), "Input should be a valid string", "string_type")
        return None

    def integer(
        self, obj: Mapping[str, Any], key: str, loc: Loc, *, required: bool = False
    ) -> int | None:
        value = self.raw(obj, key)
        if value is MISSING or value is None:
            if required:
                self.fail((*loc, key), "Field required", "missing")
            return None
        number = as_int(value)
        if number is None:
            self.fail((*loc, key), "Input should be a valid integer", "int_type")
        return number

    def listing(self, obj: Mapping[str, Any], key: str, loc: Loc) -> list[Any]:
        value = self.raw(obj, key)
        if value is MISSING or value is None:
            return []
        if not isinstance(value, list):
            self.fail((*loc, key), "Input should be a valid list", "list_type")
            return []
        return value

    def mapping(
        self, obj: Mapping[str, Any], key: str, loc: Loc, *, required: bool = False
    ) -> Mapping[str, Any] | None:
        value = self.raw(obj, key)
        if value is MISSING or value is None:
            if required:
                self.fail((*loc, key), "Field required", "missing")
            return None
        if not isinstance(value, Mapping):
            self.fail((*loc, key), "Input should be a valid dictionary", "dict_type")
            return None
        return value

    def source_loc(self, loc: Loc) -> Loc:
        for cut in range(len(loc), 0, -1):
            source = self.origin.get(loc[:cut])
            if source is not None:
                rest = tuple(
                    self.leaf_names.get(p, p) if isinstance(p, str) else p for p in loc[cut:]
                )
                return source + rest
        return loc

    def build(self, data: dict[str, Any]) -> StatBlockIn:
        if self.errors:
            raise StatBlockImportError(_summary(self.errors), errors=self.errors)
        try:
            return StatBlockIn.model_validate(data)
        except ValidationError as exc:
            errors = [
                {
                    "loc": list(self.source_loc(tuple(err["loc"]))),
                    "msg": err["msg"],
                    "type": err["type"],
                }
                for err in exc.errors(include_url=False)
            ]
            raise StatBlockImportError(_summary(errors), errors=errors) from None


def _summary(errors: list[dict[str, Any]]) -> str:
    first = errors[0]
    where = ".".join(str(p) for p in first["loc"]) or "(document)"
    more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
    return f"{where}: {first['msg']}{more}"


def as_int(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"\s*[+-]?\d+\s*", value):
        return int(value)
    return None


def split_damage_text(entries: list[str]) -> tuple[list[str], str | None]:
    """Damage types named in resistance/immunity entries, plus a note for the rest.

    "fire" is a type. "bludgeoning, piercing, and slashing from nonmagical
    attacks" yields its three types (the tracker applies them to every hit of
    that type) and keeps the sentence as a note, so the DM sees the exception.
    """
    types: list[str] = []
    notes: list[str] = []
    for entry in entries:
        text = entry.strip()
        if not text:
            continue
        found = [m.lower() for m in _DAMAGE_WORD_RE.findall(text)]
        for kind in found:
            if kind not in types:
                types.append(kind)
        residue = _DAMAGE_WORD_RE.sub("", text)
        if re.sub(r"[\s,;]|\band\b", "", residue, flags=re.I):
            notes.append(text)
    return types, "; ".join(notes) or None
