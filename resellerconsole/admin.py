"""Admin building blocks shared by the apps: most of our data changes only through the services."""

import json
from functools import cached_property
from typing import cast

from django.conf import settings
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.models import LogEntry
from django.core.paginator import Paginator
from django.db import connections
from django.db.models import QuerySet
from django.utils.html import format_html
from django.utils.translation import gettext as django_admin_text  # not extracted: the msgid is Django's
from django.utils.translation import gettext_lazy as _

from .querying import planned_rows

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


class EstimatedCountPaginator(Paginator):
    """Pages of a table of millions of rows without counting them all for each page (issue 15).

    Up to `EXACT_UP_TO` rows the count is exact (it reads no more than that many); beyond, on PostgreSQL, it is the
    planner's estimate of the filtered rows, shown as "about …". The admin's own paginator counted every row for
    each page, and once more for the unfiltered total.
    """

    EXACT_UP_TO = 10_000
    estimated = False

    @cached_property
    def count(self) -> int:
        queryset = cast(QuerySet, self.object_list)  # the admin pages a queryset
        connection = connections[queryset.db]
        if connection.vendor != "postgresql":
            return super().count
        unordered = queryset.order_by()
        exact = unordered[: self.EXACT_UP_TO + 1].count()
        if exact <= self.EXACT_UP_TO:
            return exact
        self.estimated = True
        return max(exact, planned_rows(unordered) or 0)


class LargeTableAdmin(admin.ModelAdmin):
    """A changelist over a table that grows with the customers (up to millions of rows), for one operator at a time
    well under 300 ms: no full count (`EstimatedCountPaginator`, no unfiltered total), and subclasses list only
    what an index serves — a sort by an index, filters of fixed choices or dates (never the distinct values of a
    column, nor a date hierarchy: both read the whole table), searches on indexed columns."""

    paginator = EstimatedCountPaginator
    show_full_result_count = False
    # Rendering the rows is most of a page once the queries are cheap (~2 ms a row: links, filters kept in each
    # link, formatted values); an operator searches rather than reads page after page.
    list_per_page = 50

    def action_checkbox(self, obj):
        """Django's row checkbox, the same HTML, without rendering a form widget's template for each row (a
        fifth of an outbox page at 1,000,000 customers: ~0.5 ms a row)."""
        # Django's admin's own text and translation (its catalogue, not ours: so not named gettext here).
        label = format_html(django_admin_text("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )


class LanguageListFilter(admin.SimpleListFilter):
    """The console's languages as filter choices, without reading the distinct values of the column."""

    title = _("language")
    parameter_name = "language"

    def lookups(self, request, model_admin):
        return settings.LANGUAGES

    def queryset(self, request, queryset):
        return queryset.filter(language=self.value()) if self.value() else queryset
