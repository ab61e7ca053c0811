"""Bulk import of customers: read a CSV or XLSX file, check every row as the customer form does, create all or none.

A dry run (`rows_check`) writes nothing; `customers_import` checks again and creates every row in one
transaction, so one bad row (or a duplicate that appeared meanwhile) leaves nothing behind. Invitations are a
separate, explicit step (`customer_send_invitation` for each created customer).
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from typing import cast

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from accounts.models import Reseller, User
from resellerconsole.csv_export import SafeCsvWriter
from resellerconsole.errors import DomainError

from .forms import CustomerForm
from .models import Customer
from .services import EDITABLE_FIELDS, VipAdminContact, customers_create_bulk

#: The template's columns, in the language-neutral names the file must use.
COLUMNS = (*EDITABLE_FIELDS, "vip_admin_name", "vip_admin_email")
REQUIRED_COLUMNS = tuple(c for c in COLUMNS if c not in ("address_line2", "preferred_language"))
MAX_ROWS = 10_000
MAX_BYTES = 10 * 1024 * 1024


class RowChecker:
    """The customer form's rules for thousands of rows: the form is built once per file (its country list is sorted
    and translated at each build), each row's values go through its fields' own `clean`, then through the model's
    validation as a saved customer's would (its choices were just checked by the form's fields, and its VIP ID
    constraints cannot fail for a customer that has no VIP ID yet)."""

    CHOICE_FIELDS = ("country", "market_segment", "preferred_language")

    def __init__(self, user: User):
        self.fields = CustomerForm(user=user).fields
        for name in self.CHOICE_FIELDS:  # a lazy list of choices is normalised again at every check otherwise
            choice = cast(forms.ChoiceField, self.fields[name])
            choice.choices = list(choice.choices)  # type: ignore[arg-type]  # a ChoiceField has normalised them to a list

    def errors(self, data: dict[str, str]) -> dict[str, list[str]]:
        errors: dict[str, list[str]] = {}
        cleaned = {}
        for name in EDITABLE_FIELDS:
            try:
                cleaned[name] = self.fields[name].clean(data.get(name, ""))
            except ValidationError as error:
                errors[name] = list(error.messages)
        if errors:
            return errors
        try:
            Customer(**cleaned).full_clean(
                exclude=["reseller", "created_by", *self.CHOICE_FIELDS],
                validate_unique=False,
                validate_constraints=False,
            )
        except ValidationError as error:
            return {name: list(messages) for name, messages in error.message_dict.items()}
        return {}


@dataclass
class ImportRow:
    number: int  # the row's line in the file (the header is line 1)
    values: dict[str, str]
    errors: dict[str, list[str]] = field(default_factory=dict)


def template_csv() -> str:
    example = [
        "Exempel AB",
        "Storgatan 1",
        "",
        "111 22",
        "Stockholm",
        "SE",
        "commercial",
        "sv",
        "Vera",
        "vera@exempel.se",
    ]
    buffer = io.StringIO()
    writer = SafeCsvWriter(buffer)
    writer.writerow(COLUMNS)
    writer.writerow(example)
    return buffer.getvalue()


def rows_read(upload) -> list[dict[str, str]]:
    """The file's rows as dicts of its columns; a file that is not a table of these columns is refused."""
    if upload.size > MAX_BYTES:
        raise DomainError(_("The file is larger than 10 MB."), code="too_large", field="file")
    name = (upload.name or "").lower()
    try:
        if name.endswith(".xlsx"):
            table = _xlsx_rows(upload)
        else:
            table = list(csv.reader(io.StringIO(upload.read().decode("utf-8-sig"))))
    except (UnicodeDecodeError, csv.Error, ValueError, KeyError, OSError, zipfile.BadZipFile) as error:
        raise DomainError(
            _("The file could not be read as CSV (UTF-8) or XLSX."), code="invalid", field="file"
        ) from error
    if not table:
        raise DomainError(_("The file is empty."), code="invalid", field="file")
    header = [str(cell or "").strip() for cell in table[0]]
    missing = [column for column in REQUIRED_COLUMNS if column not in header]
    if missing:
        raise DomainError(
            _("The file lacks these columns: %(columns)s.") % {"columns": ", ".join(missing)},
            code="invalid",
            field="file",
        )
    rows = [
        {column: str(row[index] if index < len(row) and row[index] is not None else "").strip()
         for index, column in enumerate(header) if column in COLUMNS}
        for row in table[1:]
        if any(str(cell or "").strip() for cell in row)
    ]  # fmt: skip
    if len(rows) > MAX_ROWS:
        raise DomainError(
            ngettext(
                "The file has %(count)s row; at most %(max)s can be imported at once.",
                "The file has %(count)s rows; at most %(max)s can be imported at once.",
                len(rows),
            )
            % {"count": len(rows), "max": MAX_ROWS},
            code="too_large",
            field="file",
        )
    return rows


def _xlsx_rows(upload) -> list[list]:
    # Imported here: openpyxl is loaded only by the imports and exports that need it.
    from openpyxl import load_workbook

    sheet = load_workbook(upload, read_only=True, data_only=True).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def rows_check(*, rows: list[dict[str, str]], user: User, reseller: Reseller) -> list[ImportRow]:
    """Each row with the errors of each of its cells, by the customer form's own rules: writes nothing."""
    existing = {
        name.casefold()
        for name in Customer.objects.filter(reseller=reseller).values_list("company_name", flat=True).iterator()
    }
    seen: dict[str, int] = {}
    checker = RowChecker(user)
    checked = []
    for index, values in enumerate(rows, start=2):
        row = ImportRow(number=index, values=values)
        data = {name: values.get(name, "") for name in EDITABLE_FIELDS}
        data["preferred_language"] = data["preferred_language"] or "en"
        row.errors.update(checker.errors(data))
        if not values.get("vip_admin_name"):
            row.errors.setdefault("vip_admin_name", []).append(_("Every VIP admin needs a name."))
        try:
            validate_email(values.get("vip_admin_email", ""))
        except ValidationError:
            row.errors.setdefault("vip_admin_email", []).append(_("Enter a valid e-mail address."))
        name = values.get("company_name", "").strip().casefold()
        if name and name in existing:
            row.errors.setdefault("company_name", []).append(_("The reseller already has a customer with this name."))
        elif name and name in seen:
            row.errors.setdefault("company_name", []).append(
                _("The same name is on row %(row)s of the file.") % {"row": seen[name]}
            )
        seen.setdefault(name, index)
        checked.append(row)
    return checked


def customers_import(*, rows: list[dict[str, str]], user: User, reseller: Reseller) -> list[int]:
    """Create every row's customer (not invited) in one transaction, or none: the keys of those created."""
    checked = rows_check(rows=rows, user=user, reseller=reseller)
    if any(row.errors for row in checked):
        raise DomainError(_("Some rows have errors; nothing was imported."), code="invalid", field="file")
    created = customers_create_bulk(
        reseller=reseller,
        actor=user,
        customers=[row.values for row in checked],
        contacts=[VipAdminContact(row.values["vip_admin_name"], row.values["vip_admin_email"]) for row in checked],
    )
    return [customer.pk for customer in created]
