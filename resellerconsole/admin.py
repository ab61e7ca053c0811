"""Admin building blocks shared by the apps: most of our data changes only through the services."""

from django.contrib import admin


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
