from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from resellerconsole.errors import DomainError

from . import services
from .decorators import reseller_admin_view
from .forms import StaffActiveForm, StaffMemberForm
from .models import User


@reseller_admin_view
def staff_list(request):
    form = StaffMemberForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = services.staff_member_create(
                reseller=request.user.reseller,
                actor=request.user,
                username=form.cleaned_data["username"],
                email=form.cleaned_data["email"],
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                role=form.cleaned_data["role"],
                password=form.cleaned_data["password1"],
            )
        except DomainError as error:
            error.add_to_form(form)
        else:
            messages.success(request, _("%(name)s can now sign in.") % {"name": member.get_full_name()})
            return redirect("staff-list")
    staff = User.objects.filter(reseller=request.user.reseller).order_by("-is_active", "last_name", "first_name")
    return render(request, "accounts/staff_list.html", {"staff": staff, "form": form})


@reseller_admin_view
@require_POST
def staff_set_active(request, pk: int):
    member = get_object_or_404(User, pk=pk, reseller=request.user.reseller)
    form = StaffActiveForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["active"]))
        return redirect("staff-list")
    active = form.cleaned_data["active"] == "1"
    try:
        services.staff_member_set_active(member=member, actor=request.user, active=active)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            (_("%(name)s can sign in again.") if active else _("%(name)s can no longer sign in."))
            % {"name": member.get_full_name()},
        )
    return redirect("staff-list")
