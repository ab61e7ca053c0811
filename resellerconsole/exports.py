"""Exports as CSV or XLSX, streamed row by row: memory stays flat whatever the number of rows.

Every cell passes through `csv_export.spreadsheet_safe` (a text starting with =, +, -, @ … gets a leading
apostrophe), so a spreadsheet shows it and never runs it; dates are written in ISO 8601. XLSX is written by
openpyxl's write-only mode to a temporary file, which is then streamed.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from datetime import date, datetime

from django.http import FileResponse, StreamingHttpResponse
from django.utils import timezone

from .csv_export import SafeCsvWriter, spreadsheet_safe

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def cell(value):
    """A value as an export writes it: ISO dates (local time for a moment), safe text, numbers as they are."""
    if isinstance(value, datetime):
        value = timezone.localtime(value).replace(microsecond=0).isoformat() if timezone.is_aware(value) else value
    if isinstance(value, date):
        return value.isoformat()
    if value is None:
        return ""
    return spreadsheet_safe(value)


class _Line:
    """A file-like object whose write() hands back what the csv writer wrote."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    writer = SafeCsvWriter(_Line())
    yield writer.writerow([cell(value) for value in header])
    for row in rows:
        yield writer.writerow([cell(value) for value in row])


def _xlsx_file(header: list[str], rows: Iterable[Iterable], title: str):
    # Imported here: openpyxl is loaded only by the exports that need it (~40 ms at every start otherwise).
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([cell(value) for value in header])
    for row in rows:
        sheet.append([cell(value) for value in row])
    spooled = tempfile.TemporaryFile()  # noqa: SIM115  (closed by the FileResponse that streams it)
    workbook.save(spooled)
    spooled.seek(0)
    return spooled


def export_response(*, fmt: str, filename: str, title: str, header: list[str], rows: Iterable[Iterable]):
    """The download of `rows` under `header` as `fmt` ("csv" or "xlsx"), named `filename`.<fmt>."""
    response: FileResponse | StreamingHttpResponse
    if fmt == "xlsx":
        response = FileResponse(
            _xlsx_file(header, rows, title), as_attachment=True, filename=f"{filename}.xlsx", content_type=FORMATS[fmt]
        )
    else:
        response = StreamingHttpResponse(_csv_lines(header, rows), content_type=FORMATS["csv"])
        response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response
