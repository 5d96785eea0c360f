"""The errors hippograph raises. Catch ``HippographError`` for all of them; messages carry the detail."""

from __future__ import annotations

__all__ = ["ConfigError", "HippographError", "InputError", "ModelError", "StoreError", "StoreUnavailable"]


class HippographError(Exception):
    """Root of every error hippograph raises on purpose."""


class InputError(HippographError, ValueError):
    """Bad user input (a file, a record, a date, an argument); the message names it and the fix."""


class ConfigError(HippographError, ValueError):
    """A setting, store URI or option that cannot work; the message says which and what is allowed."""


class ModelError(HippographError):
    """An embedder, extractor or chat model could not be loaded or did not answer usably."""


class StoreError(HippographError, RuntimeError):
    """A store operation failed; nothing of the failing document was written."""


class StoreUnavailable(StoreError):
    """The store cannot be reached (server down, file locked past the timeout)."""
