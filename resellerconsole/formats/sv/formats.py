"""Swedish: "1 dec. 2026", "1 dec. 2026 14:05", month labels in lower case ("dec", "okt"), "10 000"."""

# N: the abbreviated month as Swedish writes it ("jan.", "mars", "maj", "dec."), from the console's catalogue
# (resellerconsole/formats/month_abbreviations.py).
DATE_FORMAT = "j N Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j N Y H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
FIRST_DAY_OF_WEEK = 1
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M"]
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "\N{NO-BREAK SPACE}"
NUMBER_GROUPING = 3

# The console's own (resellerconsole.l10n). "b": the month's three letters in lower case; "M" capitalises them.
MONTH_LABEL_FORMAT = "b"
DAY_MONTH_LABEL_FORMAT = "j b"
MONTH_YEAR_LABEL_FORMAT = "b Y"
MONEY_FORMAT = "{amount}\N{NO-BREAK SPACE}{currency}"  # "1 234,50 EUR"
