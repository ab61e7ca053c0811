"""English as a European console writes it (en-GB): "1 Dec 2026", "1 Dec 2026, 14:05", "10,000"."""

DATE_FORMAT = "j M Y"
TIME_FORMAT = "H:i"
DATETIME_FORMAT = "j M Y, H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j M"
# One format everywhere: the short forms are the long ones ("12/01/2026" reads differently across the Atlantic).
SHORT_DATE_FORMAT = DATE_FORMAT
SHORT_DATETIME_FORMAT = DATETIME_FORMAT
FIRST_DAY_OF_WEEK = 1
# The first is what a date field shows and an <input type="date"> sends.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d/%m/%y", "%d %b %Y", "%d %B %Y"]
DATETIME_INPUT_FORMATS = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3

# The console's own (resellerconsole.l10n).
MONTH_LABEL_FORMAT = "M"  # "Dec" under a chart's axis
DAY_MONTH_LABEL_FORMAT = "j M"  # "28 Sep"
MONTH_YEAR_LABEL_FORMAT = "M Y"  # "Dec 2026"
MONEY_FORMAT = "{currency}\N{NO-BREAK SPACE}{amount}"  # "EUR 1,234.50"
