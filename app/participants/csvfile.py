"""Reading a participants CSV file: the encoding, the separator, the header row and the rows.

A file that cannot be used as a whole raises ImportFileError with a message for the marketer;
nothing is imported then.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from flask_babel import format_decimal
from flask_babel import gettext as _

MAX_ROWS = 5_000

# Header names (lower case, spaces and dashes as underscores) → our column. Dutch names are welcome.
HEADER_ALIASES = {
    "email": "email", "e_mail": "email", "email_address": "email", "e_mail_address": "email", "e_mailadres": "email",
    "emailadres": "email",
    "name": "name", "naam": "name", "full_name": "name",
    "company": "company", "bedrijf": "company", "organisation": "company", "organization": "company",
    "language": "language", "taal": "language", "locale": "language",
    "account_manager": "account_manager", "accountmanager": "account_manager", "account_manager_email": "account_manager",
}
REQUIRED_COLUMNS = ("email", "name", "company", "language")


class ImportFileError(ValueError):
    """The file as a whole cannot be read; nothing is imported."""


@dataclass
class ParsedFile:
    delimiter: str
    columns: dict[str, int]  # our column → index in the row
    header_length: int
    ignored_columns: list[str]
    rows: list[tuple[int, list[str]]]  # (line number where the row starts, fields)
    empty_lines: int


def _header_key(value: str) -> str:
    return re.sub(r"[\s\-]+", "_", value.strip().strip("\ufeff").strip().lower())


def decode_csv(raw: bytes) -> str:
    if not raw.strip():
        raise ImportFileError(_("The file is empty."))
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ImportFileError(_("The file is saved as UTF-16. Save it as “CSV UTF-8” and upload it again."))
    if b"\x00" in raw:
        raise ImportFileError(_("The file contains NUL bytes: it is not a CSV text file (an Excel workbook, perhaps?). "
                                "In Excel, use “Save as” and choose “CSV UTF-8”."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(
            _("The file is not UTF-8 text. In Excel, save it as “CSV UTF-8 (comma delimited)” and upload it again.")
        ) from None
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    return text


def _sniff(text: str) -> str:
    """Comma or semicolon: whichever makes the header row name more of our columns."""
    first_line = next(iter(text.splitlines()), "")
    best: tuple[tuple[int, int], str] | None = None
    for delimiter in (",", ";"):
        try:
            header = next(csv.reader([first_line], delimiter=delimiter), [])
        except csv.Error:
            continue
        known = sum(1 for name in header if _header_key(name) in HEADER_ALIASES)
        score = (known, len(header))
        if best is None or score > best[0]:
            best = (score, delimiter)
    return best[1] if best else ","


def parse_csv(text: str) -> ParsedFile:
    """Read the header and the rows. Raises ImportFileError for a file that cannot be used at all."""
    delimiter = _sniff(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, None)
    except csv.Error as exc:
        raise ImportFileError(_("The header row cannot be read (%(reason)s).", reason=str(exc)[:200])) from None
    if not header or not any(cell.strip() for cell in header):
        raise ImportFileError(_("The first line must be a header row with the columns email, name, company and language."))
    columns: dict[str, int] = {}
    ignored: list[str] = []
    for index, cell in enumerate(header):
        key = HEADER_ALIASES.get(_header_key(cell))
        if key is None:
            if cell.strip():
                ignored.append(cell.strip()[:60])
            continue
        if key in columns:
            raise ImportFileError(_("The column “%(column)s” appears twice in the header row.", column=key))
        columns[key] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        raise ImportFileError(
            _("The header row lacks the columns: %(columns)s. The first line must name the columns email, name, "
              "company and language (and optionally account_manager).", columns=", ".join(missing))
        )
    rows: list[tuple[int, list[str]]] = []
    empty = 0
    line = reader.line_num
    while True:
        start = line + 1
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise ImportFileError(
                _("Line %(line)d cannot be read (%(reason)s). Nothing was imported.", line=start, reason=str(exc)[:200])
            ) from None
        line = reader.line_num
        if not any(cell.strip() for cell in fields):
            empty += 1
            continue
        if len(rows) == MAX_ROWS:
            raise ImportFileError(
                _("The file has more than %(max)s rows. Split it into files of at most %(max)s rows each.",
                  max=format_decimal(MAX_ROWS))
            )
        rows.append((start, fields))
    if not rows:
        raise ImportFileError(_("The file has a header row but no people in it."))
    return ParsedFile(delimiter, columns, len(header), ignored, rows, empty)
