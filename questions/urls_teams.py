"""URLs of teams, live interviews, debriefs and calibration (included by questions/urls.py)."""

from django.urls import path

from questions.views import interviews, teams

urlpatterns = [
    path("teams/", teams.team_list, name="team_list"),
    path("teams/new/", teams.team_create, name="team_create"),
    path("teams/join/<share_token:token>/", teams.team_join, name="team_join"),
    path(
        "teams/invitations/<int:invitation_id>/decline/",
        teams.invitation_decline,
        name="invitation_decline",
    ),
    path("teams/<int:team_id>/", teams.team_detail, name="team_detail"),
    path("teams/<int:team_id>/invite/", teams.team_invite, name="team_invite"),
    path("teams/<int:team_id>/links/", teams.team_invite_link, name="team_invite_link"),
    path(
        "teams/<int:team_id>/invitations/<int:invitation_id>/revoke/",
        teams.invitation_revoke,
        name="invitation_revoke",
    ),
    path("teams/<int:team_id>/leave/", teams.team_leave, name="team_leave"),
    path(
        "teams/<int:team_id>/members/<int:membership_id>/",
        teams.member_update,
        name="member_update",
    ),
    path(
        "teams/<int:team_id>/members/<int:membership_id>/remove/",
        teams.member_remove,
        name="member_remove",
    ),
    path("teams/<int:team_id>/calibration/", teams.team_calibration, name="team_calibration"),
    path(
        "teams/<int:team_id>/candidates/new/", interviews.candidate_create, name="candidate_create"
    ),
    path("teams/kits/<int:kit_id>/move/", teams.kit_move, name="kit_move"),
    path("teams/kits/<int:kit_id>/hold/", teams.kit_hold, name="kit_hold"),
    path("teams/kits/<int:kit_id>/alternates/", teams.kit_alternates, name="kit_alternates"),
    path("teams/loops/<int:loop_id>/move/", teams.loop_move, name="loop_move"),
    path("teams/loops/<int:loop_id>/plan/", teams.loop_plan, name="loop_plan"),
    path(
        "teams/loops/<int:loop_id>/rounds/<int:round_id>/plan/",
        teams.round_plan,
        name="round_plan",
    ),
    path(
        "teams/candidates/<int:candidate_id>/", interviews.candidate_detail, name="candidate_detail"
    ),
    path(
        "teams/candidates/<int:candidate_id>/rounds/<int:round_id>/start/",
        interviews.scorecard_start,
        name="scorecard_start",
    ),
    path(
        "teams/candidates/<int:candidate_id>/debrief/",
        interviews.candidate_debrief,
        name="candidate_debrief",
    ),
    path(
        "teams/candidates/<int:candidate_id>/packet/",
        interviews.candidate_packet,
        name="candidate_packet",
    ),
    path(
        "teams/candidates/<int:candidate_id>/packet.json",
        interviews.candidate_packet_json,
        name="candidate_packet_json",
    ),
    path(
        "teams/candidates/<int:candidate_id>/delete/",
        interviews.candidate_delete,
        name="candidate_delete",
    ),
    path("teams/scorecards/<int:scorecard_id>/", interviews.scorecard_live, name="scorecard"),
    path(
        "teams/scorecards/<int:scorecard_id>/submit/",
        interviews.scorecard_submit,
        name="scorecard_submit",
    ),
    path(
        "teams/scorecards/<int:scorecard_id>/corrections/",
        interviews.scorecard_correct,
        name="scorecard_correct",
    ),
    path(
        "teams/scorecards/<int:scorecard_id>/items/<int:item_id>/notes/",
        interviews.item_notes_save,
        name="item_notes_save",
    ),
    path(
        "teams/scorecards/<int:scorecard_id>/items/<int:item_id>/notes/state/",
        interviews.item_notes_state,
        name="item_notes_state",
    ),
    path(
        "teams/scorecards/<int:scorecard_id>/items/<int:item_id>/mark/",
        interviews.item_mark,
        name="item_mark",
    ),
    path(
        "teams/scorecards/<int:scorecard_id>/items/<int:item_id>/timer/",
        interviews.item_timer,
        name="item_timer",
    ),
]
