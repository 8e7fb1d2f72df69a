from django.urls import include, path, register_converter

from questions.views import (
    account,
    bank,
    exports,
    history,
    loops,
    navigator,
    plan,
    practice,
    review,
)
from questions.views.kits import builder, outputs, results, sharing


class ShareTokenConverter:
    """A share token's alphabet (URL-safe base64): anything else is a 404 before any query."""

    regex = "[A-Za-z0-9_-]+"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ShareTokenConverter, "share_token")
register_converter(exports.ExportFormatConverter, "export_format")

app_name = "questions"

# A practice session's pages and its answer's endpoints, under one prefix so that resolving
# the hottest URL (the autosave, first) does not try every other route first.
practice_urls = [
    path(
        "<int:session_id>/attempts/<int:attempt_id>/save/",
        practice.attempt_save,
        name="attempt_save",
    ),
    path("<int:session_id>/", practice.session_detail, name="session"),
    path("", practice.session_start, name="session_start"),
    path("question/<slug:slug>/", practice.practise_question, name="practise_question"),
    path("token/", practice.csrf_token, name="csrf_token"),
    path("estimate/", practice.session_estimate, name="session_estimate"),
    path("<int:session_id>/abandon/", practice.session_abandon, name="session_abandon"),
    path("<int:session_id>/retry/", practice.session_retry, name="session_retry"),
    path("<int:session_id>/finish/", practice.session_finish, name="session_finish"),
    path("<int:session_id>/summary/", practice.session_summary, name="session_summary"),
    path(
        "<int:session_id>/questions/<int:number>/",
        navigator.navigator_question,
        name="navigator_question",
    ),
    path(
        "<int:session_id>/before-finishing/",
        navigator.navigator_review,
        name="navigator_review",
    ),
    path(
        "<int:session_id>/finish-answering/",
        navigator.navigator_finish,
        name="navigator_finish",
    ),
    path(
        "<int:session_id>/not-reached/",
        practice.practise_not_reached,
        name="practise_not_reached",
    ),
    path(
        "<int:session_id>/attempts/<int:attempt_id>/state/",
        practice.attempt_state,
        name="attempt_state",
    ),
    path(
        "<int:session_id>/attempts/<int:attempt_id>/undo/",
        practice.attempt_undo,
        name="attempt_undo",
    ),
    path(
        "<int:session_id>/attempts/<int:attempt_id>/submit/",
        practice.attempt_submit,
        name="attempt_submit",
    ),
    path(
        "<int:session_id>/attempts/<int:attempt_id>/grade/",
        practice.attempt_grade,
        name="attempt_grade",
    ),
    path(
        "<int:session_id>/attempts/<int:attempt_id>/skip/",
        practice.attempt_skip,
        name="attempt_skip",
    ),
    path("<int:session_id>/sharing/", sharing.session_sharing, name="session_sharing"),
]

urlpatterns = [
    path("practice/", include(practice_urls)),
    path("questions/", bank.question_list, name="browse"),
    path("questions/export.<export_format:fmt>", exports.bank_export, name="bank_export"),
    path("questions/<slug:slug>/", bank.question_detail, name="detail"),
    path("review/", review.review, name="review"),
    path("review/start/", review.review_start, name="review_start"),
    path("review/cards/<int:card_id>/suspend/", review.card_suspend, name="card_suspend"),
    path("review/cards/<int:card_id>/reset/", review.card_reset, name="card_reset"),
    path("plan/", plan.plan_page, name="plan"),
    path("plan/start/", plan.plan_start, name="plan_start"),
    path("review/export.<export_format:fmt>", exports.review_export, name="review_export"),
    path("history/", history.history, name="history"),
    path("history/questions/<int:question_id>/", history.question_history, name="question_history"),
    path("progress/", history.progress_page, name="progress"),
    path("account/data/", account.account_data, name="account_data"),
    path("account/settings/", account.account_settings, name="account_settings"),
    path("account/data/history.csv", account.export_csv, name="export_csv"),
    path("account/data/history.json", account.export_json, name="export_json"),
    # Interview kits and loops (interviewers and staff), and the candidates' share page.
    path("kits/", builder.kit_list, name="kit_list"),
    path("kits/new/", builder.kit_create, name="kit_create"),
    path("kits/share/<share_token:token>/", sharing.kit_share_page, name="kit_share_page"),
    path("kits/<int:kit_id>/", builder.kit_detail, name="kit_detail"),
    path("kits/<int:kit_id>/edit/", builder.kit_edit, name="kit_edit"),
    path("kits/<int:kit_id>/duplicate/", builder.kit_duplicate, name="kit_duplicate"),
    path("kits/<int:kit_id>/delete/", builder.kit_delete, name="kit_delete"),
    path("kits/<int:kit_id>/items/add/", builder.kit_item_add, name="kit_item_add"),
    path(
        "kits/<int:kit_id>/items/<int:item_id>/remove/",
        builder.kit_item_remove,
        name="kit_item_remove",
    ),
    path(
        "kits/<int:kit_id>/items/<int:item_id>/move/", builder.kit_item_move, name="kit_item_move"
    ),
    path(
        "kits/<int:kit_id>/items/<int:item_id>/edit/", builder.kit_item_edit, name="kit_item_edit"
    ),
    path("kits/<int:kit_id>/guide/", outputs.kit_guide, name="kit_guide"),
    path("kits/<int:kit_id>/candidate/", outputs.kit_candidate, name="kit_candidate"),
    path("kits/<int:kit_id>/export.md", outputs.kit_export_markdown, name="kit_export_markdown"),
    path("kits/<int:kit_id>/export.json", outputs.kit_export_json, name="kit_export_json"),
    path("kits/<int:kit_id>/export.<export_format:fmt>", exports.kit_export, name="kit_export"),
    path("kits/<int:kit_id>/share/", sharing.kit_share, name="kit_share"),
    path(
        "kits/<int:kit_id>/share/<int:link_id>/revoke/",
        sharing.kit_share_revoke,
        name="kit_share_revoke",
    ),
    path("kits/<int:kit_id>/results/", results.kit_results, name="kit_results"),
    path("kits/loops/new/", loops.loop_create, name="loop_create"),
    path("kits/loops/<int:loop_id>/", loops.loop_detail, name="loop_detail"),
    path("kits/loops/<int:loop_id>/edit/", loops.loop_edit, name="loop_edit"),
    path("kits/loops/<int:loop_id>/delete/", loops.loop_delete, name="loop_delete"),
    path("kits/loops/<int:loop_id>/guide/", loops.loop_guide, name="loop_guide"),
    path("kits/loops/<int:loop_id>/rounds/add/", loops.loop_round_add, name="loop_round_add"),
    path(
        "kits/loops/<int:loop_id>/rounds/<int:round_id>/move/",
        loops.loop_round_move,
        name="loop_round_move",
    ),
    path(
        "kits/loops/<int:loop_id>/rounds/<int:round_id>/remove/",
        loops.loop_round_remove,
        name="loop_round_remove",
    ),
    # Teams, live interviews, debriefs and calibration.
    path("", include("questions.urls_teams")),
]
