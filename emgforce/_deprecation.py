"""Deprecated names kept for one release: function aliases and renamed keyword arguments.

Both warn with :class:`DeprecationWarning` at the caller's line and then do
exactly what the new name does. The naming rule they serve is in
``docs/architecture.md``.
"""

from __future__ import annotations

import functools
import warnings
from typing import Any, Callable, TypeVar

__all__ = ["deprecated_alias", "deprecated_attribute", "renamed_kwargs"]

F = TypeVar("F", bound=Callable[..., Any])


def deprecated_alias(func: F, old_name: str, new_name: str) -> F:
    """``func`` under its old name: same behaviour, plus a DeprecationWarning naming ``new_name``.

    Examples
    --------
    >>> import warnings
    >>> def twice(x):
    ...     return 2 * x
    >>> double = deprecated_alias(twice, "double", "twice")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     double(2), str(caught[0].message)
    (4, 'double is deprecated and will be removed in the next release; use twice')
    """

    @functools.wraps(func)
    def alias(*args: Any, **kwargs: Any) -> Any:
        warnings.warn(f"{old_name} is deprecated and will be removed in the next release; use {new_name}",
                      DeprecationWarning, stacklevel=2)
        return func(*args, **kwargs)

    alias.__name__ = alias.__qualname__ = old_name.rpartition(".")[2]
    alias.__doc__ = f"Deprecated alias of :func:`{new_name}` (removed in the next release)."
    return alias  # type: ignore[return-value]


def renamed_kwargs(**renames: str) -> Callable[[F], F]:
    """Decorator accepting old keyword names (``old="new"``) with a DeprecationWarning.

    Giving both the old and the new name is a TypeError, as a repeated
    keyword would be.
    """

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            for old, new in renames.items():
                if old in kwargs:
                    if new in kwargs:
                        raise TypeError(f"{func.__name__}() got both {old}= (deprecated) and {new}=")
                    warnings.warn(f"{func.__name__}({old}=...) is deprecated and will be removed in the next "
                                  f"release; use {new}=", DeprecationWarning, stacklevel=2)
                    kwargs[new] = kwargs.pop(old)
            return func(*args, **kwargs)

        return wrapper  # type: ignore[return-value]

    return decorate


def deprecated_attribute(old_name: str, new_name: str) -> property:
    """A read-only class attribute ``old_name`` that warns and returns ``new_name``.

    Examples
    --------
    >>> import warnings
    >>> class Result:
    ...     color = "red"
    ...     colour = deprecated_attribute("colour", "color")
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     Result().colour, str(caught[0].message)
    ('red', 'colour is deprecated and will be removed in the next release; use color')
    """

    def get(self: Any) -> Any:
        warnings.warn(f"{old_name} is deprecated and will be removed in the next release; use {new_name}",
                      DeprecationWarning, stacklevel=2)
        return getattr(self, new_name)

    return property(get, doc=f"Deprecated: use ``{new_name}`` (removed in the next release).")
