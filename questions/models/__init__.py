from questions.models.accounts import AccountSettings, LoginSession, UsernameSkeleton
from questions.models.bank import FollowUp, Question, Topic
from questions.models.interviews import (
    Candidate,
    CompetencyRating,
    Correction,
    Scorecard,
    ScorecardItem,
)
from questions.models.kits import (
    Kit,
    KitItem,
    Loop,
    LoopRound,
    QuestionStatistics,
    ShareLink,
)
from questions.models.practice import Attempt, PracticeSession
from questions.models.readiness import InterviewPlan
from questions.models.review import ReviewCard, ReviewLog, ReviewSettings
from questions.models.suggestions import SuggestionRecord
from questions.models.teams import AuditEntry, Invitation, Membership, Team

__all__ = [
    "AuditEntry",
    "Candidate",
    "CompetencyRating",
    "Correction",
    "Invitation",
    "Membership",
    "Scorecard",
    "ScorecardItem",
    "Team",
    "AccountSettings",
    "Attempt",
    "FollowUp",
    "InterviewPlan",
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
    "SuggestionRecord",
    "Topic",
    "UsernameSkeleton",
]
