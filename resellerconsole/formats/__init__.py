"""The console's date and number formats, one per language (settings.FORMAT_MODULE_PATH).

Each language reads every date one way, on every page, flash message, table and e-mail: English as en-GB
("1 Dec 2026"), Swedish "1 dec. 2026". CSV files and the API keep ISO 8601. Numbers group their thousands
("10,000", "10 000"). Besides Django's names, each module has the console's own (read by resellerconsole.l10n):
the charts' month labels and the order of an amount and its currency.
"""
