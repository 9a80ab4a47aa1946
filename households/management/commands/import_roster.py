from households.services.roster import roster_import_run
from sunshine_credit.commands import ImportCommand
from sunshine_credit.scoping import activate


class Command(ImportCommand):
    help = "Import a police-roll roster (.xlsx, SPEC §11 template). All or nothing; re-importing changes nothing."

    def run(self, **options):
        path = self.input_path(options)
        scope, user = self.acting(options)
        sheet = self.read_sheet(path)
        with activate(scope):
            item = roster_import_run(scope=scope, actor=user, name=path.name, sheet=sheet,
                                     dry_run=options["dry_run"])
        return self.outcome({"import_id": item.pk, "file": path.name, "sha256": item.sha256, "status": item.status,
                             "dry_run": options["dry_run"], "rows": item.rows_total, "summary": item.summary,
                             "errors": item.errors, "blacklist_hits": item.blacklist_hits})
