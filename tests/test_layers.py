"""Dependencies point one way: each area imports only from the areas below it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"

# Lowest first. A module may import from its own package and from lower layers only.
LAYERS = [
    {
        "app.backup",
        "app.config",
        "app.database",
        "app.error_pages",
        "app.errors",
        "app.extensions",
        "app.formatting",
        "app.history",
        "app.forms",
        "app.i18n",
        "app.immutability",
        "app.loading",
        "app.pagination",
        "app.ratelimit_storage",
        "app.request_guard",
        "app.runtime",
        "app.rendering",
        "app.safe_redirect",
        "app.text",
        "app.time_zones",
    },
    {"app.jobs", "app.audit"},
    # app.search.queue only puts index updates in the outbox, so every service may call it.
    {"app.mail", "app.search.queue"},
    {"app.auth"},
    {"app.drafting"},
    {"app.translation"},
    {"app.consultation"},
    {"app.committee"},
    {"app.publishing"},
    {"app.search"},
]
# Views, the API, the CLI, the demo, the personal-data export, the benchmark corpus, the
# serving processes' settings (runtime) and the app factory sit on top and may import anything.
TOP = {
    "app",
    "app.api",
    "app.benchcorpus",
    "app.cli",
    "app.data_export",
    "app.demo",
    "app.models",
    "app.web",
}
TOP_MODULE_NAMES = ("views", "cli")


def _package(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2])


def _layer(module: str) -> int | None:
    """Return the layer index of a module; None for the top (views and friends)."""
    package = _package(module)
    last = module.rsplit(".", 1)[-1]
    if package in TOP or module in TOP or last in TOP_MODULE_NAMES or last.endswith("_views"):
        return None
    for index, layer in enumerate(LAYERS):
        if package in layer or module in layer:
            return index
    raise AssertionError(
        f"{module} is in no layer: add its package to LAYERS or TOP in tests/test_layers.py"
    )


def _module_name(path: Path) -> str:
    relative = path.relative_to(APP.parent).with_suffix("")
    parts = list(relative.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path, module: str) -> set[str]:
    """Return every app module the file imports, at the top or inside a function."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names if target == "app")
    return {name for name in found if name == "app" or name.startswith("app.")}


def _is_upward(layer: int, target_layer: int | None) -> bool:
    """The shared base modules may use each other; areas only what lies below them."""
    if target_layer is None:
        return True
    return target_layer > layer or (target_layer == layer and layer != 0)


def _upward_imports() -> list[str]:
    problems = []
    for path in sorted(APP.rglob("*.py")):
        module = _module_name(path)
        layer = _layer(module)
        if layer is None:
            continue
        for target in sorted(_imports(path, module)):
            if target == "app" or _package(target) == _package(module):
                continue
            if _is_upward(layer, _layer(target)):
                problems.append(f"{module} imports {target}")
    return problems


def test_no_area_imports_an_area_above_it_or_a_view():
    assert _upward_imports() == []


@pytest.mark.parametrize(
    ("source", "module", "upward"),
    [
        ("from app.web import utc_iso\n", "app.committee.ballots", True),
        ("def f():\n    from app.committee import service\n", "app.consultation.service", True),
        ("from app.auth.permissions import is_staff\n", "app.audit.service", True),
        ("from app.drafting.models import Standard\n", "app.consultation.service", False),
        ("from . import tally\n", "app.committee.ballots", False),
    ],
)
def test_the_check_sees_upward_imports(tmp_path, source, module, upward):
    path = tmp_path / "module.py"
    path.write_text(source, encoding="utf-8")
    layer = _layer(module)
    targets = [t for t in _imports(path, module) if t != "app" and _package(t) != _package(module)]
    assert any(_is_upward(layer, _layer(t)) for t in targets) is upward
