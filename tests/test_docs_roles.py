"""The MkDocs hook that renders numpydoc's Sphinx roles (docs/_hooks/sphinx_roles.py)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
_spec = importlib.util.spec_from_file_location("sphinx_roles", ROOT / "docs" / "_hooks" / "sphinx_roles.py")
roles = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(roles)


def test_roles_become_optional_autorefs():
    html = "see :func:<code>emgforce.io.c3d.read_c3d</code> and :class:<code>~emgforce.plates.Plate</code>."
    assert roles.render_roles(html) == (
        'see <autoref identifier="emgforce.io.c3d.read_c3d" optional><code>emgforce.io.c3d.read_c3d</code></autoref>'
        ' and <autoref identifier="emgforce.plates.Plate" optional><code>Plate</code></autoref>.'
    )


def test_call_parentheses_and_other_text_are_kept():
    out = roles.render_roles(":meth:<code>Plate.from_c3d()</code>; plain <code>x</code> and a:b:<code>c</code>")
    assert out.startswith('<autoref identifier="Plate.from_c3d" optional><code>Plate.from_c3d()</code></autoref>')
    assert out.endswith("; plain <code>x</code> and a:b:<code>c</code>")
