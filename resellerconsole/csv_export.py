"""CSV exports that a spreadsheet opens as data, never as formulas (CSV/formula injection)."""

import csv

#: A cell starting with one of these is read as a formula (or, tab and CR, shifted into one) by spreadsheets.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value):
    """A text cell that would start a formula gets a leading apostrophe; numbers and dates stay as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class SafeCsvWriter:
    """csv.writer whose every row passes through spreadsheet_safe: the one way our exports write CSV."""

    def __init__(self, stream, **kwargs):
        self._writer = csv.writer(stream, **kwargs)

    def writerow(self, row):
        return self._writer.writerow([spreadsheet_safe(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)
