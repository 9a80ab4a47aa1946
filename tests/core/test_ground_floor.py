"""STYLE §1: the ground floor (sunshine_credit/) imports no domain app, and its models do not import scoping.

Imports run one way (households ← surveys ← appraisal ← publicity ← credit_use ← guarantee_groups ←
supervision) and every app may import the ground floor; the ground floor names none of them. The root
URLconf is the composition root and settings lists the apps: those two are the exceptions. A late import
inside a function counts as much as one at the top, and so does a model looked up by its app label.
"""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
GROUND = ROOT / "sunshine_credit"
DOMAIN_APPS = {"households", "surveys", "appraisal", "publicity", "credit_use", "guarantee_groups", "drawdowns",
               "supervision"}
EXCEPTIONS = {"sunshine_credit/urls.py", "sunshine_credit/settings.py"}


def ground_modules() -> list[Path]:
    return sorted(p for p in GROUND.rglob("*.py") if p.relative_to(ROOT).as_posix() not in EXCEPTIONS)


def _top(name: str | None) -> str:
    return (name or "").split(".")[0]


def imported_modules(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) for every absolute import, importlib.import_module("…") and apps.get_model("app", …)."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            found.append((node.lineno, node.module or ""))
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in ("import_module", "get_model", "get_app_config") and isinstance(node.args[0].value, str):
                found.append((node.lineno, node.args[0].value))
    return found


def test_the_walk_finds_the_ground_floor():
    names = {p.relative_to(ROOT).as_posix() for p in ground_modules()}
    assert {"sunshine_credit/models.py", "sunshine_credit/scoping.py", "sunshine_credit/audit.py"} <= names


def test_the_check_sees_every_kind_of_import():
    tree = ast.parse("import households.models\nfrom surveys.models import Campaign\n"
                     "def f():\n    from credit_use import selectors\n    apps.get_model('publicity', 'Notice')\n"
                     "    import_module('supervision.demo')\nfrom .models import Role\n")
    assert {_top(m) for _line, m in imported_modules(tree)} == {
        "households", "surveys", "credit_use", "publicity", "supervision"}


@pytest.mark.parametrize("path", ground_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_the_ground_floor_imports_no_domain_app(path):
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    offending = [f"{path.relative_to(ROOT)}:{line} {module}" for line, module in imported_modules(tree)
                 if _top(module) in DOMAIN_APPS]
    assert not offending, "the ground floor imports a domain app (STYLE §1):\n" + "\n".join(offending)


def test_models_do_not_import_scoping():
    """scoping builds on the models (StaffProfile, Village); the models never reach back (no cycle)."""
    tree = ast.parse((GROUND / "models.py").read_text(encoding="utf-8"))
    imports = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if node.level:  # from .scoping import …, from . import scoping
                imports += [module] if module else [alias.name for alias in node.names]
            else:
                imports.append(module.removeprefix("sunshine_credit."))
                imports += [alias.name for alias in node.names if module == "sunshine_credit"]
        elif isinstance(node, ast.Import):
            imports += [alias.name.removeprefix("sunshine_credit.") for alias in node.names]
    assert not [m for m in imports if m.split(".")[0] == "scoping"]
