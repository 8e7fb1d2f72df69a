from questions.models.bank import FollowUp, Question, Topic
from questions.models.practice import Attempt, PracticeSession

__all__ = ["Attempt", "FollowUp", "PracticeSession", "Question", "Topic"]
