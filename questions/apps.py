from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "questions"
    verbose_name = "Question bank and practice"

    def ready(self) -> None:
        from questions import preferences  # noqa: F401  (connects the login signal)
