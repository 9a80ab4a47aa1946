from django.contrib import admin

from .models import ExistingLoan, Household, Member, RosterImport


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = ["code", "village", "group", "archive_status"]
    list_filter = ["archive_status"]
    search_fields = ["code"]
    raw_id_fields = ["village", "group", "representative", "updated_by"]


@admin.register(RosterImport)
class RosterImportAdmin(admin.ModelAdmin):
    list_display = ["file_name", "status", "rows_total", "created_by", "created_at"]
    readonly_fields = [f.name for f in RosterImport._meta.fields]


admin.site.register(Member, raw_id_fields=["household"], exclude=["id_number"])
admin.site.register(ExistingLoan, raw_id_fields=["member"])
