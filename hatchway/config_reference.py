"""The configuration reference: every key of the Settings model, rendered as Markdown.

Walks :class:`~hatchway.config.Settings` and the models nested in it, so a field added
anywhere shows up without touching this module. ``hatchway config reference`` prints it;
docs/configuration.md is its output, and a test keeps the two equal.
"""

from __future__ import annotations

import enum
import json
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import annotated_types
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from hatchway.config import ENV_PREFIX, Settings

__all__ = ["ConfigKey", "ConfigTable", "config_tables", "render_reference"]

NESTED_DELIMITER = "__"  # Settings.model_config["env_nested_delimiter"]; a test pins them equal
_TOP_LEVEL = "top level"


@dataclass(frozen=True)
class ConfigKey:
    """One setting: where it goes in hatchway.toml and the environment, and what it takes."""

    path: str
    env_var: str | None
    type_name: str
    default: str
    description: str


@dataclass
class ConfigTable:
    """One TOML table (``[outbox]``, ``[[mailboxes]]``) with the model's docstring and keys."""

    heading: str
    doc: str
    keys: list[ConfigKey] = field(default_factory=list)


@dataclass(frozen=True)
class _Where:
    """Where a model sits: its dotted path, TOML heading, and env prefix (None inside lists)."""

    path: str
    heading: str
    env: str | None
    list_env: str | None = None  # the JSON variable a list item is written into


def config_tables(model: type[BaseModel] = Settings) -> list[ConfigTable]:
    """Every table of ``model`` in document order: the top level first, then nested ones."""
    tables: list[ConfigTable] = []
    _walk(model, _Where(path="", heading=_TOP_LEVEL, env=ENV_PREFIX.rstrip("_")), tables)
    return [table for table in tables if table.keys]


def _walk(model: type[BaseModel], where: _Where, tables: list[ConfigTable]) -> None:
    table = ConfigTable(where.heading, _model_doc(model))
    tables.append(table)
    nested: list[tuple[type[BaseModel], _Where]] = []
    for name, info in model.model_fields.items():
        key_path = f"{where.path}.{name}" if where.path else name
        env = f"{where.env}{_env_joint(where)}{name.upper()}" if where.env else None
        models, container = _nested_models(info.annotation)
        if not models:
            table.keys.append(_key(model, name, key_path, env or _in_list(where)))
            continue
        if container == "list":
            table.keys.append(_key(model, name, key_path, env or _in_list(where)))
        nested += [(sub, _child(sub, key_path, env, container)) for sub in models]
    for sub, child in nested:
        _walk(sub, child, tables)


def _env_joint(where: _Where) -> str:
    return "_" if where.heading == _TOP_LEVEL else NESTED_DELIMITER


def _in_list(where: _Where) -> str | None:
    return f"inside `{where.list_env}` (JSON)" if where.list_env else None


def _child(sub: type[BaseModel], path: str, env: str | None, container: str) -> _Where:
    variant = _variant(sub)
    if container == "list":
        return _Where(f"{path}[]", f"[[{path}]]{variant}", None, env)
    if container == "dict":
        child_env = f"{env}{NESTED_DELIMITER}<NAME>" if env else None
        return _Where(f"{path}.<name>", f"[{path}.<name>]{variant}", child_env)
    return _Where(path, f"[{path}]{variant}", env)


def _variant(model: type[BaseModel]) -> str:
    """`` with kind = "sql"`` for a member of a union told apart by its ``kind`` literal."""
    kind = model.model_fields.get("kind")
    if kind is None or get_origin(kind.annotation) is not Literal:
        return ""
    if len(get_args(kind.annotation)) != 1:
        return ""
    return f' with kind = "{get_args(kind.annotation)[0]}"'


def _nested_models(annotation: Any) -> tuple[list[type[BaseModel]], str]:
    """The models a field holds, and how: ``table``, ``list`` or ``dict`` (none: a value)."""
    inner = _without_none(annotation)
    origin = get_origin(inner)
    if origin is list:
        models = _models_in(get_args(inner)[0])
        return (models, "list") if models else ([], "")
    if origin is dict:
        models = _models_in(get_args(inner)[1])
        return (models, "dict") if models else ([], "")
    return _models_in(inner), "table"


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    options = _union_members(_without_none(annotation))
    return [opt for opt in options if isinstance(opt, type) and issubclass(opt, BaseModel)]


def _union_members(annotation: Any) -> list[Any]:
    if get_origin(annotation) is Annotated:
        return _union_members(get_args(annotation)[0])
    if get_origin(annotation) in (Union, types.UnionType):
        return list(get_args(annotation))
    return [annotation]


def _without_none(annotation: Any) -> Any:
    if get_origin(annotation) is Annotated:
        annotation = get_args(annotation)[0]
    if get_origin(annotation) in (Union, types.UnionType):
        members = [arg for arg in get_args(annotation) if arg is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def _key(model: type[BaseModel], name: str, path: str, env: str | None) -> ConfigKey:
    info = model.model_fields[name]
    return ConfigKey(
        path=path,
        env_var=env,
        type_name=_type_name(info),
        default=_default(info),
        description=" ".join(_description(model, name).split()),
    )


def _description(model: type[BaseModel], name: str) -> str:
    """The field's description; a subclass that only changes a default keeps its base's."""
    for klass in model.__mro__:
        fields = getattr(klass, "__pydantic_fields__", {})
        if name in fields and fields[name].description:
            return str(fields[name].description)
    return ""


def _model_doc(model: type[BaseModel]) -> str:
    """The model's docstring, then those of the base classes it inherits meaning from."""
    docs: list[str] = []
    for klass in model.__mro__:
        own = klass.__dict__.get("__doc__")
        ours = not klass.__module__.startswith(("pydantic", "builtins"))
        if ours and own and _first_paragraph(own) not in docs:
            docs.append(_first_paragraph(own))
    return " ".join(docs)


def _type_name(info: FieldInfo) -> str:
    annotation = info.annotation
    name = _describe_type(annotation)
    bounds = _bounds(info)
    optional = annotation is not _without_none(annotation)
    return name + (f" {bounds}" if bounds else "") + (" (optional)" if optional else "")


_SCALARS: dict[Any, str] = {
    str: "string",
    int: "integer",
    float: "number",
    bool: "boolean",
    Path: "path",
    SecretStr: "secret string",
    Any: "any",
}


def _describe_type(annotation: Any) -> str:
    inner = _without_none(annotation)
    origin = get_origin(inner)
    if origin is Literal:
        return " | ".join(f'"{value}"' for value in get_args(inner))
    if origin is list:
        return f"list of {_plural(_describe_type(get_args(inner)[0]))}"
    if origin is dict:
        return f"table of {_plural(_describe_type(get_args(inner)[1]))}"
    if isinstance(inner, type) and issubclass(inner, enum.Enum):
        return " | ".join(f'"{member.value}"' for member in inner)
    if isinstance(inner, type) and issubclass(inner, BaseModel):
        return "table"
    members = _union_members(inner)
    if len(members) > 1:
        return " or ".join(_describe_type(member) for member in members)
    name = _SCALARS.get(inner, getattr(inner, "__name__", str(inner)))
    return "URL" if name.endswith("Url") else name


def _plural(name: str) -> str:
    if "|" in name:
        return f"({name})"
    return name if name.endswith(("s", "any")) else f"{name}s"


_BOUNDS = (
    (annotated_types.Ge, "ge", "≥"),
    (annotated_types.Gt, "gt", ">"),
    (annotated_types.Le, "le", "≤"),
    (annotated_types.Lt, "lt", "<"),
)


def _bounds(info: FieldInfo) -> str:
    parts: list[str] = []
    for item in info.metadata:
        for kind, attribute, sign in _BOUNDS:
            if isinstance(item, kind):
                parts.append(f"{sign} {getattr(item, attribute)}")
        if isinstance(item, annotated_types.MinLen) and item.min_length > 0:
            parts.append("not empty" if item.min_length == 1 else f"≥ {item.min_length} chars")
    return ", ".join(parts)


def _default(info: FieldInfo) -> str:
    if _is_secret(info.annotation):
        return "—"
    if info.default is PydanticUndefined and info.default_factory is None:
        return "required"
    value = info.get_default(call_default_factory=True, validated_data={})
    return "unset" if value is None else f"`{_toml_value(value)}`"


def _is_secret(annotation: Any) -> bool:
    return SecretStr in _union_members(_without_none(annotation)) or annotation is SecretStr


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, enum.Enum):
        return json.dumps(value.value)
    if isinstance(value, Path):
        return json.dumps(str(value))
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dict):
        inner = ", ".join(f"{json.dumps(k)} = {_toml_value(v)}" for k, v in value.items())
        return "{" + inner + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    return json.dumps(value) if isinstance(value, str) else str(value)


def _first_paragraph(doc: str | None) -> str:
    if not doc:
        return ""
    return " ".join(doc.strip().split("\n\n")[0].split())


_INTRO = """\
# Configuration reference

<!-- Generated by `hatchway config reference > docs/configuration.md`; do not edit by hand. -->

hatchway reads its settings once, at startup, from (highest precedence first) environment
variables, the TOML file (`--config`, else `$HATCHWAY_CONFIG`, else `./hatchway.toml`) and
the defaults below. `hatchway init` writes a commented `hatchway.toml`;
`hatchway config check` loads the settings the way the service will and reports the first
problem with its fix.

Environment variables: `HATCHWAY_<KEY>` for top-level keys, `HATCHWAY_<SECTION>__<KEY>` for
keys in a table (two underscores between levels; names are case-insensitive). A list or
table value is written as JSON (`HATCHWAY_OWN_DOMAINS='["shop.example"]'`); keys inside a
list of tables (`[[mailboxes]]`) have no variable of their own: set the whole list as JSON.
Secrets show no default: set them, preferably through the environment.
"""


def render_reference(model: type[BaseModel] = Settings) -> str:
    """The configuration reference of ``model`` as one Markdown document."""
    parts = [_INTRO]
    for table in config_tables(model):
        parts.append(_render_table(table))
    return "\n".join(parts)


def _render_table(table: ConfigTable) -> str:
    title = "Top level" if table.heading == _TOP_LEVEL else f"`{table.heading}`"
    lines = [f"## {title}", ""]
    if table.doc:
        lines += [_cell(table.doc), ""]
    lines += [
        "| Key | Environment variable | Type | Default | Description |",
        "|---|---|---|---|---|",
    ]
    for key in table.keys:
        env = key.env_var or "—"
        if env.startswith(ENV_PREFIX):
            env = f"`{env}`"
        cells = [f"`{key.path}`", env, key.type_name, key.default, key.description]
        lines.append("| " + " | ".join(_cell(cell) for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")
