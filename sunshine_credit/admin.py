"""Set-up screens for the system administrator (superusers): org tree, staff, blacklist."""

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
    list_display = ["name", "reason", "source", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name", "id_number"]
    exclude = ["created_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    list_display = ["id", "task_name", "status", "progress", "created_at", "finished_at"]
    list_filter = ["status"]
    readonly_fields = [f.name for f in Job._meta.fields]
