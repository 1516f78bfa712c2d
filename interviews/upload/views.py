"""The admin's transcript upload: upload → preview (as often as needed) → confirm → progress → result.

Function views, wired into TranscriptAdmin.get_urls() behind admin_site.admin_view (staff only,
CSRF protected, never cached). Nothing is written to the database before "Confirm", and the
confirm itself only queues a job (interviews/upload/jobs.py): the job runner writes the file
while the editor watches its progress page.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from interviews.forms import LabelMappingForm, TranscriptDetailsForm, UploadForm
from interviews.ingest import duplicate_message
from interviews.models import Transcript, UploadJob
from interviews.sources import IngestError
from interviews.upload import jobs
from interviews.upload.preview import build_preview
from interviews.upload.staging import (
    UploadError,
    check_choices,
    duplicate_at_confirm,
    label_rows,
    load_staged,
    parse_new_upload,
    parse_upload,
    remember_parse,
    remembered_parse,
    stage,
)
from interviews.upload.ways import ParseOptionsForm

PREVIEW_URL = "admin:interviews_transcript_upload_preview"
UPLOAD_URL = "admin:interviews_transcript_upload"


def _context(request, model_admin, title, **extra):
    return {
        **model_admin.admin_site.each_context(request),
        "opts": model_admin.model._meta,
        "title": title,
        **extra,
    }


def _require_upload_permission(request, model_admin):
    if not model_admin.has_add_permission(request):
        raise PermissionDenied


def upload(request, model_admin):
    _require_upload_permission(request, model_admin)
    if request.method == "POST":
        form = UploadForm(request.POST, request.FILES, too_large=getattr(request, "upload_too_large", None))
        if form.is_valid():
            details = form.posted_values()
            detected = ""
            if not details["language"]:
                # Detection ran: keep its answer as the language the editor can still change.
                details["language"] = detected = form.parsed.language
            staged = stage(
                form.file_bytes,
                form.filename,
                request.user,
                details=details,
                detected_language=detected,
                options=form.first_parse.options,
                labels_missing=form.first_parse.labels_missing,
                misfit=form.first_parse.misfit,
            )
            return redirect(PREVIEW_URL, staged.token)
    else:
        initial = {k: request.GET[k] for k in ("interview", "slug", "language") if request.GET.get(k)}
        form = UploadForm(initial=initial)
    return TemplateResponse(
        request,
        "admin/interviews/upload/upload.html",
        _context(request, model_admin, _("Upload a transcript"), form=form, limit=settings.ARCHIVE_MAX_UPLOAD_BYTES),
    )


def _target(details: dict) -> tuple:
    """What decides which transcript a confirm creates or replaces."""
    return (str(details.get("interview") or ""), details.get("slug") or "", details.get("language") or "")


def preview(request, model_admin, token):
    """The staged file as it would be ingested, with its details and who each label means; a POST
    saves the editor's changes, confirms (ingests) or cancels."""
    _require_upload_permission(request, model_admin)
    try:
        staged = load_staged(token, request.user)
        data = staged.read()
    except UploadError as exc:
        messages.error(request, str(exc))
        return redirect(UPLOAD_URL)

    action = request.POST.get("action", "preview") if request.method == "POST" else None
    if action == "cancel":
        staged.discard()
        messages.info(
            request, _("The upload of “%(name)s” was cancelled; nothing was written.") % {"name": staged.filename}
        )
        return redirect("admin:interviews_transcript_changelist")

    details_form = TranscriptDetailsForm(request.POST if action else staged.details)
    details_ok = details_form.is_valid()
    # The preview shows the last valid details while the form shows what needs fixing.
    details = details_form.cleaned_data if details_ok else _cleaned(staged.details)
    options_form = ParseOptionsForm(request.POST if action else None, saved=staged.options)
    chosen = options_form.options()
    remembered = None
    if action == "confirm" and details_ok and not options_form.errors:
        remembered = remembered_parse(staged, details, chosen)
    if remembered:  # the preview the editor confirms was parsed with these details: no parse again
        mapping_form = LabelMappingForm(
            request.POST, rows=remembered["rows"], interview=details["interview"], saved=staged.mapping
        )
        if mapping_form.is_valid():
            response, error = _save_or_confirm(
                request, action, staged, data, details_form, mapping_form, remembered, chosen
            )
            if response is not None:
                return response
    parsed, options = _parse_with(data, staged.filename, details, details_form, options_form)
    if details_ok and not details_form.errors:
        remember_parse(staged, details, parsed, options)
    mapping_form = LabelMappingForm(
        request.POST if action else None, rows=label_rows(parsed), interview=details["interview"], saved=staged.mapping
    )
    error = ""
    if action and details_ok and not details_form.errors and mapping_form.is_valid() and not options_form.errors:
        response, error = _save_or_confirm(
            request,
            action,
            staged,
            data,
            details_form,
            mapping_form,
            remembered_parse(staged, details, options),
            options,
        )
        if response is not None:
            return response

    result_preview = build_preview(parsed, details, mapping_form.choices(), detected_language=staged.detected_language)
    return TemplateResponse(
        request,
        "admin/interviews/upload/preview.html",
        _context(
            request,
            model_admin,
            _("Preview: %(name)s") % {"name": staged.filename},
            staged=staged,
            preview=result_preview,
            details_form=details_form,
            mapping_form=mapping_form,
            options_form=options_form,
            error=error,
        ),
        status=400 if error else 200,
    )


def _parse_with(data, filename, details, details_form, options_form):
    """The file parsed in the chosen encoding with the interview's speaker names, the way the
    editor chose; the way it was last read if the new way fits nothing (the options form says
    why); detected and without the names if they break the parse (the details form says why).
    Returns the parse and the way it was read."""
    chosen, saved = options_form.options(), options_form.saved
    kwargs = {"language": details["language"], "title": details["title"]}
    full = {"interview": details["interview"], "encoding": details.get("encoding", ""), **kwargs}
    if chosen != saved:
        try:
            return parse_upload(data, filename, options=chosen, **full), chosen
        except UploadError as exc:  # the new way reads nothing here: show the file as it was read
            options_form.add_error(None, str(exc))
    try:
        return parse_upload(data, filename, options=saved, **full), saved
    except UploadError as exc:  # a wrong encoding, or the interview's names changed the parse beyond repair
        details_form.add_error("encoding" if details.get("encoding") else None, str(exc))
    try:
        return parse_upload(data, filename, options=saved, **kwargs), saved
    except UploadError:  # the saved way needed the interview's names: fall back as a new upload does
        first = parse_new_upload(data, filename, **kwargs)
        return first.parsed, first.options


def _save_or_confirm(request, action, staged, data, details_form, mapping_form, parse, options):
    """Keep the editor's valid choices with the staged file, then queue its ingest if asked to confirm.

    Returns (the redirect to answer with, "") or (None, the error to show on the preview).
    """
    target_changed = _target(staged.details) != _target(details_form.posted_values())
    way_changed = options.to_json() != staged.options
    staged.details = details_form.posted_values()
    staged.mapping = mapping_form.saved_values()
    staged.options = options.to_json()
    staged.save()
    if action == "confirm" and target_changed:
        messages.warning(
            request,
            _("You changed the interview, language or slug: check where this transcript goes, then confirm again."),
        )
    elif action == "confirm" and way_changed:
        messages.warning(request, _("You changed how the file is read: check the turns, then confirm again."))
    elif action == "confirm":
        details = details_form.cleaned_data
        slug = details.get("slug") or parse["language"] or "text"  # as transcript_slug() and ingest choose it
        try:
            check_choices(parse["rows"], mapping_form.choices())
        except IngestError as exc:
            return None, str(exc)
        duplicate = duplicate_at_confirm(data, parse["text_sha256"], slug, details["interview"])
        if duplicate:  # the same words as ingest_transcript() says them
            return None, duplicate_message(duplicate)
        job = jobs.queue(
            staged, details=staged.details, mapping=staged.mapping, options=staged.options, user=request.user
        )
        return redirect(job.get_absolute_url()), ""
    return redirect(PREVIEW_URL, staged.token), ""


def _cleaned(values: dict) -> dict:
    form = TranscriptDetailsForm(values)
    form.is_valid()  # saved details were valid when saved; a since-deleted interview reads as "new"
    return {name: form.cleaned_data.get(name, field.to_python(None)) for name, field in form.fields.items()}


def job(request, model_admin, pk):
    """A confirmed upload while the job runner writes it: its progress, updated without reloading
    (static/js/upload-job.js polls job_progress), or the error; once done, the result page."""
    _require_upload_permission(request, model_admin)
    upload_job = get_object_or_404(UploadJob, pk=pk)
    if upload_job.status == UploadJob.DONE and upload_job.transcript_id:
        return redirect("admin:interviews_transcript_upload_done", upload_job.transcript_id)
    state = jobs.state(upload_job)
    staged_still_there = upload_job.status == UploadJob.FAILED and _staged_exists(upload_job, request.user)
    return TemplateResponse(
        request,
        "admin/interviews/upload/job.html",
        _context(
            request,
            model_admin,
            _("Upload failed: %(file)s") % {"file": upload_job.filename}
            if upload_job.status == UploadJob.FAILED
            else _("Writing %(file)s") % {"file": upload_job.filename},
            job=upload_job,
            state=state,
            finished=upload_job.status in (UploadJob.DONE, UploadJob.FAILED),
            progress_url=reverse("admin:interviews_transcript_upload_job_progress", args=[upload_job.pk]),
            preview_url=reverse(PREVIEW_URL, args=[upload_job.staged_token]) if staged_still_there else "",
        ),
    )


def _staged_exists(upload_job, user) -> bool:
    try:
        load_staged(upload_job.staged_token, user)
    except UploadError:
        return False
    return True


def job_progress(request, model_admin, pk):
    """The job's state as JSON, for the progress page's script: status, stage, turns done of
    total, elapsed seconds, the sentence to show and, once done, where to go."""
    _require_upload_permission(request, model_admin)
    upload_job = get_object_or_404(UploadJob, pk=pk)
    state = jobs.state(upload_job)
    if upload_job.status == UploadJob.DONE and upload_job.transcript_id:
        state["done_url"] = reverse("admin:interviews_transcript_upload_done", args=[upload_job.transcript_id])
        state["transcript_url"] = upload_job.transcript.get_absolute_url()
    return JsonResponse(state)  # never cached: admin_view adds the headers


def done(request, model_admin, pk):
    _require_upload_permission(request, model_admin)
    transcript = get_object_or_404(Transcript.objects.select_related("interview", "uploaded_by"), pk=pk)
    last_job = UploadJob.objects.filter(transcript=transcript, status=UploadJob.DONE).order_by("-finished_at").first()
    result = last_job.result if last_job else None
    return TemplateResponse(
        request,
        "admin/interviews/upload/done.html",
        _context(
            request,
            model_admin,
            _("Transcript uploaded") if result else str(transcript),
            transcript=transcript,
            result=result,
            change_url=reverse("admin:interviews_transcript_change", args=[transcript.pk]),
        ),
    )


def original(request, model_admin, object_id):
    """The file as it was uploaded, for staff to download (never rendered: it may be HTML)."""
    transcript = get_object_or_404(Transcript, pk=object_id) if str(object_id).isdigit() else None
    if transcript is None:
        raise Http404
    if not model_admin.has_view_permission(request, transcript):
        raise PermissionDenied
    try:
        handle = transcript.original_file.open("rb")
    except (OSError, ValueError):
        raise Http404(_("The original file is missing from storage.")) from None
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=transcript.original_name or "transcript.txt",
        content_type="application/octet-stream",
    )
    response["Content-Security-Policy"] = "sandbox"
    return response
