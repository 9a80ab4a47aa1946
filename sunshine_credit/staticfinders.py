"""Front-end packages from the npm registry (package.json; `npm ci`, run by the Makefile) served as
static/vendor/<package>/…, never copied into the repository.

Only the files the templates load are found (and collected by `collectstatic`), with the source maps they name:
ECharts' dist/ alone is 51 MB of builds we do not use, which whitenoise would compress twice on every release.
"""

from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import BaseFinder
from django.core.files.storage import FileSystemStorage

# package → the files of its dist/ that are served
VENDOR_FILES = {
    "bootstrap": ("css/bootstrap.min.css", "css/bootstrap.min.css.map", "js/bootstrap.bundle.min.js",
                  "js/bootstrap.bundle.min.js.map"),
    "echarts": ("echarts.min.js",),
}


def _dist(package: str) -> Path:
    return Path(settings.BASE_DIR) / "node_modules" / package / "dist"


class VendorFinder(BaseFinder):
    def find(self, path, find_all=False, **kwargs):
        found = []
        for package, files in VENDOR_FILES.items():
            prefix = f"vendor/{package}/"
            if path.startswith(prefix) and path[len(prefix):] in files:
                candidate = _dist(package) / path[len(prefix):]
                if candidate.is_file():
                    if not find_all:
                        return str(candidate)
                    found.append(str(candidate))
        return found if find_all else []

    def list(self, ignore_patterns):
        for package, files in VENDOR_FILES.items():
            if not _dist(package).is_dir():
                continue
            storage = FileSystemStorage(location=str(_dist(package)))
            storage.prefix = f"vendor/{package}"
            for name in files:
                if storage.exists(name):
                    yield name, storage
