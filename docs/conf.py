"""Sphinx configuration for the Quart documentation.

The site builds offline (no intersphinx) with the default alabaster theme, and
CI treats every warning as an error:
``sphinx-build -W --keep-going -b html docs docs/_build/html``.
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

from sphinx.domains.python import PyXRefRole

if TYPE_CHECKING:
    from sphinx.application import Sphinx

# Import the package from the working tree, so the docs build without
# ``pip install``.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))

project = "Quart"
author = "The Quart contributors"
copyright = "the Quart contributors"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.napoleon",
    "sphinx.ext.viewcode",
]

root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
templates_path: list[str] = []

# Autodoc: list members in source order (related methods stay together) and
# move type hints out of the signatures into the parameter descriptions, where
# long unions stay readable. With ``nitpicky`` off, a hint naming a type that
# is not documented here renders as plain text instead of warning.
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_default_options = {
    "show-inheritance": False,
}

# Napoleon: accept Google-style "Args:" / "Returns:" sections in docstrings.
napoleon_google_docstring = True
napoleon_numpy_docstring = False

nitpicky = False

html_theme = "alabaster"
html_title = "Quart documentation"
html_static_path: list[str] = []
pygments_style = "sphinx"


def setup(app: Sphinx) -> None:
    """Accept ``:cls:`` as an alias of ``:class:``.

    Werkzeug's sansio ``Request`` and ``Response`` docstrings use ``:cls:``;
    a Quart wrapper without its own class docstring would inherit that text,
    and the unknown role would fail the ``-W`` build.
    """
    app.add_role_to_domain("py", "cls", PyXRefRole())
