"""Production's static storage works out each file's URL once per process."""

import pytest

from interviewprep.storage import StaticFilesStorage


def test_a_static_url_is_worked_out_once_and_a_missing_file_still_refuses(tmp_path):
    storage = StaticFilesStorage(location=tmp_path, base_url="/static/")
    storage.hashed_files = {"css/app.css": "css/app.0123abcd.css"}
    assert storage.url("css/app.css") == "/static/css/app.0123abcd.css"
    storage.hashed_files = {"css/app.css": "css/app.ffff0000.css"}  # a new manifest = new process
    assert storage.url("css/app.css") == "/static/css/app.0123abcd.css"
    assert storage.url("css/app.css", force=True) == "/static/css/app.ffff0000.css"
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("js/missing.js")
