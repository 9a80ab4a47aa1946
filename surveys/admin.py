"""Read-mostly admin for superusers. Respondents' names and phones are left out (S1: not even administrators)."""

from django.contrib import admin

from .models import Campaign, LimitResult, Questionnaire, Respondent, RespondentDraw, SurveyImport


@admin.register(Campaign)
class CampaignAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "head_office", "method", "min_respondents", "reference_date"]
    list_filter = ["method"]
    search_fields = ["code", "name"]
    raw_id_fields = ["head_office", "created_by"]
    filter_horizontal = ["survey_team"]
    readonly_fields = ["created_at", "created_by", "version"]


@admin.register(Respondent)
class RespondentAdmin(admin.ModelAdmin):
    list_display = ["code", "village", "kind", "active"]
    list_filter = ["kind", "active"]
    search_fields = ["code"]
    raw_id_fields = ["village"]
    exclude = ["name", "phone"]


@admin.register(RespondentDraw)
class RespondentDrawAdmin(admin.ModelAdmin):
    list_display = ["campaign", "village", "size", "seed", "drawn_by", "drawn_at"]
    readonly_fields = ["campaign", "village", "seed", "size", "respondents", "drawn_by", "drawn_at"]

    def has_add_permission(self, request):
        return False  # S1: a draw is made by the service, which records its seed


@admin.register(Questionnaire)
class QuestionnaireAdmin(admin.ModelAdmin):
    list_display = ["campaign", "household", "respondent", "amount", "surveyor", "surveyed_on"]
    raw_id_fields = ["campaign", "household", "respondent", "representative", "surveyor"]


@admin.register(LimitResult)
class LimitResultAdmin(admin.ModelAdmin):
    list_display = ["campaign", "household", "status", "amount", "computed_at"]
    list_filter = ["status"]
    raw_id_fields = ["campaign", "household", "dropped_high", "dropped_low"]


@admin.register(SurveyImport)
class SurveyImportAdmin(admin.ModelAdmin):
    list_display = ["pk", "campaign", "status", "created_at"]
    readonly_fields = [f.name for f in SurveyImport._meta.fields]
