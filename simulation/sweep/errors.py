"""Errors the sweep layer reports to users as one clear line (the CLI turns them into exit 2)."""

from __future__ import annotations


class SweepError(ValueError):
    """A bad sweep file or a refused results folder.

    ``str(error)`` is one line naming the file, the key and what is allowed, so the CLI can
    print it as is without a traceback.
    """


class ModelChangedError(SweepError):
    """The results folder holds runs written by another version of the model's source.

    A sweep resumes by parameters and seed only, so those runs would be mixed with runs the
    current model makes; callers that own the folder run the design again (``fresh=True``).
    """


class SweepAbortedError(RuntimeError):
    """The executor itself stopped working (e.g. the Dask scheduler went away).

    Runs finished so far are on disk; running the same command again resumes.
    """
