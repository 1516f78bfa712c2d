"""The admin's transcript upload: upload → preview (as often as needed) → confirm → result.

Function views, wired into TranscriptAdmin.get_urls() behind admin_site.admin_view (staff only,
CSRF protected, never cached). Nothing is written to the database before "Confirm".
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from interviews.forms import LabelMappingForm, TranscriptDetailsForm, UploadForm
from interviews.models import Transcript
from interviews.sources import IngestError
from interviews.upload.preview import build_preview
from interviews.upload.staging import (
    UploadError,
    ingest_upload,
    label_rows,
    load_staged,
    parse_upload,
    stage,
)

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
            staged = stage(form.file_bytes, form.filename, request.user, details=details, detected_language=detected)
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
    parsed = _parse_with(data, staged.filename, details, details_form)
    mapping_form = LabelMappingForm(
        request.POST if action else None, rows=label_rows(parsed), interview=details["interview"], saved=staged.mapping
    )
    error = ""
    if action and details_ok and not details_form.errors and mapping_form.is_valid():
        response, error = _save_or_confirm(request, action, staged, data, details_form, mapping_form, parsed)
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
            error=error,
        ),
        status=400 if error else 200,
    )


def _parse_with(data, filename, details, details_form):
    """The file parsed in the chosen encoding with the interview's speaker names; detected and
    without them if they break the parse (the form then says why)."""
    try:
        return parse_upload(
            data,
            filename,
            interview=details["interview"],
            language=details["language"],
            title=details["title"],
            encoding=details.get("encoding", ""),
        )
    except UploadError as exc:  # a wrong encoding, or the interview's names changed the parse beyond repair
        details_form.add_error("encoding" if details.get("encoding") else None, str(exc))
        return parse_upload(data, filename, language=details["language"], title=details["title"])


def _save_or_confirm(request, action, staged, data, details_form, mapping_form, parsed):
    """Keep the editor's valid choices with the staged file, then ingest it if asked to confirm.

    Returns (the redirect to answer with, "") or (None, the ingest's error to show on the preview).
    """
    target_changed = _target(staged.details) != _target(details_form.posted_values())
    staged.details = details_form.posted_values()
    staged.mapping = mapping_form.saved_values()
    staged.save()
    if action == "confirm" and target_changed:
        messages.warning(
            request,
            _("You changed the interview, language or slug: check where this transcript goes, then confirm again."),
        )
    elif action == "confirm":
        details = details_form.cleaned_data
        try:
            result = ingest_upload(data, staged.filename, details, parsed, mapping_form.choices(), request.user)
        except IngestError as exc:
            return None, str(exc)
        staged.discard()
        request.session[f"upload-result-{result.transcript.pk}"] = {
            "status": result.status,
            "added": result.turns_added,
            "edited": result.turns_edited,
            "removed": result.turns_removed,
            "kept": result.turns_kept,
            "filename": staged.filename,
        }
        return redirect("admin:interviews_transcript_upload_done", result.transcript.pk), ""
    return redirect(PREVIEW_URL, staged.token), ""


def _cleaned(values: dict) -> dict:
    form = TranscriptDetailsForm(values)
    form.is_valid()  # saved details were valid when saved; a since-deleted interview reads as "new"
    return {name: form.cleaned_data.get(name, field.to_python(None)) for name, field in form.fields.items()}


def done(request, model_admin, pk):
    _require_upload_permission(request, model_admin)
    transcript = get_object_or_404(Transcript.objects.select_related("interview", "uploaded_by"), pk=pk)
    result = request.session.pop(f"upload-result-{pk}", None)
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
