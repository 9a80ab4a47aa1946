from django.core.exceptions import PermissionDenied
from django.core.management.base import CommandError
from django_scopes import scopes_disabled

from sunshine_credit.commands import ImportCommand
from sunshine_credit.scoping import activate
from surveys.selectors import campaign_for_import
from surveys.services.imports import survey_import_run


class Command(ImportCommand):
    help = ("Import questionnaires (.xlsx, SPEC §11 survey template) into a campaign, as --user (the surveyor). "
            "All or nothing; re-importing the same file changes nothing.")

    def add_import_arguments(self, parser):
        parser.add_argument("campaign", help="campaign code")

    def run(self, **options):
        path = self.input_path(options)
        scope, user = self.acting(options)
        if user is None:
            # S2: the surveyor is recorded from the person importing; the system cannot be one.
            raise CommandError("name the surveyor with --user")
        with scopes_disabled():
            campaign = campaign_for_import(scope=scope, code=options["campaign"])
        if campaign is None:
            raise CommandError(f"no such campaign in your head office: {options['campaign']}")
        sheet = self.read_sheet(path)
        try:
            with activate(scope):
                item = survey_import_run(scope=scope, actor=user, campaign=campaign, name=path.name, sheet=sheet,
                                         dry_run=options["dry_run"])
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from None
        # Codes and counts only: a respondent's name never reaches a report (S1).
        return self.outcome({"import_id": item.pk, "campaign": campaign.code, "file": path.name,
                             "sha256": item.sha256, "status": item.status, "dry_run": options["dry_run"],
                             "rows": item.rows_total, "summary": item.summary, "errors": item.errors})

    def describe(self, payload):
        if not payload.get("errors") and "summary" in payload:
            s = payload["summary"]
            return (f"{payload['status']}: {payload['rows']} 行；新问卷 {s.get('questionnaires_created', s.get('rows_new'))}，"
                    f"未变 {s.get('rows_unchanged')}，新调查对象 {s.get('respondents_new')}")
        return super().describe(payload)
