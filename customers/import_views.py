"""The bulk import's pages, for reseller admins: upload (a dry run), confirm (all or none), then invite."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.decorators import reseller_admin_view
from resellerconsole.errors import DomainError

from . import imports
from .models import Customer, CustomerStatus
from .services import customer_send_invitation

#: The session keys of a checked file's rows and of the customers its import created.
ROWS, CREATED = "customer_import_rows", "customer_import_created"


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("CSV or XLSX file"),
        help_text=gettext_lazy("One customer per row, with the template's columns."),
    )


@reseller_admin_view
def customer_import(request):
    form = ImportForm(request.POST or None, request.FILES or None)
    checked = None
    if request.method == "POST" and form.is_valid():
        try:
            rows = imports.rows_read(form.cleaned_data["file"])
        except DomainError as error:
            error.add_to_form(form)
        else:
            checked = imports.rows_check(rows=rows, user=request.user, reseller=request.user.reseller)
            # Only a file without errors can be confirmed: its rows wait in the session for the confirmation.
            request.session[ROWS] = rows if not any(row.errors for row in checked) else None
    context = {
        "form": form,
        "checked": checked,
        "columns": imports.COLUMNS,
        "failing": sum(1 for row in checked or [] if row.errors),
    }
    return render(request, "customers/import.html", context)


@reseller_admin_view
@require_POST
def customer_import_confirm(request):
    rows = request.session.get(ROWS)
    if not rows:
        messages.error(request, _("Upload the file again: nothing is waiting to be imported."))
        return redirect("customer-import")
    try:
        created = imports.customers_import(rows=rows, user=request.user, reseller=request.user.reseller)
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("customer-import")
    request.session[ROWS] = None
    request.session[CREATED] = created
    messages.success(
        request,
        ngettext("%(count)d customer was created.", "%(count)d customers were created.", len(created))
        % {"count": len(created)},
    )
    return redirect("customer-import-done")


def _created(request):
    return Customer.objects.filter(pk__in=request.session.get(CREATED) or [], reseller=request.user.reseller)


@reseller_admin_view
def customer_import_done(request):
    customers = _created(request).order_by("pk")
    waiting = customers.filter(status=CustomerStatus.NOT_INVITED).count()
    return render(request, "customers/import_done.html", {"customers": customers[:100], "waiting": waiting})


@reseller_admin_view
@require_POST
def customer_import_invite(request):
    """The separate, explicit step: the invitation to every imported customer not invited yet."""
    sent = 0
    for customer in _created(request).filter(status=CustomerStatus.NOT_INVITED).order_by("pk"):
        customer_send_invitation(customer=customer, actor=request.user)
        sent += 1
    messages.success(
        request, ngettext("%(count)d invitation was sent.", "%(count)d invitations were sent.", sent) % {"count": sent}
    )
    return redirect("customer-import-done")


@reseller_admin_view
def customer_import_template(request):
    response = HttpResponse(imports.template_csv(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="customers-template.csv"'
    return response
