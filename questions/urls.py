from django.urls import path

from questions.views import bank, practice

app_name = "questions"

urlpatterns = [
    path("questions/", bank.question_list, name="browse"),
    path("questions/<slug:slug>/", bank.question_detail, name="detail"),
    path("practice/", practice.session_start, name="session_start"),
    path("practice/token/", practice.csrf_token, name="csrf_token"),
    path("practice/<int:session_id>/", practice.session_detail, name="session"),
    path("practice/<int:session_id>/finish/", practice.session_finish, name="session_finish"),
    path("practice/<int:session_id>/summary/", practice.session_summary, name="session_summary"),
    path(
        "practice/<int:session_id>/attempts/<int:attempt_id>/save/",
        practice.attempt_save,
        name="attempt_save",
    ),
    path(
        "practice/<int:session_id>/attempts/<int:attempt_id>/submit/",
        practice.attempt_submit,
        name="attempt_submit",
    ),
    path(
        "practice/<int:session_id>/attempts/<int:attempt_id>/grade/",
        practice.attempt_grade,
        name="attempt_grade",
    ),
    path(
        "practice/<int:session_id>/attempts/<int:attempt_id>/skip/",
        practice.attempt_skip,
        name="attempt_skip",
    ),
]
