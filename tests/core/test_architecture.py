"""Architecture guardrails (STYLE §1–§3), read from the source with `ast`, never with grep.

(a) Views fetch single objects only through the scope chokepoints (STYLE §3: `get_in_scope_or_404`, a selector
    that starts from the scope): no module of any views layer calls `.objects.get(` (or `.get(` anywhere down a
    chain that starts at a manager) nor `get_object_or_404`. A views layer is whatever serves a URL, whatever its
    file name: every `views.py`, every module of a `views/` package, and every module that defines a view the
    URL resolver reaches (walked from the root URLconf, so a view module named otherwise cannot hide).
(b) The split rule (STYLE §1): no module longer than 500 lines and no function longer than 60 lines, outside
    tests, bench and migrations.
"""

import ast
import inspect
import os
import shutil
import subprocess
import sys
from pathlib import Path

from django.urls import URLPattern, URLResolver, get_resolver

ROOT = Path(__file__).resolve().parents[2]
# Never project code: the virtualenv, npm packages, caches and generated files.
NOT_PROJECT = {".venv", "venv", "node_modules", "var", "static", "staticfiles", "__pycache__"}
# Code the size rule (b) does not cover.
NOT_SIZED = {"tests", "bench", "migrations"}
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 60
MANAGERS = {"objects", "_default_manager", "_base_manager"}


def project_files() -> list[Path]:
    """Every .py file of the project (hidden directories, the virtualenv and npm packages left out)."""
    found = []
    for directory, subdirectories, files in os.walk(ROOT):
        subdirectories[:] = [d for d in subdirectories if d not in NOT_PROJECT and not d.startswith(".")]
        found += [Path(directory, name) for name in files if name.endswith(".py")]
    return sorted(found)


def _in_project(path: Path) -> bool:
    try:
        parts = path.relative_to(ROOT).parts
    except ValueError:
        return False  # Django's own views (admin, auth) live in site-packages
    return not any(part in NOT_PROJECT or part.startswith(".") for part in parts[:-1])


def _callbacks(patterns):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            yield from _callbacks(entry.url_patterns)
        elif isinstance(entry, URLPattern):
            yield entry.callback


def _defining_file(callback) -> Path | None:
    """The file that defines a view: the class of a class-based view, the function under its decorators."""
    view = getattr(callback, "view_class", None) or inspect.unwrap(callback)
    module = sys.modules.get(getattr(view, "__module__", ""))
    filename = getattr(module, "__file__", None)
    return Path(filename).resolve() if filename else None


def modules_behind_urls() -> set[Path]:
    """Every project module that defines a view some URL of the root URLconf reaches."""
    files = {_defining_file(callback) for callback in _callbacks(get_resolver().url_patterns)}
    return {path for path in files if path is not None and _in_project(path)}


def view_modules() -> list[Path]:
    by_name = {p for p in project_files() if p.name == "views.py" or "views" in p.relative_to(ROOT).parts[:-1]}
    by_name = {p for p in by_name if "tests" not in p.relative_to(ROOT).parts}
    return sorted(by_name | modules_behind_urls())


def _through_a_manager(node: ast.AST) -> bool:
    """The expression is a chain that passes through a model manager: `X.objects`, `X.objects.filter(...)`, …"""
    while True:
        if isinstance(node, ast.Attribute):
            if node.attr in MANAGERS:
                return True
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            return False


def unscoped_fetches(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, what) for every `<manager chain>.get(` call and every use of `get_object_or_404`."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "get" \
                and _through_a_manager(node.func.value):
            found.append((node.lineno, ".objects.get("))
        elif isinstance(node, ast.Name) and node.id == "get_object_or_404":
            found.append((node.lineno, "get_object_or_404"))
        elif isinstance(node, ast.Attribute) and node.attr == "get_object_or_404":
            found.append((node.lineno, "get_object_or_404"))
        elif isinstance(node, ast.ImportFrom) and any(alias.name == "get_object_or_404" for alias in node.names):
            found.append((node.lineno, "import get_object_or_404"))
    return found


# --- (a) views fetch through the scope --------------------------------------------------------------------

def test_the_check_sees_every_unscoped_fetch():
    tree = ast.parse(
        "from django.shortcuts import get_object_or_404\n"
        "def a(request, pk):\n    return Notice.objects.get(pk=pk)\n"
        "def b(request, pk):\n    return Notice.objects.select_related('village').filter(x=1).get(pk=pk)\n"
        "def c(request, pk):\n    return get_object_or_404(Notice, pk=pk)\n"
        "def d(request, pk):\n    return shortcuts.get_object_or_404(Notice, pk=pk)\n"
        "def e(request, pk):\n    return Notice._default_manager.get(pk=pk)\n"
        "def fine(request):\n    return request.GET.get('q'), {}.get('x'), notice.snapshot.get('contact')\n")
    assert sorted(line for line, _what in unscoped_fetches(tree)) == [1, 3, 5, 7, 9, 11]


def test_the_walk_finds_every_views_layer():
    """The URL walk reaches modules that the file names alone would miss, and those of the ground floor."""
    found = {p.relative_to(ROOT).as_posix() for p in view_modules()}
    assert {"households/views.py", "publicity/views.py", "sunshine_credit/views.py"} <= found
    behind_urls = {p.relative_to(ROOT).as_posix() for p in modules_behind_urls()}
    assert "publicity/views.py" in behind_urls and "sunshine_credit/views.py" in behind_urls
    assert not any(name.startswith(".venv") or "/site-packages/" in name for name in behind_urls)


def test_views_never_fetch_outside_the_scope():
    """Views fetch single objects only through the scope chokepoint (STYLE §3), in every views module."""
    offenders = []
    for path in view_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        offenders += [f"{path.relative_to(ROOT)}:{line} {what}" for line, what in unscoped_fetches(tree)]
    assert offenders == [], "views fetch outside the scope chokepoints (STYLE §3):\n" + "\n".join(offenders)


# --- (b) the split rule -----------------------------------------------------------------------------------

def sized_files() -> list[Path]:
    return [p for p in project_files() if not NOT_SIZED & set(p.relative_to(ROOT).parts)]


def oversize(path: Path) -> list[str]:
    text = path.read_text(encoding="utf-8")
    name = path.relative_to(ROOT).as_posix()
    problems = []
    lines = len(text.splitlines())
    if lines > MAX_MODULE_LINES:
        problems.append(f"{name}: {lines} lines")
    for node in ast.walk(ast.parse(text, filename=str(path))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            length = node.end_lineno - node.lineno + 1
            if length > MAX_FUNCTION_LINES:
                problems.append(f"{name}:{node.lineno} {node.name}() {length} lines")
    return problems


def test_the_size_check_measures_modules_and_functions(tmp_path, monkeypatch):
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    body = "\n".join(f"    x{i} = {i}" for i in range(60))
    (tmp_path / "big.py").write_text("def long():\n" + body + "\n" + "\n" * 450, encoding="utf-8")
    assert oversize(tmp_path / "big.py") == ["big.py: 511 lines", "big.py:1 long() 61 lines"]


def test_no_module_over_500_lines_and_no_function_over_60():
    files = sized_files()
    assert any(p.relative_to(ROOT).as_posix() == "sunshine_credit/scoping.py" for p in files)
    problems = [problem for path in files for problem in oversize(path)]
    assert problems == [], "split these (STYLE §1):\n" + "\n".join(problems)


# --- the chain (STYLE §1): import-linter's layers contract in pyproject.toml ----------------------------------

APPS = ("sunshine_credit", "households", "surveys", "appraisal", "publicity", "guarantee_groups", "credit_use", "post_loan",
        "supervision")


def _copy_of_the_code(target: Path) -> None:
    """The apps' Python modules and pyproject.toml, without templates, static files or the virtualenv."""
    for app in APPS:
        shutil.copytree(ROOT / app, target / app, ignore=shutil.ignore_patterns("templates", "static", "locale",
                                                                               "__pycache__", "*.html", "*.txt"))
    shutil.copy(ROOT / "pyproject.toml", target / "pyproject.toml")


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    lint = Path(sys.executable).with_name("lint-imports")
    return subprocess.run([str(lint), "--no-cache"], cwd=cwd, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "PYTHONPATH": str(cwd)})


def test_the_chain_holds_and_a_wrong_import_breaks_it(tmp_path):
    """lint-imports keeps the contract on the code as it is, and fails once households imports credit_use."""
    _copy_of_the_code(tmp_path)
    kept = _lint_imports(tmp_path)
    assert kept.returncode == 0, kept.stdout[-3000:] + kept.stderr[-2000:]
    (tmp_path / "households" / "wrong_way.py").write_text("from credit_use.models import CreditLine  # noqa\n")
    broken = _lint_imports(tmp_path)
    assert broken.returncode != 0
    assert "households.wrong_way -> credit_use.models" in broken.stdout
