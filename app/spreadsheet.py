"""CSV downloads that open safely in a spreadsheet: UTF-8 with a byte-order mark (Excel reads
it as UTF-8) and no cell that a spreadsheet would run as a formula (CSV injection)."""
from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable

from flask import Response

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# A plain number ("-12", "-3.5", "-40%") is data, not a formula: it keeps its sign.
PLAIN_NUMBER = re.compile(r"-?\d+(?:[.,]\d+)?%?")


def csv_safe(value) -> str:
    """A cell shown as text, never run as a formula."""
    text = "" if value is None else str(value)
    if PLAIN_NUMBER.fullmatch(text):
        return text
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_download(header: list, rows: Iterable[list], filename: str, delimiter: str = ",") -> Response:
    """A private (never cached) CSV attachment; every cell goes through `csv_safe`."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([csv_safe(cell) for cell in header])
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
    response = Response(buffer.getvalue(), mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response
