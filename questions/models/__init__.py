from questions.models.bank import FollowUp, Question, Topic
from questions.models.practice import Attempt, PracticeSession
from questions.models.review import ReviewCard, ReviewLog, ReviewSettings

__all__ = [
    "Attempt",
    "FollowUp",
    "PracticeSession",
    "Question",
    "ReviewCard",
    "ReviewLog",
    "ReviewSettings",
    "Topic",
]
