"""Front-end packages come from the npm registry (package.json, locked in package-lock.json, installed by
`make assets`) and are served from node_modules/<package>/dist as static/vendor/<package>/: never copied into
the repository. Bootstrap serves every page; ECharts the V1 dashboards (static/js/overview_charts.js)."""

import json
import os
import re
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.templatetags.static import static

ROOT = Path(__file__).resolve().parents[2]
# package -> a file every page (or the dashboards) loads from it
VENDOR = {"bootstrap": "css/bootstrap.min.css", "echarts": "echarts.min.js"}


def package_json() -> dict:
    return json.loads((ROOT / "package.json").read_text())


def test_every_npm_dependency_is_pinned_and_locked():
    dependencies = package_json()["dependencies"]
    lock = json.loads((ROOT / "package-lock.json").read_text())["packages"]
    assert set(VENDOR) <= set(dependencies)
    for name, version in dependencies.items():
        assert re.fullmatch(r"\d+\.\d+\.\d+", version), f"{name} {version!r}: pin an exact version"
        assert lock[""]["dependencies"][name] == version, f"package-lock.json is stale for {name}"
        assert lock[f"node_modules/{name}"]["version"] == version


@pytest.mark.parametrize("package", sorted(VENDOR))
def test_vendor_files_are_found_by_staticfiles_from_node_modules(package):
    found = finders.find(f"vendor/{package}/{VENDOR[package]}")
    assert found, f"run `make assets`: vendor/{package} is not served"
    dist = ROOT / "node_modules" / package / "dist"
    assert Path(found).resolve().is_relative_to(dist.resolve())
    installed = json.loads((ROOT / "node_modules" / package / "package.json").read_text())["version"]
    assert installed == package_json()["dependencies"][package], f"run `make assets`: {package} {installed} installed"


def test_no_vendor_file_is_copied_into_the_repository():
    skip = {".venv", "venv", "node_modules", "staticfiles", "var", ".git", "__pycache__"}
    copied = []
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [d for d in subdirectories if d not in skip]
        copied += [Path(directory, name) for name in files
                   if re.match(r"(echarts|bootstrap)(\.|$)", name) and name.endswith((".js", ".css", ".mjs"))]
    assert copied == []


def test_the_dashboard_scripts_load_echarts_before_our_drawing():
    html = render_to_string("supervision/includes/overview_chart_scripts.html")
    echarts, ours = static("vendor/echarts/echarts.min.js"), static("js/overview_charts.js")
    assert f'src="{echarts}"' in html and f'src="{ours}"' in html
    assert html.index(echarts) < html.index(ours)
    assert finders.find("js/overview_charts.js")


@pytest.mark.parametrize(("chart", "labels"), [
    ("coverage", {"archive", "precredit", "target"}),
    ("stages", {"actual", "planned"}),
    ("grades", set()),
    ("trend", {"archive", "precredit", "outstanding", "par30"}),
])
def test_a_chart_box_carries_its_translated_texts(chart, labels):
    # The script holds no words: the box brings "no data" and the series names, translated by the template.
    html = render_to_string("supervision/includes/overview_chart.html", {"chart": chart})
    assert f'data-chart="{chart}"' in html
    assert re.search(r'data-empty="[^"]+"', html)
    assert set(re.findall(r'data-label-(\w+)="[^"]+"', html)) == labels
