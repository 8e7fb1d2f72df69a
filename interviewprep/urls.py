from django.contrib import admin
from django.urls import include, path

from interviewprep import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("", include("questions.site_urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("admin/", admin.site.urls),
    path("", include("questions.urls")),
]

admin.site.site_header = "InterviewPrep administration"
admin.site.site_title = "InterviewPrep admin"
