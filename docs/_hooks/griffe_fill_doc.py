"""Griffe extension: expand ``%(name)s`` parameter placeholders (emgforce._docs) in the API pages.

Griffe reads the sources without importing them, so the expansion that
``emgforce._docs.fill_doc`` does at import time is done here for the site.
"""

from __future__ import annotations

from typing import Any

import griffe

from emgforce._docs import expand


class FillDoc(griffe.Extension):
    """Expand the shared parameter descriptions of every docstring that has placeholders."""

    def on_object(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None and "%(" in obj.docstring.value:
            obj.docstring.value = expand(obj.docstring.value)
