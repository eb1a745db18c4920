"""Guards: the places that must agree with each other, checked so a change to one cannot leave the other behind.

(a) every finding code validation can emit has a seeded case in test_validate_rules.py;
(b) each record dataclass has exactly the columns of its tab in the schema (plus ``row``), with matching types;
(c) the defaults of ``records.Settings`` are the schema's ``SettingKey.default`` values as the reader parses them;
(d) every CLI command is in the README's command table, and the table names no command that does not exist.
"""

from __future__ import annotations

import ast
import inspect
import re
import typing
from dataclasses import MISSING, fields, replace
from decimal import Decimal
from pathlib import Path

import pytest

import poflow_sheets
from poflow_sheets import schema
from poflow_sheets.cells import CellError, converter
from poflow_sheets.cli import main
from poflow_sheets.findings import CODES
from poflow_sheets.reader import RECORD_OF, read_workbook
from poflow_sheets.records import Settings
from poflow_sheets.template import write_new_workbook

from .conftest import REPO

PACKAGE = Path(poflow_sheets.__file__).resolve().parent
RULE_TESTS = Path(__file__).resolve().parent / "test_validate_rules.py"


# --------------------------------------------------------------------------- (a) finding codes


def emitted_codes() -> dict[str, list[str]]:
    """Every finding code written as a literal where a finding is made -> where (file:line).

    Findings are made by ``findings.finding(code, ...)`` (the reader), by ``out.add(code, ...)`` in
    validate.py, and by a ``CellError(..., code=...)`` whose code the reader reports (default: CellError's).
    """
    where: dict[str, list[str]] = {}
    default = inspect.signature(CellError).parameters["code"].default
    where.setdefault(default, []).append("cells.CellError default")
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE.parent)
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            fn = node.func
            name = fn.id if isinstance(fn, ast.Name) else fn.attr if isinstance(fn, ast.Attribute) else ""
            owner = fn.value.id if isinstance(fn, ast.Attribute) and isinstance(fn.value, ast.Name) else ""
            makes = name == "finding" or (name == "add" and owner == "out" and path.name == "validate.py")
            if makes and node.args and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                where.setdefault(node.args[0].value, []).append(f"{rel}:{node.lineno}")
            if name == "CellError":
                for kw in node.keywords:
                    if kw.arg == "code" and isinstance(kw.value, ast.Constant):
                        where.setdefault(str(kw.value.value), []).append(f"{rel}:{node.lineno}")
    return where


def seeded_codes() -> set[str]:
    """Codes asserted in test_validate_rules.py: the last item of each ``[tab, row, column, code]`` list."""
    codes = set()
    for node in ast.walk(ast.parse(RULE_TESTS.read_text(encoding="utf-8"))):
        if isinstance(node, ast.List) and len(node.elts) == 4:
            first, last = node.elts[0], node.elts[-1]
            if isinstance(first, ast.Constant) and isinstance(first.value, str) and isinstance(last, ast.Constant):
                codes.add(str(last.value))
    return codes


def test_emitted_codes_are_registered() -> None:
    emitted = emitted_codes()
    assert len(emitted) >= 15, f"found too few finding sites; has the way findings are made changed? {sorted(emitted)}"
    unregistered = {code: sites for code, sites in emitted.items() if code not in CODES}
    assert not unregistered, f"codes made but not in findings.CODES: {unregistered}"


def test_registered_codes_are_emitted() -> None:
    """A code in findings.CODES that nothing makes is dead (or made in a way this guard cannot see)."""
    assert sorted(set(CODES) - set(emitted_codes())) == []


def test_every_finding_code_has_a_seeded_case() -> None:
    seeded = seeded_codes()
    assert seeded, f"no [tab, row, column, code] expectations found in {RULE_TESTS.name}"
    missing = {code: sites for code, sites in emitted_codes().items() if code not in seeded}
    assert not missing, f"finding codes without a seeded mistake in {RULE_TESTS.name}: {missing}"
    assert sorted(set(CODES) - seeded) == [], "registered codes without a seeded case"
    assert sorted(seeded - set(CODES)) == [], "the rule tests expect codes nobody registered"


# --------------------------------------------------------------------------- (b) records and schema

# schema column type -> the record field's annotation, "| None" left aside
ANNOTATION_OF_TYPE = {
    schema.TEXT: "str", schema.ENUM: "str", schema.INTEGER: "int", schema.MONEY: "Decimal",
    schema.PERCENT: "Decimal", schema.NUMBER: "Decimal", schema.DATE: "date", schema.BOOLEAN: "bool",
    schema.LIST: "tuple[str, ...]",
}
NO_RECORD = {"Settings": "read into records.Settings by key, checked in (c)", "Log": "written only, never read as records"}


def test_every_tab_has_a_record_or_a_reason() -> None:
    tabs = {t.name for t in schema.TABS}
    assert set(RECORD_OF) | set(NO_RECORD) == tabs
    assert not set(RECORD_OF) & set(NO_RECORD)


@pytest.mark.parametrize("tab", sorted(RECORD_OF))
def test_record_fields_are_the_schema_columns(tab: str) -> None:
    cls = RECORD_OF[tab]
    names = {f.name for f in fields(cls)}
    keys = {c.key for c in schema.TAB_BY_NAME[tab].columns}
    assert sorted(names - keys - {"row"}) == [], f"{cls.__name__} fields with no column in the {tab} tab"
    assert sorted(keys - names) == [], f"{tab} columns with no field in {cls.__name__}"
    assert "row" in names


@pytest.mark.parametrize("tab", sorted(RECORD_OF))
def test_record_field_types_follow_the_column_types(tab: str) -> None:
    cls = RECORD_OF[tab]
    annotation = {f.name: str(f.type).removesuffix(" | None") for f in fields(cls)}
    wrong = {c.key: (c.type, annotation[c.key]) for c in schema.TAB_BY_NAME[tab].columns
             if c.key in annotation and c.type != schema.ENUM and annotation[c.key] != ANNOTATION_OF_TYPE[c.type]}
    for c in schema.TAB_BY_NAME[tab].columns:  # a closed set: the field is typed with the schema's Literal of it
        if c.type == schema.ENUM and c.key in annotation:
            alias = annotation[c.key].removesuffix(" | Literal['']")
            if not hasattr(schema, alias) or typing.get_args(getattr(schema, alias)) != c.choices:
                wrong[c.key] = (f"enum of {c.choices}", annotation[c.key])
    assert not wrong, f"{cls.__name__}: column type vs field annotation {wrong}"


# --------------------------------------------------------------------------- (c) Settings defaults


def parsed_default(key: schema.SettingKey) -> object:
    """The value the reader makes of the key's default typed in the Settings tab (reader._read_settings)."""
    value = converter(schema.Column(key.key, key.label, key.type))(key.default)
    if value is None and key.type == schema.TEXT:
        return ""  # present but empty text is "", as the reader keeps it
    if key.type == schema.INTEGER and isinstance(value, int | Decimal):
        return int(value)
    return value


def test_settings_fields_are_the_settings_keys() -> None:
    names = [f.name for f in fields(Settings) if f.name not in ("rows", "extra")]
    assert names == [k.key for k in schema.SETTINGS_KEYS]


@pytest.mark.parametrize("key", schema.SETTINGS_KEYS, ids=lambda k: k.key)
def test_settings_default_is_the_schema_default(key: schema.SettingKey) -> None:
    field = next(f for f in fields(Settings) if f.name == key.key)
    assert field.default is not MISSING, f"Settings.{key.key} has no plain default"
    default = field.default
    got = parsed_default(key)
    assert (got, type(got)) == (default, type(default)), \
        f"Settings.{key.key} = {default!r}, schema default {key.default!r} reads as {got!r}"


def test_new_workbook_reads_back_the_default_settings(tmp_path: Path) -> None:
    """The template writes every default; the reader reads them back to exactly Settings()."""
    path = tmp_path / "new.xlsx"
    write_new_workbook(path)
    book = read_workbook(path)
    assert replace(book.settings, rows={}, extra={}) == Settings()
    assert sorted(book.settings.rows) == sorted(k.key for k in schema.SETTINGS_KEYS)


# --------------------------------------------------------------------------- (d) CLI and README


def readme_commands() -> list[str]:
    """The command names in the README's `| command | what it does |` table (first cell, each `name`)."""
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if re.match(r"^\|\s*command\s*\|", line))
    names = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        first = line.split("|")[1]
        names += re.findall(r"`([^`]+)`", first)
    return names


def test_every_cli_command_is_in_the_readme_table() -> None:
    documented = readme_commands()
    assert documented, "no command table found in README.md"
    assert sorted(set(main.commands) - set(documented)) == [], "commands missing from the README's command table"


def test_the_readme_table_names_only_real_commands() -> None:
    assert sorted(set(readme_commands()) - set(main.commands)) == []
    assert len(readme_commands()) == len(set(readme_commands())), "a command listed twice"


# --------------------------------------------------------------------------- (e) constructors by keyword

def _record_classes() -> dict[str, int]:
    """Dataclasses of the package's records, documents, findings and matching results: name -> field count."""
    import dataclasses
    import importlib

    out: dict[str, int] = {}
    for module in ("poflow_sheets.records", "poflow_sheets.documents.model", "poflow_sheets.findings",
                   "poflow_sheets.reconcile.engine", "poflow_sheets.pipeline"):
        mod = importlib.import_module(module)
        for name, obj in vars(mod).items():
            if isinstance(obj, type) and dataclasses.is_dataclass(obj) and obj.__module__ == module:
                out[name] = len(dataclasses.fields(obj))
    return out


def test_constructors_with_more_than_four_fields_are_called_by_keyword() -> None:
    """`Invoice("INV-1", "final", "PO-1", d, d, total, "open")` swaps two dates silently; keywords cannot."""
    import ast

    classes = _record_classes()
    found = []
    for folder in ("poflow_sheets", "bench", "tests"):
        for path in sorted((REPO / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            own = {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}  # a file's own `Line` is not ours
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in classes \
                        and node.func.id not in own and classes[node.func.id] > 4 and len(node.args) > 4:
                    found.append(f"{path.relative_to(REPO)}:{node.lineno} {node.func.id}({len(node.args)} positional)")
    assert not found, found
