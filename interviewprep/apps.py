from django.apps import AppConfig


class InterviewPrepConfig(AppConfig):
    name = "interviewprep"
    verbose_name = "InterviewPrep"
