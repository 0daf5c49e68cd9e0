"""Exam-session catalog (seed 001's test sessions): session lifecycle, navigation, answers, focus.

Every event belongs to a test session and carries a free-form `payload` object;
question events name their question.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from questlog.events.envelope import EventBase, Id, JsonObject


class ExamSessionEvent(EventBase):
    catalog = "exam_sessions"

    session_id: Id
    question_id: Id | None = None
    payload: JsonObject = Field(default_factory=dict)


class QuestionEvent(ExamSessionEvent):
    question_id: Id


class SessionCreated(ExamSessionEvent):
    type: Literal["SESSION_CREATED"] = "SESSION_CREATED"


class SessionSubmitted(ExamSessionEvent):
    type: Literal["SESSION_SUBMITTED"] = "SESSION_SUBMITTED"


class SessionExpired(ExamSessionEvent):
    type: Literal["SESSION_EXPIRED"] = "SESSION_EXPIRED"


class ReviewOpened(ExamSessionEvent):
    type: Literal["REVIEW_OPENED"] = "REVIEW_OPENED"


class QuestionViewed(ExamSessionEvent):
    """question_id is optional here: seed 001's own example of a view sends none."""

    type: Literal["QUESTION_VIEWED"] = "QUESTION_VIEWED"


class NavigatedNext(ExamSessionEvent):
    type: Literal["NAVIGATE_NEXT"] = "NAVIGATE_NEXT"


class NavigatedPrev(ExamSessionEvent):
    type: Literal["NAVIGATE_PREV"] = "NAVIGATE_PREV"


class NavigatedJump(ExamSessionEvent):
    type: Literal["NAVIGATE_JUMP"] = "NAVIGATE_JUMP"


class AnswerSelected(QuestionEvent):
    type: Literal["ANSWER_SELECTED"] = "ANSWER_SELECTED"


class AnswerChanged(QuestionEvent):
    type: Literal["ANSWER_CHANGED"] = "ANSWER_CHANGED"


class MarkForReviewToggled(QuestionEvent):
    type: Literal["MARK_FOR_REVIEW_TOGGLED"] = "MARK_FOR_REVIEW_TOGGLED"


class FocusChanged(ExamSessionEvent):
    type: Literal["PAUSE_BLUR"] = "PAUSE_BLUR"


EVENTS: tuple[type[EventBase], ...] = (
    SessionCreated,
    SessionSubmitted,
    SessionExpired,
    ReviewOpened,
    QuestionViewed,
    NavigatedNext,
    NavigatedPrev,
    NavigatedJump,
    AnswerSelected,
    AnswerChanged,
    MarkForReviewToggled,
    FocusChanged,
)
