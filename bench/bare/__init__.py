"""A bare Django project: the baseline the app's endpoints are measured against (bench/).

What `django-admin startproject` gives (its middleware, persistent connections), one table, and two
views: one UPDATE by primary key, and one page that reads one row and renders a ~5 KB template
extending a base. Served by gunicorn beside the app in the same benchmark run.
"""
