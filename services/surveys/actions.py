"""What a survey question offers the citizen (queued by the service when a survey opens):
an answer, writing a comment, skipping; and going over one's answers again."""

from __future__ import annotations

from dataclasses import dataclass

from services.callbacks import CallbackData


@dataclass(frozen=True)
class AnswerQuestion(CallbackData, prefix="sv.answer"):
    survey_id: int
    question_id: int
    value: int


@dataclass(frozen=True)
class WriteAnswer(CallbackData, prefix="sv.write"):
    survey_id: int
    question_id: int


@dataclass(frozen=True)
class SkipQuestion(CallbackData, prefix="sv.skip"):
    survey_id: int
    question_id: int


@dataclass(frozen=True)
class EditAnswers(CallbackData, prefix="sv.edit"):
    survey_id: int
