"""One real subprocess per command: `python -m poflow_sheets COMMAND ...` starts, answers and exits as a
person's shell sees it (most other CLI tests run in process, which is ten times faster)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from poflow_sheets.cli import main
from poflow_sheets.demo import write_demo

from .cli import run_process

BANK = ("Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #,\n"
        'CREDIT,11/20/2026,"HARBOR HOME CO PO-0998",393.00,ACH_CREDIT,1,,\n')

# command -> (arguments after the workbook, exit statuses expected, words expected in the output)
SMOKE: dict[str, tuple[tuple[str, ...], tuple[int, ...], str]] = {
    "init": ((), (0,), "every tab"),
    "adopt": ((), (0,), "nothing to map"),
    "validate": (("--today", "2026-11-26"), (0,), "0 error(s)"),
    "status": (("--today", "2026-11-26"), (0,), "Order pipeline"),
    "linesheet": (("--today", "2026-11-26"), (0,), "line sheet"),
    "quote": (("CORNER", "CDL-OAK-8=48", "--today", "2026-11-26"), (0,), "Q-0001"),
    "order": (("--from-quote", "Q-9999", "--today", "2026-11-26"), (2,), "unknown quote"),
    "confirm": (("PO-1009", "--today", "2026-11-26"), (0,), "order confirmation"),
    "approve": (("OC-0002", "--on", "2026-11-26"), (0,), "approved"),
    "acknowledge": (("PO-1007", "--today", "2026-11-26"), (0,), "acknowledged"),
    "ship": (("CS-2291", "--date", "2026-11-26"), (0,), "nothing left to ship"),
    "invoice": (("CS-2291", "--today", "2026-11-26"), (0,), "INV-1005"),
    "credit": (("INV-1003", "--amount", "10", "--reason", "scratched", "--today", "2026-11-26"), (0,), "CN-0001"),
    "cancel": (("PO-1009", "--reason", "shop closed", "--today", "2026-11-26"), (0,), "cancelled"),
    "claim": (("CS-2291", "--line", "2", "--kind", "damaged", "--qty", "2", "--note", "two lids dented",
               "--today", "2026-11-20"), (0,), "CL-0001"),
    "statement": (("HARBOR", "--today", "2026-11-26"), (0,), "ST-HARBOR"),
    "evidence": (("4500012345",), (0,), "EVIDENCE-4500012345.zip"),
    "import-bank": (("{bank}",), (0,), "1 new"),
    "reconcile": (("{bank}", "--today", "2026-11-26"), (0,), "would be applied"),
    "log": ((), (0,), "has not changed"),
    "send": (("INV-1002", "--dry-run"), (0,), "no PDF"),
    "remind": (("--dry-run", "--today", "2026-11-26"), (0,), "would send INV-1002"),
    "inbox": (("--from", "{mbox}"), (0,), "no new messages"),
    "import-po": (("{po}", "--buyer", "CORNER", "--po", "PO-7777", "--today", "2026-11-26"), (0,), "1 line(s) imported"),
    "undo": ((), (0,), "nothing to undo"),
    "restore": (("--list",), (0,), "backup"),
    "sync": (("{copy}",), (0,), "in step: nothing to write"),
    "archive": (("--today", "2026-11-26", "--dry-run"), (0,), "nothing older than 2025-05-26"),
    "unarchive": (("PO-1", "--dry-run"), (0,), "nor in any archive"),
}
# commands that take no workbook
NO_WORKBOOK: dict[str, tuple[tuple[str, ...], tuple[int, ...], str]] = {
    "google-login": (("--no-browser",), (2,), "needs an OAuth client"),
}


def test_every_command_has_a_smoke_case() -> None:
    assert sorted(main.commands) == sorted([*SMOKE, *NO_WORKBOOK])


@pytest.mark.parametrize("command", sorted(NO_WORKBOOK))
def test_command_without_a_workbook_runs_as_a_process(command: str) -> None:
    args, ok, words = NO_WORKBOOK[command]
    ran = run_process(command, *args, ok=ok, env={"POFLOW_GOOGLE_CLIENT_SECRETS": ""})
    assert words in ran.stdout + ran.stderr, ran


@pytest.mark.parametrize("command", sorted(SMOKE))
def test_command_runs_as_a_process(command: str, tmp_path: Path) -> None:
    book = tmp_path / "books.xlsx"
    write_demo(book)
    files = {"{bank}": tmp_path / "bank.csv", "{mbox}": tmp_path / "inbox.mbox", "{po}": tmp_path / "po.csv"}
    files["{bank}"].write_text(BANK)
    files["{mbox}"].write_text("")
    files["{po}"].write_text("SKU,Qty\nCDL-OAK-8,48\n")
    files["{copy}"] = tmp_path / "copy.xlsx"
    shutil.copyfile(book, files["{copy}"])
    args, ok, words = SMOKE[command]
    ran = run_process(command, book, *(str(files.get(a, a)) for a in args), ok=ok)
    assert words in ran.stdout + ran.stderr, ran


def test_help_lists_every_command_in_one_line_each() -> None:
    ran = run_process("--help")
    for name in main.commands:
        assert f"  {name} " in ran.stdout, name
    assert shutil.which("python3")
