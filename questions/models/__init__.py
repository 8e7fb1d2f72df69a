from questions.models.bank import FollowUp, Question, Topic

__all__ = ["FollowUp", "Question", "Topic"]
