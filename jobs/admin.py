from django.contrib import admin

from resellerconsole.admin import AuditedAdmin

from .models import JobRun


@admin.register(JobRun)
class JobRunAdmin(AuditedAdmin):
    list_display = ["job", "business_date", "source", "finished_at", "duration_ms", "counts", "dry_run"]
    list_filter = ["job", "source", "dry_run"]
    date_hierarchy = "finished_at"
    readonly_fields = [f.name for f in JobRun._meta.fields]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
