"""Routes outside the `questions:` namespace (their names predate it): the front page and the
account pages. Django's own auth views (login, logout, password change) follow them in
interviewprep/urls.py."""

from django.urls import path

from questions.views import account, home

urlpatterns = [
    path("", home.home, name="home"),
    path("accounts/signup/", account.signup, name="signup"),
    path("accounts/signup/sent/", account.signup_sent, name="signup_sent"),
    path("accounts/activate/<uidb64>/<token>/", account.activate, name="activate"),
    path("accounts/password_reset/", account.password_reset, name="password_reset"),
]
