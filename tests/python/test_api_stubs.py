"""The typing stubs (kerasrt/__init__.pyi) describe the module as built: same names, same parameters."""

import ast
import pathlib
import re

import pytest

import kerasrt

STUB = pathlib.Path(kerasrt.__file__).with_name("__init__.pyi")


def _stub():
    return ast.parse(STUB.read_text())


def _runtime_parameters(function):
    """Parameter names from the signature line pybind11 puts first in the docstring."""
    first = function.__doc__.splitlines()[0]
    inside = first[first.index("(") + 1:first.rindex(")")]
    parts = [part.strip() for part in re.split(r",(?![^\[]*\])", inside)]
    names = [re.match(r"\**(\w+)", part).group(1) for part in parts if part and part != "*"]
    return [n for n in names if n != "self"]


def _stub_parameters(node):
    args = node.args
    names = [a.arg for a in args.posonlyargs + args.args + args.kwonlyargs]
    return [n for n in names if n != "self"]


def test_stub_is_installed_beside_the_module():
    assert STUB.exists() and STUB.with_name("py.typed").exists()


def test_module_level_names():
    stub = _stub()
    defined = {n.name for n in stub.body if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    public = set(kerasrt.__all__) - {"__version__"}
    assert defined == public
    for node in stub.body:
        if isinstance(node, ast.FunctionDef):
            assert _stub_parameters(node) == _runtime_parameters(getattr(kerasrt, node.name)), node.name
            assert ast.get_docstring(node) and getattr(kerasrt, node.name).__doc__


def test_model_members():
    model_stub = next(n for n in _stub().body if isinstance(n, ast.ClassDef) and n.name == "Model")
    stubbed = {n.name: n for n in model_stub.body if isinstance(n, ast.FunctionDef)}
    runtime = {name for name in dir(kerasrt.Model) if not name.startswith("_")} | {"__call__"}
    assert set(stubbed) == runtime
    for name, node in stubbed.items():
        member = getattr(kerasrt.Model, name)
        assert ast.get_docstring(node), name
        assert member.__doc__, name
        if isinstance(member, property):
            assert any(isinstance(d, ast.Name) and d.id == "property" for d in node.decorator_list), name
        else:
            assert _stub_parameters(node) == _runtime_parameters(member), name


@pytest.mark.parametrize("name", ["Error", "TensorSpec"])
def test_classes(name):
    stub_class = next(n for n in _stub().body if isinstance(n, ast.ClassDef) and n.name == name)
    assert ast.get_docstring(stub_class)
    if name == "TensorSpec":
        fields = [n.target.id for n in stub_class.body if isinstance(n, ast.AnnAssign)]
        assert tuple(fields) == kerasrt.TensorSpec._fields
