"""Interview kits, for interviewers and staff, by task: `builder` (the list, creating, editing
a kit's questions), `outputs` (the printed guides and the downloads), `sharing` (share links,
the candidate's share page, sharing one's results) and `results` (what candidates shared).

Every kit page finds its kit through `get_kit_for_user`: 403 for a signed-in user who is not an
interviewer, 404 for another interviewer's kit. Loops live in `views/loops.py`.
"""

from django.shortcuts import get_object_or_404

from interviewprep.http import AuthenticatedHttpRequest
from questions.models import Kit
from questions.roles import require_interviewer


def get_kit_for_user(request: AuthenticatedHttpRequest, kit_id: int) -> Kit:
    """The kit if the user owns it (staff: any kit); 403 for candidates, 404 otherwise."""
    require_interviewer(request)
    return get_object_or_404(Kit.objects.for_user(request.user).select_related("owner"), pk=kit_id)
