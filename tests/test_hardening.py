"""Issue 12: what a hostile or unlucky file system and file can still do. One test (or a few) per item."""

from __future__ import annotations

import errno
import os
import random
import stat
import string
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from poflow_sheets.cli import main
from poflow_sheets.demo import write_demo
from poflow_sheets.errors import LimitExceeded, Refused, WorkbookUnreadable, WriteConflict
from poflow_sheets.limits import check_package
from poflow_sheets.reader import read_workbook
from poflow_sheets.store import SetCell, backups_of, fingerprint, write_workbook
from poflow_sheets.store.safety import lock_path, poflow_lock
from tests.conftest import SHARED
from tests.store_helpers import make_book

HEADER = "Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #,\n"
PAYMENT = 'CREDIT,11/20/2026,"HARBOR HOME CO PAYMENT PO-0998",393.00,ACH_CREDIT,1000.00,,'


def cli(*args: str | Path, env: dict[str, str] | None = None) -> tuple[int, str]:
    """Run the CLI in this process (so a test can stand in for the disk); (exit status, stderr + stdout)."""
    result = CliRunner().invoke(main, [str(a) for a in args], env=env, catch_exceptions=False)
    return result.exit_code, result.output


def run(*args: str | Path, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run the real CLI in a new process."""
    return subprocess.run([sys.executable, "-m", "poflow_sheets", *map(str, args)], capture_output=True, text=True,
                          check=False, env={**os.environ, **(env or {})})


def one_line_exit_2(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    return lines[0]


@pytest.fixture()
def demo(tmp_path: Path) -> Path:
    path = tmp_path / "books.xlsx"
    write_demo(path)
    return path


def bank(tmp_path: Path, *rows: str, name: str = "bank.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows))
    return path


def _set(value: str) -> list[SetCell]:
    return [SetCell("Invoices", 2, 4, value)]


# -- 1. a symbolic link is followed, backups are real copies ------------------------------------------------


def test_1_symlinked_workbook_is_updated_through_the_link(tmp_path: Path) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    real = make_book(real_dir / "book.xlsx")
    link = tmp_path / "book.xlsx"
    link.symlink_to(real)
    old = real.read_bytes()
    result = write_workbook(link, _set("paid"), expected=fingerprint(link))
    assert result.changed
    assert link.is_symlink() and Path(os.readlink(link)) == real
    assert real.read_bytes() != old, "the real workbook was left behind"
    backup = Path(result.backup or "")
    assert backup.parent == real_dir / ".poflow-backups"
    assert not backup.is_symlink() and backup.is_file()
    assert backup.read_bytes() == old
    assert not (tmp_path / ".poflow-backups").exists()
    assert backups_of(link) == [backup]
    assert not lock_path(real).exists() and not lock_path(link).exists()


def test_1_reconcile_apply_through_a_symlink(demo: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    real = elsewhere / "books.xlsx"
    demo.rename(real)
    link = tmp_path / "books.xlsx"
    link.symlink_to(real)
    before = real.read_bytes()
    proc = run("reconcile", link, bank(tmp_path, PAYMENT), "--apply", "--today", "2026-11-26")
    assert proc.returncode in (0, 1), proc.stderr
    assert link.is_symlink()
    assert real.read_bytes() != before
    assert any(p.transaction_id for p in read_workbook(link).payments)
    (backup,) = backups_of(real)
    assert not backup.is_symlink() and backup.read_bytes() == before


# -- 4. a read-only workbook is refused unless --force -------------------------------------------------------


def test_4_read_only_workbook_is_refused_unless_force(demo: Path, tmp_path: Path) -> None:
    f = bank(tmp_path, PAYMENT)
    demo.chmod(0o444)
    before = demo.read_bytes()
    line = one_line_exit_2(run("import-bank", demo, f))
    assert "read-only" in line and "--force" in line
    assert demo.read_bytes() == before
    proc = run("import-bank", demo, f, "--force")
    assert proc.returncode == 0, proc.stderr
    assert demo.read_bytes() != before
    assert stat.S_IMODE(demo.stat().st_mode) == 0o444  # the mode is kept


def test_4_read_only_refused_by_write_workbook(tmp_path: Path) -> None:
    book = make_book(tmp_path / "book.xlsx")
    book.chmod(0o400)
    with pytest.raises(Refused, match="read-only"):
        write_workbook(book, _set("paid"), expected=None)
    assert write_workbook(book, _set("paid"), expected=None, force=True).changed


# -- 5. locks: host, PID, start time, marker; stale ones taken over; the message names the lock ----------------


@pytest.fixture()
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    child = subprocess.Popen(["sleep", "60"])
    try:
        yield child
    finally:
        child.kill()
        child.wait()


def test_5_old_lock_whose_pid_is_an_unrelated_live_process_is_taken_over(tmp_path: Path,
                                                                         sleeper: subprocess.Popen[bytes]) -> None:
    book = make_book(tmp_path / "book.xlsx")
    lock_path(book).write_text(str(sleeper.pid))  # the lock of an older poflow; the PID now runs `sleep`
    result = write_workbook(book, _set("paid"), expected=fingerprint(book))
    assert result.changed
    assert any("took over the stale lock" in n and "not poflow" in n for n in result.notes)
    assert not lock_path(book).exists()


def test_5_lock_whose_pid_was_reused_is_taken_over(tmp_path: Path, sleeper: subprocess.Popen[bytes]) -> None:
    book = make_book(tmp_path / "book.xlsx")
    import socket

    lock_path(book).write_text(f"poflow-lock 1\nhost={socket.gethostname()}\npid={sleeper.pid}\nstart=1\n"
                               "time=2020-01-01T00:00:00\ntoken=abc\n")
    result = write_workbook(book, _set("paid"), expected=fingerprint(book))
    assert result.changed and any("another program" in n for n in result.notes)


def test_5_live_lock_message_names_the_lock_file_and_its_age(tmp_path: Path) -> None:
    book = make_book(tmp_path / "book.xlsx")
    with poflow_lock(book):
        text = lock_path(book).read_text()
        for field in ("poflow-lock 1", "host=", f"pid={os.getpid()}", "start=", "token="):
            assert field in text
        with pytest.raises(WriteConflict) as err:
            write_workbook(book, _set("paid"), expected=None)
    assert str(lock_path(book)) in str(err.value)
    assert " old" in str(err.value)


def test_5_lock_from_another_host_is_not_taken_over(tmp_path: Path) -> None:
    book = make_book(tmp_path / "book.xlsx")
    lock_path(book).write_text("poflow-lock 1\nhost=some-other-host\npid=1\nstart=1\ntime=x\ntoken=abc\n")
    with pytest.raises(WriteConflict, match=r"some-other-host.*delete the lock file"):
        write_workbook(book, _set("paid"), expected=None)


# -- 6. failures a person can act on: one line, exit 2 -------------------------------------------------------


def test_6_disk_full_is_one_line_exit_2(demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import poflow_sheets.store.safety as safety

    def full(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(safety, "apply_changes", full)
    before = demo.read_bytes()
    code, out = cli("import-bank", demo, bank(tmp_path, PAYMENT))
    assert code == 2, out
    assert "disk is full" in out and "internal error" not in out and len(out.strip().splitlines()) == 1
    assert demo.read_bytes() == before
    assert not [p for p in tmp_path.iterdir() if "poflow-tmp" in p.name]


def test_6_read_only_folder_is_one_line_exit_2(demo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import tempfile

    def denied(*_a: object, **_k: object) -> None:
        raise PermissionError(errno.EACCES, "Permission denied", str(tmp_path))

    monkeypatch.setattr(tempfile, "mkstemp", denied)  # root may write anywhere: stand in for a read-only folder
    code, out = cli("import-bank", demo, bank(tmp_path, PAYMENT))
    assert code == 2, out
    assert "permission denied" in out and "internal error" not in out


def test_6_thirty_digit_amount_is_exit_2(demo: Path, tmp_path: Path) -> None:
    row = 'CREDIT,11/20/2026,"HARBOR HOME CO",123456789012345678901234567890.00,ACH_CREDIT,1.00,,'
    line = one_line_exit_2(run("import-bank", demo, bank(tmp_path, row)))
    assert "bank.csv:2" in line and "digits" in line


def test_6_thirty_digit_amount_in_the_workbook_is_a_finding(tmp_path: Path) -> None:
    from datetime import date

    from poflow_sheets.validate import validate
    from tests.test_validate_rules import demo_rows, put, write

    rows = demo_rows()
    put(rows, "Lines", 15, "Unit Price", "123456789012345678901234567890")
    book = read_workbook(write(rows, tmp_path / "b.xlsx"))
    codes = [(f.tab, f.row, f.code) for f in validate(book, date(2026, 11, 26)).findings]
    assert ("Lines", 15, "type") in codes


def _with_member(src: Path, dst: Path, name: str, data: bytes) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, data if info.filename == name else zin.read(info.filename))
    return dst


def test_6_entity_in_styles_xml_is_exit_2(demo: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(demo) as z:
        styles = z.read("xl/styles.xml")
    decl, _, body = styles.partition(b"?>")
    evil = decl + b'?><!DOCTYPE styleSheet [<!ENTITY e "x">]>' + body.replace(b"<fonts", b"<!-- &e; --><fonts", 1)
    bad = _with_member(demo, tmp_path / "evil.xlsx", "xl/styles.xml", evil)
    line = one_line_exit_2(run("import-bank", bad, bank(tmp_path, PAYMENT)))
    assert "styles.xml" in line and "DTD" in line
    broken = _with_member(demo, tmp_path / "broken.xlsx", "xl/styles.xml", body.replace(b"<fonts", b"<fonts &nope;", 1))
    line = one_line_exit_2(run("import-bank", broken, bank(tmp_path, PAYMENT)))
    assert "styles.xml" in line or "XML" in line


def test_6_memory_error_is_exit_2(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import poflow_sheets.app.commands as commands

    def boom(*_a: object, **_k: object) -> None:
        raise MemoryError

    monkeypatch.setattr(commands, "validate_book", boom)
    code, out = cli("validate", demo)
    assert code == 2 and "out of memory" in out and "internal error" not in out


def test_6_a_true_bug_is_still_exit_3(demo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import poflow_sheets.app.commands as commands

    def bug(*_a: object, **_k: object) -> None:
        raise KeyError("oops")

    monkeypatch.setattr(commands, "validate_book", bug)
    code, out = cli("validate", demo)
    assert code == 3 and "internal error" in out


# -- 2. limits on how far a workbook inflates ----------------------------------------------------------------


def _sheet_xml(cells: str) -> bytes:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="http://schemas.openxmlformats.'
            f'org/spreadsheetml/2006/main"><sheetData><row r="1">{cells}</row></sheetData></worksheet>').encode()


def _replace_sheet(demo: Path, dst: Path, data: bytes, member: str = "xl/worksheets/sheet1.xml") -> Path:
    return _with_member(demo, dst, member, data)


def test_2_a_zip_bomb_cell_is_refused_before_inflating(demo: Path, tmp_path: Path) -> None:
    big = _sheet_xml('<c r="A1" t="inlineStr"><is><t>' + "A" * (64 << 20) + "</t></is></c>")
    bomb = _replace_sheet(demo, tmp_path / "bomb.xlsx", big)
    assert bomb.stat().st_size < 2 << 20
    proc = run("validate", bomb)
    line = one_line_exit_2(proc)
    assert "limit" in line and "POFLOW_LIMIT_RATIO" in line


def test_2_whitespace_bomb_is_refused(demo: Path, tmp_path: Path) -> None:
    ws = _sheet_xml("").replace(b"<sheetData>", b"<sheetData>" + b" " * (128 << 20))
    line = one_line_exit_2(run("validate", _replace_sheet(demo, tmp_path / "ws.xlsx", ws)))
    assert "POFLOW_LIMIT_RATIO" in line


def test_2_longest_cell(demo: Path, tmp_path: Path) -> None:
    rng = random.Random(1)
    text = "".join(rng.choices(string.ascii_letters, k=(1 << 20) + 10))  # does not compress much
    sheet = _sheet_xml(f'<c r="A1" t="inlineStr"><is><t>{text}</t></is></c>')
    line = one_line_exit_2(run("validate", _replace_sheet(demo, tmp_path / "long.xlsx", sheet)))
    assert "POFLOW_LIMIT_CELL_BYTES" in line


def test_2_cells_and_shared_strings_limits(demo: Path) -> None:
    with pytest.raises(LimitExceeded, match="POFLOW_LIMIT_CELLS"):
        check_package(demo, demo.name, _limits(cells=100))
    with pytest.raises(LimitExceeded, match="POFLOW_LIMIT_MEMBERS"):
        check_package(demo, demo.name, _limits(members=3))
    with pytest.raises(LimitExceeded, match="POFLOW_LIMIT_TOTAL_BYTES"):
        check_package(demo, demo.name, _limits(total_bytes=1000))
    line = one_line_exit_2(run("validate", demo, env={"POFLOW_LIMIT_CELLS": "100"}))
    assert "POFLOW_LIMIT_CELLS" in line


def test_2_shared_strings_limit(tmp_path: Path) -> None:
    import xlsxwriter

    path = tmp_path / "ss.xlsx"
    wb = xlsxwriter.Workbook(str(path))  # xlsxwriter writes text as shared strings
    ws = wb.add_worksheet("Sheet1")
    for i in range(50):
        ws.write_string(i, 0, f"text {i}")
    wb.close()
    with pytest.raises(LimitExceeded, match="POFLOW_LIMIT_SHARED_STRINGS"):
        check_package(path, path.name, _limits(shared_strings=10))
    check_package(path, path.name, _limits(shared_strings=50))


def _limits(**kw: int) -> object:
    from dataclasses import replace

    from poflow_sheets.limits import Limits

    return replace(Limits(), **kw)


def test_2_a_lying_zip_directory_is_a_damaged_file(demo: Path, tmp_path: Path) -> None:
    big = _sheet_xml('<c r="A1" t="inlineStr"><is><t>' + "B" * (4 << 20) + "</t></is></c>")
    path = _replace_sheet(demo, tmp_path / "liar.xlsx", big)
    data = bytearray(path.read_bytes())
    # declare the sheet's inflated size as 1,000 bytes in the central directory (and the local header)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    import struct

    pos = 0
    while True:
        pos = data.find(b"PK\x01\x02", pos)
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46: pos + 46 + name_len] == b"xl/worksheets/sheet1.xml":
            struct.pack_into("<I", data, pos + 24, 1000)
            break
        pos += 4
    struct.pack_into("<I", data, info.header_offset + 22, 1000)
    path.write_bytes(bytes(data))
    with pytest.raises(WorkbookUnreadable, match="damaged"):
        check_package(path, path.name)
    line = one_line_exit_2(run("validate", path))
    assert "damaged" in line


def _bad_crc(path: Path, member: str) -> Path:
    """`path` with the CRC of `member` wrong in its local header and the central directory (a damaged member)."""
    import struct

    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo(member)
    pos = data.find(b"PK\x01\x02")
    while pos >= 0:
        name_len = struct.unpack_from("<H", data, pos + 28)[0]
        if data[pos + 46: pos + 46 + name_len] == member.encode():
            struct.pack_into("<I", data, pos + 16, info.CRC ^ 1)
        pos = data.find(b"PK\x01\x02", pos + 4)
    struct.pack_into("<I", data, info.header_offset + 14, info.CRC ^ 1)
    path.write_bytes(bytes(data))
    return path


def test_2_a_tab_is_checked_when_it_is_read(demo: Path) -> None:
    """Each worksheet is checked against the limits when a command first reads it: a tab never read (a document,
    the Log below its header) costs nothing, and a damaged one is found by the command that reads it."""
    from poflow_sheets.store import AddSheet, AppendRows

    trail = tuple((f"2024-01-02 10:00:{i % 60:02d}", "poflow x", "Orders", f"PO-{i}", "Status", "a", "b")
                  for i in range(5000))
    write_workbook(demo, [AppendRows("Log", trail), AddSheet("INV-0001", (("INVOICE",), ("Total", 12)))],
                   expected=fingerprint(demo))
    parts = {n: p for n, p in zip(read_workbook(demo).sheet_names, _parts(demo), strict=True)}
    _bad_crc(demo, parts["INV-0001"])
    _bad_crc(demo, parts["Log"])
    status, out = cli("status", demo, "--today", "2026-12-01")
    assert status == 0, out
    status, out = cli("confirm", demo, "WW-1126", "--today", "2026-12-01", "--no-sheet")
    assert status == 2 and "damaged" in out and parts["Log"] in out and "nothing was written" in out
    with pytest.raises(WorkbookUnreadable, match="damaged"):
        check_package(demo, demo.name)


def _parts(path: Path) -> list[str]:
    from poflow_sheets.store.xlsx_head import sheet_parts

    with zipfile.ZipFile(path) as z:
        return list(sheet_parts(z).values())


def _corpus() -> Path:
    folder = SHARED / "data" / "excel-made-workbooks"
    if not folder.is_dir():
        if os.environ.get("CI"):
            pytest.fail(f"{folder} is missing on CI")
        pytest.skip(f"{folder} is not here: the corpus size check needs ../shared beside the repository")
    return folder


def test_2_every_real_workbook_passes_the_limits() -> None:
    folder = _corpus()
    checked = 0
    for path in sorted(folder.glob("*.xls[xm]")):
        try:
            with zipfile.ZipFile(path):
                pass
        except zipfile.BadZipFile:
            continue
        check_package(path, path.name)
        checked += 1
    assert checked > 100


# -- 11. duplicate zip members; sheets in other encodings -----------------------------------------------------


def test_11_duplicate_member_is_refused_as_damaged(demo: Path, tmp_path: Path) -> None:
    dup = tmp_path / "dup.xlsx"
    with zipfile.ZipFile(demo) as zin, zipfile.ZipFile(dup, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, zin.read(info.filename))
        import warnings

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            zout.writestr("xl/worksheets/sheet5.xml", _sheet_xml('<c r="A1"><v>1</v></c>'))
    line = one_line_exit_2(run("validate", dup))
    assert "damaged" in line and "two members named 'xl/worksheets/sheet5.xml'" in line
    line = one_line_exit_2(run("import-bank", dup, bank(tmp_path, PAYMENT)))
    assert "damaged" in line


def test_11_utf16_sheet_is_reported_as_utf16(demo: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(demo) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode("utf-8")
    utf16 = xml.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16")
    line = one_line_exit_2(run("validate", _replace_sheet(demo, tmp_path / "u16.xlsx", utf16)))
    assert "UTF-16" in line and "empty" not in line
    cp = xml.replace('encoding="UTF-8"', 'encoding="windows-1252"').encode("cp1252")
    line = one_line_exit_2(run("validate", _replace_sheet(demo, tmp_path / "cp.xlsx", cp)))
    assert "windows-1252" in line


# -- 7. credentials echoed by a mail server are scrubbed in every encoding ------------------------------------


class EchoingServer:
    """An SMTP handler whose 535 reply echoes the AUTH PLAIN blob, its decoded hex and the password's."""

    async def handle_AUTH(self, server: object, session: object, envelope: object, args: list[str]) -> str:
        import base64

        blob = args[1] if len(args) > 1 else ""
        raw = base64.b64decode(blob + "=" * (-len(blob) % 4))
        password = raw.split(b"\0")[-1]
        return (f"535 5.7.8 Authentication failed for AUTH {' '.join(args)} (hex {raw.hex()}, HEX {raw.hex().upper()}, "
                f"password {password.decode()} {base64.b64encode(password).decode()} {password.hex()})")

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        return "250 OK"


def test_7_credentials_echoed_by_the_server_are_scrubbed(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import base64
    import logging

    from aiosmtpd.controller import Controller

    from poflow_sheets.mailer import MailError, send_report
    from tests.test_mailer import free_port

    user, password = "books@brand.example", "Tr0ub4dor&3-horse"
    port = free_port()
    controller = Controller(EchoingServer(), hostname="127.0.0.1", port=port, auth_require_tls=False,
                            auth_exclude_mechanism=["LOGIN"])
    controller.start()
    caplog.set_level(logging.DEBUG)
    try:
        with pytest.raises(MailError) as err:
            send_report("text", "<p>html</p>", [], host="127.0.0.1", port=port, user=user, password=password,
                        sender=user, to=["owner@brand.example"], subject="s", starttls=False, timeout=10)
    finally:
        controller.stop()
    message = str(err.value)
    assert "535" in message and "***" in message
    blob = f"\0{user}\0{password}".encode()
    leaks = [password, base64.b64encode(blob).decode(), blob.hex(), blob.hex().upper(),
             base64.b64encode(password.encode()).decode(), password.encode().hex(), "Tr0ub4dor"]
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("mail."))  # not the server's
    for text in (message, ours):
        for leak in leaks:
            assert leak not in text, f"{leak!r} leaked: {text}"
    assert "\n" not in message


def test_7_reconcile_email_through_the_cli_does_not_log_the_password(demo: Path, tmp_path: Path) -> None:
    from aiosmtpd.controller import Controller

    from tests.test_mailer import free_port

    port = free_port()
    controller = Controller(EchoingServer(), hostname="127.0.0.1", port=port, auth_require_tls=False,
                            auth_exclude_mechanism=["LOGIN"])
    controller.start()
    password = "n1ghtly-Pa55word"
    env = {"POFLOW_SMTP_HOST": "127.0.0.1", "POFLOW_SMTP_PORT": str(port), "POFLOW_SMTP_USER": "books@brand.example",
           "POFLOW_SMTP_PASSWORD": password, "POFLOW_REPORT_TO": "owner@brand.example",
           "POFLOW_SMTP_FROM": "books@brand.example"}
    try:
        proc = run("reconcile", demo, bank(tmp_path, PAYMENT), "--email", "--today", "2026-11-26", env=env)
    finally:
        controller.stop()
    assert proc.returncode == 2, proc.stdout + proc.stderr
    import base64

    log = proc.stdout + proc.stderr
    assert "535" in log
    blob = f"\0books@brand.example\0{password}".encode()
    for leak in (password, base64.b64encode(blob).decode(), blob.hex(), blob.hex().upper()):
        assert leak not in log


# -- 8. documents get unique sheet names -----------------------------------------------------------------------


def test_8_invoice_numbers_sharing_31_characters_get_two_sheets(tmp_path: Path) -> None:
    from python_calamine import CalamineWorkbook

    from tests.test_validate_rules import demo_rows, write

    path = write(demo_rows(), tmp_path / "long.xlsx", invoice_prefix="LONGPREFIX-" * 3)
    proc = run("invoice", path, "--all-ready", "--today", "2026-11-26", "--out", tmp_path / "docs")
    assert proc.returncode == 0, proc.stderr
    names = CalamineWorkbook.from_path(str(path)).sheet_names
    added = [n for n in names if n.startswith("LONGPREFIX")]
    assert len(added) == 2 and len(set(added)) == 2 and all(len(n) <= 31 for n in added)
    assert proc.stdout.count("note:") == 2 and "its sheet is named" in proc.stdout
    for name in added:  # each sheet holds its own invoice
        rows = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(name).to_python()
        text = " ".join(str(c) for r in rows for c in r)
        assert text.count("LONGPREFIX-LONGPREFIX-LONGPREFIX-100") >= 1


def test_8_same_document_gets_the_same_name_again() -> None:
    from dataclasses import dataclass

    from poflow_sheets.app.write import document_sheet_name

    @dataclass
    class Doc:
        number: str
        kind: str = "invoice"

    a = Doc("X" * 40 + "1")
    b = Doc("X" * 40 + "2")
    name_a, note_a = document_sheet_name(a)  # type: ignore[arg-type]
    name_b, _ = document_sheet_name(b)  # type: ignore[arg-type]
    assert name_a != name_b and len(name_a) == 31 and note_a
    assert document_sheet_name(a)[0] == name_a  # type: ignore[arg-type]
    assert document_sheet_name(Doc("INV-1001"))[0] == "INV-1001"  # type: ignore[arg-type]


# -- 9. no silent changes: sub-cent amounts, dates before 1900, Backup Retention below 1 -------------------------


def test_9_amount_with_more_decimals_is_refused_with_file_and_line(demo: Path, tmp_path: Path) -> None:
    row = 'CREDIT,11/20/2026,"HARBOR HOME CO",1234.567,ACH_CREDIT,1000.00,,'
    f = bank(tmp_path, PAYMENT, row)
    before = demo.read_bytes()
    line = one_line_exit_2(run("import-bank", demo, f))
    assert "bank.csv:3" in line and "'1234.567'" in line and "round=yes" in line
    assert demo.read_bytes() == before
    quoted = bank(tmp_path, 'CREDIT,11/20/2026,"HARBOR HOME CO","1,234.567",ACH_CREDIT,1000.00,,', name="q.csv")
    assert "q.csv:2" in one_line_exit_2(run("import-bank", demo, quoted))


def test_9_round_yes_in_bank_mapping_accepts_them() -> None:
    from poflow_sheets.banks import parse_bank_bytes

    data = (HEADER + 'CREDIT,11/20/2026,"HARBOR HOME CO","1,234.567",ACH_CREDIT,1000.00,,\n').encode()
    result = parse_bank_bytes(data, "b.csv", mapping="round=yes")
    assert str(result.transactions[0].amount) == "1234.57"
    result = parse_bank_bytes(data, "b.csv", mapping="chase;round=yes")
    assert str(result.transactions[0].amount) == "1234.57"


@pytest.mark.parametrize("fmt", ["csv", "ofx", "camt"])
def test_9_other_formats_refuse_sub_cent_amounts(fmt: str) -> None:
    from poflow_sheets.banks import BankFileError, parse_bank_bytes

    if fmt == "csv":
        data = (HEADER + 'CREDIT,11/20/2026,"X",10.001,ACH_CREDIT,1000.00,,\n').encode()
    elif fmt == "ofx":
        data = (b"OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>USD<BANKTRANLIST>"
                b"<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261120<TRNAMT>10.001<FITID>1<NAME>X</STMTTRN>"
                b"</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>")
    else:
        data = (b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>'
                b"<Stmt><Id>1</Id><Acct><Id><IBAN>DE89370400440532013000</IBAN></Id></Acct><Ntry>"
                b'<Amt Ccy="EUR">10.001</Amt><CdtDbtInd>CRDT</CdtDbtInd><BookgDt><Dt>2026-11-20</Dt></BookgDt>'
                b"</Ntry></Stmt></BkToCstmrStmt></Document>")
    with pytest.raises(BankFileError, match=r"10\.001.*round=yes"):
        parse_bank_bytes(data, f"b.{fmt}")


def test_9_bank_date_before_1900_is_refused(demo: Path, tmp_path: Path) -> None:
    from poflow_sheets.banks import parse_bank_bytes

    f = tmp_path / "old.csv"
    f.write_text("Date,Amount,Description\n2026-11-20,10.00,A\n1899-12-31,10.00,B\n")
    before = demo.read_bytes()
    line = one_line_exit_2(run("import-bank", demo, f))
    assert "old.csv:3" in line and "1899-12-31" in line and "pre1900=yes" in line
    assert demo.read_bytes() == before
    ok = parse_bank_bytes(f.read_bytes(), "old.csv", mapping="pre1900=yes")
    assert [t.date.year for t in ok.transactions] == [2026, 1899]


def test_9_a_date_before_1900_is_never_written_as_serial_0(tmp_path: Path) -> None:
    from datetime import date

    book = make_book(tmp_path / "book.xlsx")
    with pytest.raises(Refused, match="before 1900"):
        write_workbook(book, [SetCell("Invoices", 2, 2, date(1899, 12, 31))], expected=None)


@pytest.mark.parametrize("retention", [0, -5])
def test_9_backup_retention_below_one_is_a_finding_and_still_backs_up(tmp_path: Path, retention: int) -> None:
    from datetime import date

    from poflow_sheets.validate import validate
    from tests.test_validate_rules import demo_rows, write

    path = write(demo_rows(), tmp_path / "b.xlsx", backup_retention=retention)
    findings = validate(read_workbook(path), date(2026, 11, 26)).findings
    assert [(f.tab, f.code) for f in findings] == [("Settings", "setting")]
    assert "Backup Retention" in findings[0].message
    result = write_workbook(path, [SetCell("Buyers", 2, 2, "x")], expected=None, retention=retention)
    assert result.backup and Path(result.backup).is_file()
    assert any("Backup Retention" in n for n in result.notes)


# -- 10. poflow restore ---------------------------------------------------------------------------------------


def test_10_restore_lists_and_restores_through_the_safe_path(demo: Path, tmp_path: Path) -> None:
    original = demo.read_bytes()
    proc = run("import-bank", demo, bank(tmp_path, PAYMENT))
    assert proc.returncode == 0, proc.stderr
    changed = demo.read_bytes()
    listing = run("restore", demo, "--list")
    assert listing.returncode == 0, listing.stderr
    assert "poflow import-bank" in listing.stdout and "KiB" in listing.stdout
    assert listing.stdout.count(".xlsx  before:") == 1
    proc = run("restore", demo, "1")
    assert proc.returncode == 0, proc.stderr
    assert demo.read_bytes() == original
    backups = backups_of(demo)
    assert len(backups) == 2 and backups[-1].read_bytes() == changed  # the replaced version was kept first
    assert read_workbook(demo).payments == read_workbook(backups[0]).payments
    # and back again, by file name
    proc = run("restore", demo, backups[-1].name)
    assert proc.returncode == 0 and demo.read_bytes() == changed
    assert "no backup 'nope'" in one_line_exit_2(run("restore", demo, "nope"))


def test_10_restore_through_a_symlink_and_refuses_a_damaged_backup(tmp_path: Path) -> None:
    real_dir = tmp_path / "real"
    real_dir.mkdir()
    real = make_book(real_dir / "book.xlsx")
    link = tmp_path / "book.xlsx"
    link.symlink_to(real)
    old = real.read_bytes()
    write_workbook(link, _set("paid"), expected=None)
    proc = run("restore", link, "1")
    assert proc.returncode == 0, proc.stderr
    assert link.is_symlink() and real.read_bytes() == old
    newest = backups_of(link)[-1]
    newest.write_bytes(b"PK\x03\x04 broken")
    assert "damaged" in one_line_exit_2(run("restore", link, "1"))
    assert real.read_bytes() == old


# -- 3. bank files are read as a stream ------------------------------------------------------------------------


def test_3_memory_does_not_grow_with_rows_that_are_not_kept(tmp_path: Path) -> None:
    """500,000 summary rows and one transaction: the old reader held every row (hundreds of MB)."""
    path = tmp_path / "big.csv"
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEADER + PAYMENT + "\n")
        line = 'DEBIT,Total,"a summary line that a bank prints between the transactions",,SUMMARY,1.00,,\n'
        for _ in range(50):
            fh.write(line * 10_000)
    assert path.stat().st_size > 40_000_000
    # VmHWM, not ru_maxrss: the latter keeps the peak of the forked copy of pytest from before exec
    script = ("import sys\nfrom pathlib import Path\nfrom poflow_sheets.banks import read_bank_file\n"
              "r = read_bank_file(Path(sys.argv[1]))\n"
              "hwm = next(ln for ln in open('/proc/self/status') if ln.startswith('VmHWM'))\n"
              "print(len(r.transactions), int(hwm.split()[1]) // 1024)")
    proc = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[1])
    count, peak_mib = map(int, proc.stdout.split())
    assert count == 1
    assert peak_mib < 150, f"peak {peak_mib} MiB for a 40 MB file of rows that are not kept"


def test_3_two_processes_build_the_same_import_as_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import poflow_sheets.banks.csv_layouts as layouts
    from poflow_sheets.banks import read_bank_file

    path = tmp_path / "two.csv"
    rng = random.Random(7)
    with open(path, "w", encoding="utf-8") as fh:
        fh.write(HEADER)
        for i in range(20_000):
            if i % 997 == 0:
                fh.write('CREDIT,11/20/2026,"ragged, row",1.00,X\n')  # a row left out, reported
            elif i % 1409 == 0:
                fh.write('CREDIT,11/21/2026,"a memo\nover two lines",5.00,ACH_CREDIT,1.00,,\n')
            else:
                fh.write(f'CREDIT,{1 + i % 12:02d}/{1 + i % 28:02d}/2026,"PAYMENT {rng.randint(1, 50)}",'
                         f"{rng.randint(1, 9999)}.{rng.randint(0, 99):02d},ACH_CREDIT,1.00,,\n")
    one = read_bank_file(path)
    monkeypatch.setattr(layouts, "FORK_BYTES", 0)
    calls = []
    real = layouts._process_in_two

    def spy(*args: object, **kw: object) -> object:
        calls.append(1)
        return real(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(layouts, "_process_in_two", spy)
    monkeypatch.setattr(layouts, "_can_fork", lambda: True)
    two = read_bank_file(path)
    assert calls, "the file was not split"
    assert two == one
    assert len(one.transactions) > 19_000 and one.problems


def test_3_limits_let_a_million_row_bank_file_through() -> None:
    from poflow_sheets.limits import Limits

    lim = Limits()
    assert lim.bank_rows >= 1_000_000 and lim.bank_bytes >= 200 << 20


def test_3_bank_row_limit_names_its_variable(demo: Path, tmp_path: Path) -> None:
    f = bank(tmp_path, *([PAYMENT] * 30))
    line = one_line_exit_2(run("import-bank", demo, f, env={"POFLOW_LIMIT_BANK_ROWS": "10"}))
    assert "POFLOW_LIMIT_BANK_ROWS" in line and "bank.csv" in line


def test_3_a_split_inside_a_quoted_field_falls_back_to_one_process(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    import poflow_sheets.banks.csv_layouts as layouts
    from poflow_sheets.banks import read_bank_file

    path = tmp_path / "quoted.csv"
    rows = [f'CREDIT,11/{1 + i % 28:02d}/2026,"PAYMENT {i}",{i}.00,ACH_CREDIT,1.00,,' for i in range(1, 3000)]
    rows[1500] = 'CREDIT,11/20/2026,"a memo\nover\nthree lines",7.00,ACH_CREDIT,1.00,,'  # lines 1502-1504
    path.write_text(HEADER + "\n".join(rows) + "\n")
    one = read_bank_file(path)
    monkeypatch.setattr(layouts, "FORK_BYTES", 0)
    monkeypatch.setattr(layouts, "_can_fork", lambda: True)
    monkeypatch.setattr(layouts, "_scan_lines", lambda *_a: layouts._Lines(100, 1503, True))  # inside the field
    assert read_bank_file(path) == one
    assert any(t.memo == "a memo over three lines" for t in one.transactions)


def test_3_a_date_order_the_first_rows_cannot_tell_is_decided_by_the_whole_file(tmp_path: Path) -> None:
    from datetime import date

    from poflow_sheets.banks import read_bank_file

    path = tmp_path / "dayfirst.csv"
    body = [f"{1 + i % 12:02d}/{1 + i % 12:02d}/2026,{i}.00,A{i}" for i in range(1, 400)] + ["13/01/2026,5.00,late"]
    path.write_text("Date,Amount,Description\n" + "\n".join(body) + "\n")
    result = read_bank_file(path)
    assert result.transactions[0].date == date(2026, 2, 2) and result.transactions[-1].date == date(2026, 1, 13)
    path.write_text("Date,Amount,Description\n" + "\n".join([*body[:-1], "01/13/2026,5.00,late"]) + "\n")
    assert read_bank_file(path).transactions[-1].date == date(2026, 1, 13)
