"""The office's request form as typed, shared by the counter's check, file and change steps: kept as text, so a
mistake comes back exactly as it was entered, and parsed into the use case's fields with each field's message in
the reader's language."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any, TypeVar

from fastapi import Depends, Form

from api.errors import Conflict, Forbidden, InvalidInput
from api.services.requests import RequestFields
from api.web.render import field_messages
from maps.i18n import Lang, text
from scheduler.requests import Priority


@dataclass(frozen=True, slots=True)
class FormInput:
    """The request form as typed: kept as text so a mistake comes back exactly as it was entered."""

    where: str
    window_start: str
    window_end: str
    citizens: str
    services: tuple[str, ...]
    priority: str
    note: str

    def as_dict(self) -> dict[str, Any]:
        return {"where": self.where, "window_start": self.window_start, "window_end": self.window_end,
                "citizens": self.citizens, "services": self.services, "priority": self.priority,
                "note": self.note}  # fmt: skip

    def parsed(self, lang: Lang) -> tuple[RequestFields | None, dict[str, str]]:
        """The fields for the use case, or each field's mistake in the reader's language."""
        errors: dict[str, str] = {}
        dates: dict[str, date | None] = {}
        for name, value in (("window_start", self.window_start), ("window_end", self.window_end)):
            try:
                dates[name] = date.fromisoformat(value)
            except ValueError:
                dates[name] = None
                errors[name] = text(lang, "bad_date")
        count = int(self.citizens) if self.citizens.strip().isdigit() else None
        if count is None:
            errors["expected_citizens"] = text(lang, "bad_number")
        if not self.where.strip():
            errors["settlement"] = text(lang, "need_place")
        if errors:
            return None, errors
        return RequestFields(
            settlement=self.where,
            window_start=dates["window_start"],
            window_end=dates["window_end"],
            expected_citizens=count,
            services=self.services,
            priority=Priority(self.priority) if self.priority in ("normal", "urgent") else Priority.NORMAL,
            note=self.note,
        ), {}


def form_input(
    where: Annotated[str, Form(max_length=200)] = "",
    window_start: Annotated[str, Form(max_length=20)] = "",
    window_end: Annotated[str, Form(max_length=20)] = "",
    citizens: Annotated[str, Form(max_length=20)] = "",
    services: Annotated[list[str] | None, Form(max_length=40)] = None,
    priority: Annotated[str, Form(max_length=20)] = "normal",
    note: Annotated[str, Form(max_length=600)] = "",
) -> FormInput:
    return FormInput(where, window_start, window_end, citizens, tuple(services or ()), priority, note)


TypedForm = Annotated[FormInput, Depends(form_input)]


T = TypeVar("T")


def attempt(typed: FormInput, lang: Lang, action: Callable[[RequestFields], T]) -> tuple[T | None, dict[str, str]]:
    """Parse the form and run the use case on it: its result, or each field's message (the place for a place that
    is not the office's own, the form for a refused state change)."""
    given, errors = typed.parsed(lang)
    if given is None:
        return None, errors
    try:
        return action(given), {}
    except InvalidInput as exc:
        return None, field_messages(exc)
    except Forbidden as exc:
        return None, {"settlement": str(exc)}
    except Conflict as exc:
        return None, {"form": str(exc)}
