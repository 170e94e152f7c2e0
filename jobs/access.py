"""Who may see a job: members of its project, or only its starter when it is private."""

from __future__ import annotations

from django.http import Http404

from cxresearch.lib.http import AuthenticatedHttpRequest
from interviews.access import role_in_project
from jobs.models import BackgroundJob


def get_job_for_user(request: AuthenticatedHttpRequest, pk: int) -> BackgroundJob:
    """The job, or 404 for anyone who may not see it (never a hint that it exists).

    Private jobs (exports) belong to whoever started them, staff included: an export holds
    what its starter was allowed to read, not what someone else is.
    """
    job = BackgroundJob.objects.select_related("project", "started_by").filter(pk=pk).first()
    if job is None:
        raise Http404("No such job.")
    user = request.user
    if job.private:
        if job.started_by_id != user.pk:
            raise Http404("No such job.")
        return job
    if job.started_by_id == user.pk:
        return job
    if job.project is not None and role_in_project(user, job.project) is not None:
        return job
    if job.project is None and user.is_staff:
        return job
    raise Http404("No such job.")
