from django.urls import path

from bench.bare import views

urlpatterns = [
    path("update/<int:pk>/", views.update),
    path("page/<int:pk>/", views.page),
]
