"""Input checks of the ``runlog.sklearn`` helpers: one ``DataError`` that names the argument,
the value's type and what is accepted."""

from __future__ import annotations

from typing import Any

from runlog.typespec.errors import DataError

#: what each estimator role accepts, as the error message says it
ROLES = {
    "classifier": "a scikit-learn classifier",
    "regressor": "a scikit-learn regressor",
    "clusterer": "a scikit-learn clusterer",
    "model": "a scikit-learn classifier or regressor",
}


def fail(fn: str, message: str) -> DataError:
    """The error of helper ``fn``: ``runlog.sklearn.<fn>: <message>``."""
    return DataError(f"runlog.sklearn.{fn}: {message}")


def _kind(value: Any) -> str:
    shape = getattr(value, "shape", None)
    dtype = getattr(value, "dtype", None)
    extra = f" of shape {tuple(shape)}" if shape is not None else ""
    extra += f" and dtype {dtype}" if dtype is not None and not hasattr(value, "columns") else ""
    return type(value).__name__ + extra


def features(fn: str, arg: str, value: Any) -> Any:
    """``value`` (an array, list of rows, DataFrame or sparse matrix) as a 2-D float array
    without NaN or infinity."""
    import numpy as np

    if value is None:
        raise fail(fn, f"{arg}= is required (a 2-D array of numbers: samples x features)")
    if hasattr(value, "toarray"):  # a scipy sparse matrix
        value = value.toarray()
    try:
        arr = np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value, dtype=float)
    except (TypeError, ValueError):
        raise fail(fn, f"{arg} must be a 2-D array of numbers (samples x features), got "
                       f"{_kind(value)} holding values that are not numbers; encode them "
                       "first") from None
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise fail(fn, f"{arg} must be a non-empty 2-D array of numbers (samples x features), "
                       f"got {_kind(value)}")
    if not np.all(np.isfinite(arr)):
        raise fail(fn, f"{arg} holds {np.count_nonzero(~np.isfinite(arr))} missing (NaN) or "
                       "infinite values; impute or drop them first")
    return arr


def targets(fn: str, arg: str, value: Any, numeric: bool = False) -> Any:
    """``value`` as a non-empty 1-D array (of numbers with ``numeric``)."""
    import numpy as np

    accepted = "a 1-D sequence of " + ("numbers" if numeric else "class values")
    if value is None:
        raise fail(fn, f"{arg}= is required ({accepted})")
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__len__"):
        raise fail(fn, f"{arg} must be {accepted}, got {_kind(value)}")
    arr = np.asarray(value.to_numpy() if hasattr(value, "to_numpy") else value)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1 or arr.size == 0 or (numeric and arr.dtype.kind not in "biuf"):
        raise fail(fn, f"{arg} must be {accepted}, got {_kind(value)}")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise fail(fn, f"{arg} holds missing (NaN) or infinite values")
    return arr


def same_length(fn: str, first: tuple[str, Any], second: tuple[str, Any]) -> None:
    """Both arrays have one entry per sample."""
    (a, x), (b, y) = first, second
    if len(x) != len(y):
        raise fail(fn, f"{a} has {len(x)} samples but {b} has {len(y)}; they must match")


def is_estimator(value: Any) -> bool:
    """Whether ``value`` looks like a scikit-learn estimator (scikit-learn's own type checks
    raise on anything else)."""
    return hasattr(value, "fit") and hasattr(value, "get_params")


def estimator(fn: str, arg: str, value: Any, role: str, fitted: bool = True) -> Any:
    """``value`` is a scikit-learn estimator of ``role`` (see :data:`ROLES`), fitted unless
    ``fitted`` is False."""
    from sklearn import base
    from sklearn.base import is_classifier, is_regressor
    from sklearn.exceptions import NotFittedError
    from sklearn.utils.validation import check_is_fitted

    accepted = ROLES[role]
    if value is None:
        raise fail(fn, f"{arg}= is required ({accepted})")
    if not is_estimator(value):
        raise fail(fn, f"{arg} must be {accepted}, got {type(value).__name__}")
    ok = {
        "classifier": is_classifier(value),
        "regressor": is_regressor(value),
        "clusterer": base.is_clusterer(value) if hasattr(base, "is_clusterer")  # >= 1.6
        else getattr(value, "_estimator_type", None) == "clusterer",
        "model": is_classifier(value) or is_regressor(value),
    }[role]
    if not ok:
        raise fail(fn, f"{arg} must be {accepted}, got {type(value).__name__}")
    if not fitted:
        return value
    try:
        check_is_fitted(value)
    except NotFittedError:
        raise fail(fn, f"{arg} must be a fitted {type(value).__name__}: call its fit() "
                       "before plotting") from None
    return value


def labels(fn: str, value: Any) -> list[str] | None:
    """``labels``: None or a list of class names (``labels[c]`` names integer class ``c``)."""
    if value is None:
        return None
    if isinstance(value, (str, bytes, dict)) or not hasattr(value, "__iter__"):
        raise fail(fn, f"labels must be a list of class names, got {type(value).__name__}")
    return [str(x) for x in value]


def flag(fn: str, arg: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise fail(fn, f"{arg} must be True or False, got {type(value).__name__}")
    return value


def text(fn: str, arg: str, value: Any) -> str:
    if not isinstance(value, str):
        raise fail(fn, f"{arg} must be a str, got {type(value).__name__}")
    return value
