from questions.models.account import AccountSettings
from questions.models.accounts import LoginSession, UsernameSkeleton
from questions.models.bank import FollowUp, Question, Topic
from questions.models.kits import (
    KitItem,
    Loop,
    LoopRound,
    QuestionSet,
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
    "QuestionSet",
    "QuestionStatistics",
    "ReviewCard",
    "ReviewLog",
    "ReviewSettings",
    "ShareLink",
    "Topic",
    "UsernameSkeleton",
]
