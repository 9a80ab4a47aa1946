"""Set-up screens for the system administrator (superusers): org tree, staff; the blacklist read-only."""

from django.contrib import admin

from .models import BlacklistEntry, Branch, HeadOffice, Job, StaffProfile, Village, VillageGroup


@admin.register(HeadOffice)
class HeadOfficeAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "head_office", "approval_authority"]
    search_fields = ["code", "name"]


class VillageGroupInline(admin.TabularInline):
    model = VillageGroup
    extra = 0


@admin.register(Village)
class VillageAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "branch", "kind"]
    list_filter = ["branch", "kind"]
    search_fields = ["code", "name"]
    filter_horizontal = ["officers"]
    inlines = [VillageGroupInline]


@admin.register(StaffProfile)
class StaffProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "branch"]
    list_filter = ["role", "branch"]
    raw_id_fields = ["user"]


@admin.register(BlacklistEntry)
class BlacklistEntryAdmin(admin.ModelAdmin):
    """Read-only (C4, R2): entries are added, settled and imported on the blacklist pages, and leave the list only
    by maker-checker or on their erase date (post_loan.services.blacklist). Kept registered rather than removed so
    that the superuser can still look an entry up while setting things up; no add, change or delete here, which
    would let one person take an entry off alone (the incident of issue 16)."""

    list_display = ["name", "reason", "source", "active", "erase_on", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "=id_number"]
    readonly_fields = [f.name for f in BlacklistEntry._meta.fields]
    actions = None

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "task_name", "status", "progress", "created_at", "finished_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in Job._meta.fields]
