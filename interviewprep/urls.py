from django.contrib import admin
from django.urls import include, path

from interviewprep import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("accounts/signup/", views.signup, name="signup"),
    path("accounts/signup/sent/", views.signup_sent, name="signup_sent"),
    path("accounts/activate/<uidb64>/<token>/", views.activate, name="activate"),
    path("accounts/password_reset/", views.password_reset, name="password_reset"),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("questions.urls")),
]

admin.site.site_header = "InterviewPrep administration"
admin.site.site_title = "InterviewPrep admin"
