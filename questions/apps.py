from django.apps import AppConfig


class QuestionsConfig(AppConfig):
    name = "questions"
    verbose_name = "Question bank and practice"

    def ready(self) -> None:
        from questions import browse_cache, preferences  # noqa: F401  (connect their signals)
