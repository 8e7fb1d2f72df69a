from django.urls import path

from questions.views import bank

app_name = "questions"

urlpatterns = [
    path("questions/", bank.question_list, name="browse"),
    path("questions/<slug:slug>/", bank.question_detail, name="detail"),
]
