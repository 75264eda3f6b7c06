"""The layers hold: `core` depends on no app; the model knows no export; only the HTTP layer
imports the API package; the query layer knows no HTTP; and no project module imports another
inside a function to dodge a cycle."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
APPS = ("core", "events", "actors", "places", "explorer", "config")
# Django's own hook (AppConfig.ready) is where signal receivers and checks are connected.
READY_HOOKS = {"events/apps.py"}


def _modules(*packages: str):
    for package in packages:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text())


def _imports(tree: ast.AST, *, nested: bool = False) -> list[tuple[int, str]]:
    """(line, module) of the project imports in `tree`: at module level, or (nested) in functions."""
    found = []
    scopes = (
        [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
        if nested
        else [tree]
    )
    for scope in scopes:
        nodes = ast.walk(scope) if nested else ast.iter_child_nodes(scope)
        for node in nodes:
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            found += [(node.lineno, name) for name in names if name.split(".")[0] in APPS]
    return found


def test_core_depends_on_no_app():
    offences = [
        f"{path}:{line} imports {module}"
        for path, tree in _modules("core")
        for line, module in _imports(tree)
        if not module.startswith("core")
    ]
    assert offences == []


def test_the_event_model_knows_no_export_format():
    (_, tree), *_ = (
        _modules("events/models.py")
        if False
        else [(None, ast.parse((ROOT / "events/models.py").read_text()))]
    )
    assert [module for _, module in _imports(tree) if module.startswith("events.exports")] == []


def _http_layer(path: str) -> bool:
    """The HTTP translation: the URL configuration, the two APIs and the export endpoints."""
    return path.startswith(("config/", "events/api/", "events/acled_api/")) or (
        path.startswith("events/exports/") and path.endswith("views.py")
    )


def test_only_the_http_layer_imports_the_api_package():
    offences = [
        f"{path}:{line} imports {module}"
        for path, tree in _modules(*APPS)
        if not _http_layer(path)
        for line, module in _imports(tree)
        if module.startswith("events.api")
    ]
    assert offences == []


# The query layer every surface pages events through (the API, the admin): no HTTP in it.
QUERY_LAYER = ("events/paging.py",)
HTTP_PACKAGES = ("rest_framework", "drf_spectacular", "core.api", "events.api", "events.acled_api")


def test_the_query_layer_imports_nothing_of_the_http_layer():
    offences = [
        f"{path}:{node.lineno} imports {name}"
        for path in QUERY_LAYER
        for node in ast.walk(ast.parse((ROOT / path).read_text()))
        for name in _imported_names(node)
        if any(name == package or name.startswith(f"{package}.") for package in HTTP_PACKAGES)
    ]
    assert offences == []


def _imported_names(node: ast.AST) -> list[str]:
    """Every module an import statement names, the project's or a library's."""
    if isinstance(node, ast.ImportFrom) and node.module:
        return [node.module]
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    return []


def test_no_project_module_imports_another_inside_a_function():
    offences = [
        f"{path}:{line} imports {module}"
        for path, tree in _modules(*APPS)
        if path not in READY_HOOKS
        for line, module in _imports(tree, nested=True)
    ]
    assert offences == []
