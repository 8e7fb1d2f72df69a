"""Interview kits, for interviewers and staff, by task: `builder` (the list, creating, editing
a kit's questions), `outputs` (the printed guides and the downloads), `sharing` (share links,
the candidate's share page, sharing one's results) and `results` (what candidates shared).

Every kit page finds its kit through `get_kit_for_user`: 403 for a signed-in user who is not an
interviewer, 404 for another interviewer's kit. Loops live in `views/loops.py`.
"""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from interviewprep.http import AuthenticatedHttpRequest
from questions.models import Kit
from questions.roles import require_interviewer
from questions.teams import mark_for_audit


def get_kit_for_user(request: AuthenticatedHttpRequest, kit_id: int) -> Kit:
    """The kit if the user may see it (own or a team's; staff: any); 403 for candidates and for
    a team member's write without editor rights (copying is using), 404 otherwise. A write to a
    team's kit gets an audit line once it succeeds."""
    require_interviewer(request)
    kit = get_object_or_404(Kit.objects.for_user(request.user).select_related("owner"), pk=kit_id)
    match = request.resolver_match
    writing = request.method == "POST" and (match is None or match.url_name != "kit_duplicate")
    if writing and not kit.is_editable_by(request.user):
        raise PermissionDenied("Only the team's managers and editors change its kits.")
    if writing:
        mark_for_audit(request, kit)
    return kit
