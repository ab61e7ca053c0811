"""Admin building blocks shared by the apps: most of our data changes only through the services."""

import json

from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.utils.translation import gettext_lazy as _

#: Form fields whose values never go into the change log.
SECRET_FIELDS = frozenset({"password", "password1", "password2"})


def _logged(value) -> str:
    if isinstance(value, list | tuple | set):
        return ", ".join(sorted(str(item) for item in value))
    return "" if value is None else str(value)


class AuditedAdmin(admin.ModelAdmin):
    """A model the admin may change: never deleted, and every change logged with its before and after values.

    Django's change log names the changed fields; the values are added to the same entry (LogEntry's message
    keeps unknown keys), so the admin's history page and the log entry list show who changed what from what.
    """

    def has_delete_permission(self, request, obj=None) -> bool:
        # Domain records are deactivated, withdrawn or returned, never deleted: history must stay whole.
        return False

    def construct_change_message(self, request, form, formsets, add=False):
        message = super().construct_change_message(request, form, formsets, add)
        changed = [name for name in form.changed_data if name not in SECRET_FIELDS]
        if changed:
            message.append(
                {
                    "values": {
                        name: [_logged(None if add else form.initial.get(name)), _logged(form.cleaned_data.get(name))]
                        for name in changed
                    }
                }
            )
        return message


@admin.register(LogEntry)
class LogEntryAdmin(admin.ModelAdmin):
    """Every change made in this admin: who, when, which object, and the values before and after."""

    list_display = ["action_time", "user", "content_type", "object_repr", "action_flag", "values"]
    list_filter = ["action_flag", "content_type", ("user", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["user", "content_type"]
    search_fields = ["object_repr", "user__username"]
    date_hierarchy = "action_time"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.display(description=_("before → after"))
    def values(self, entry: LogEntry) -> str:
        try:
            parts = json.loads(entry.change_message or "[]")
        except ValueError:
            return entry.change_message
        shown = [
            f"{name}: {before or '—'} → {after or '—'}"
            for part in (parts if isinstance(parts, list) else [])
            if isinstance(part, dict)
            for name, (before, after) in (part.get("values") or {}).items()
        ]
        return "; ".join(shown) or entry.get_change_message()


class ReadOnlyAdmin(admin.ModelAdmin):
    """A model shown in the admin for reading and searching; changes go through the console and API."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
