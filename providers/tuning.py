"""Opt-in adjustments of the Pulumi SDK inside *your* program process, for large stacks: ``tuning.install()``.

Importing ``audience_providers`` changes nothing outside our own objects. A program that wants these, and accepts
that they replace private functions of the Pulumi SDK (3.272) for the whole program, calls, before declaring its
resources::

    from audience_providers import tuning
    tuning.install()

What it does (each measured in bench/README.md; each has its own off switch):

- ``source_positions``: the stack trace the SDK records with each of *our* resources keeps only the program's own
  frames (no Python-install or toolchain paths in the state, ~1 KB less per resource). Without it the resource
  already points at the line of the program that declared it (our classes register from a frame the SDK skips);
  other resources keep the SDK's trace.
- ``program_wait``: the SDK's end-of-program wait yields once before it starts, which turns its quadratic loop over
  pending outputs into one pass (program CPU 1.28 -> 0.72 s for 300 resources of 10 properties).
  ``AUDIENCE_PROVIDERS_PROGRAM_WAIT=sdk`` turns it off.
- ``program_gc``: ``gc.freeze()`` once, in a program the language host started: the ~40,000 start-up objects of the
  SDK, gRPC and protobuf are no longer rescanned by every full collection (preview of 100 resources 1.91 -> 1.80 s).
  ``AUDIENCE_PROVIDERS_GC_FREEZE=0`` turns it off.
"""

from __future__ import annotations

from ._core import program_gc, program_wait, source_positions

__all__ = ["install"]


def install() -> None:
    """Install the three adjustments above in this process (idempotent)."""
    source_positions.install()
    program_wait.install()
    program_gc.install()
