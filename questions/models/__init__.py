from questions.models.accounts import AccountSettings, LoginSession, UsernameSkeleton
from questions.models.bank import FollowUp, Question, Topic
from questions.models.kits import (
    Kit,
    KitItem,
    Loop,
    LoopRound,
    QuestionStatistics,
    ShareLink,
)
from questions.models.practice import Attempt, PracticeSession
from questions.models.review import ReviewCard, ReviewLog, ReviewSettings

__all__ = [
    "AccountSettings",
    "Attempt",
    "FollowUp",
    "KitItem",
    "Loop",
    "LoginSession",
    "LoopRound",
    "PracticeSession",
    "Question",
    "Kit",
    "QuestionStatistics",
    "ReviewCard",
    "ReviewLog",
    "ReviewSettings",
    "ShareLink",
    "Topic",
    "UsernameSkeleton",
]
