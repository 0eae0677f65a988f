"""How a Python program may pass an input field in another form than its model's: declared on the lifecycle.

A lifecycle lists the few such fields in ``program_forms`` (``{"start_date": ProgramForm(datetime.date,
iso_text, besides_input=True)}``); ``scripts/gen`` writes the parameter's annotation and the conversion into the
generated Resource class. Import-free (the program process imports this through its converters), so a converter
lives in a module the program may import: no pydantic, no httpx (tests/unit/test_program_imports.py).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ProgramForm:
    """The program-side form of one input field.

    ``type`` is what the program passes (``datetime.date``; ``Members | Sequence[...]``; ``str`` for a plain value).
    With ``besides_input`` the parameter also takes ``pulumi.Input[<the model's type>]``; without, it is a plain
    value of ``type`` only (known when the program runs: no ``Output``). ``convert`` (None: passed as given) turns
    the program's value into the model's form before registration; it refuses a bad value by raising
    ``InputError``, which the Resource reports as a one-line ``pulumi.RunError`` naming itself.
    """

    type: Any
    convert: Callable[[Any], Any] | None = None
    besides_input: bool = False


def iso_text(value: Any) -> Any:
    """A ``datetime.date`` as ISO text (``2026-01-31``); anything else (text, an ``Output``) as given."""
    return value.isoformat() if isinstance(value, datetime.date) else value
