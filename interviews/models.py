import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from interviews import languages, timecodes
from interviews.quotes import spans


def unique_slug(model, text: str, *, field="slug", max_length=80, **scope) -> str:
    """A slug for `text` not yet used by `model` (within `scope`); CJK-only text falls back to a hash."""
    base = slugify(text)[:max_length].strip("-")
    if not base:
        base = "x-" + hashlib.sha1(text.encode()).hexdigest()[:8]
    slug, n = base, 2
    while model.objects.filter(**{field: slug}, **scope).exists():
        slug = f"{base[: max_length - 4]}-{n}"
        n += 1
    return slug


class Speaker(models.Model):
    name = models.CharField(_("name"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    bio = models.TextField(_("bio"), blank=True)
    aliases = models.JSONField(
        _("aliases"), default=list, blank=True, help_text=_("Labels that mean this person in transcripts, e.g. “Q”.")
    )

    class Meta:
        verbose_name = _("speaker")
        verbose_name_plural = _("speakers")
        ordering = ["name"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("interviews:speaker", args=[self.slug])


class SpeakerRedirect(models.Model):
    """A speaker address that moved (a merge or a changed slug): answered with a permanent redirect."""

    old_slug = models.SlugField(_("old slug"), max_length=100, unique=True)
    speaker = models.ForeignKey(Speaker, verbose_name=_("speaker"), on_delete=models.CASCADE, related_name="redirects")
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("speaker redirect")
        verbose_name_plural = _("speaker redirects")
        ordering = ["old_slug"]

    def __str__(self):
        return f"/speakers/{self.old_slug}/ → {self.speaker}"


class Interview(models.Model):
    title = models.CharField(_("title"), max_length=300)
    slug = models.SlugField(_("slug"), max_length=100, unique=True)
    programme = models.CharField(_("programme"), max_length=200, blank=True)
    date_recorded = models.DateField(_("date recorded"), null=True, blank=True)
    original_url = models.URLField(_("original url"), max_length=500, blank=True)
    original_language = models.CharField(_("original language"), max_length=10, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("interview")
        verbose_name_plural = pgettext_lazy("model name", "interviews")
        ordering = ["-date_recorded", "-created_at"]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("interviews:interview", args=[self.slug])

    @property
    def date(self):
        """When the conversation happened, or else when it was first published."""
        if self.date_recorded:
            return self.date_recorded
        dates = [t.published_on for t in self.transcripts.all() if t.published_on]
        return min(dates) if dates else None

    def get_side_by_side_url(self, left, right):
        """The side-by-side reading of two of this interview's transcripts."""
        query = urlencode({"left": left.slug, "right": right.slug})
        return f"{reverse('interviews:side_by_side', args=[self.slug])}?{query}"

    def default_transcript(self):
        transcripts = list(self.transcripts.all())
        for transcript in transcripts:
            if transcript.language == self.original_language:
                return transcript
        # The most complete rendition is the best reading default.
        return max(transcripts, key=lambda t: t.turn_count, default=None)


class Participant(models.Model):
    HOST, GUEST = "host", "guest"
    ROLE_CHOICES = [(HOST, _("Host")), (GUEST, _("Guest"))]

    interview = models.ForeignKey(
        Interview, verbose_name=_("interview"), on_delete=models.CASCADE, related_name="participants"
    )
    speaker = models.ForeignKey(
        Speaker, verbose_name=_("speaker"), on_delete=models.PROTECT, related_name="participations"
    )
    role = models.CharField(_("role"), max_length=10, choices=ROLE_CHOICES, blank=True)

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["role", "id"]  # "guest" sorts before "host": the founder first
        constraints = [models.UniqueConstraint(fields=["interview", "speaker"], name="unique_participant")]

    def __str__(self):
        return f"{self.speaker} ({self.role or 'speaker'}) in {self.interview}"


class Transcript(models.Model):
    ORIGINAL, HUMAN, MACHINE = "original", "human", "machine"
    TRANSLATION_CHOICES = [
        (ORIGINAL, _("Original language")),
        (HUMAN, _("Human translation")),
        (MACHINE, _("Machine translation")),
    ]

    interview = models.ForeignKey(
        Interview, verbose_name=_("interview"), on_delete=models.CASCADE, related_name="transcripts"
    )
    slug = models.SlugField(
        _("slug"), max_length=40, help_text=_("Identifies this rendition within its interview, e.g. “de”.")
    )
    language = models.CharField(_("language"), max_length=10)
    title = models.CharField(_("title as published"), max_length=500)
    publisher = models.CharField(_("publisher"), max_length=200, blank=True)
    source_url = models.URLField(_("source url"), max_length=500, blank=True)
    media_url = models.URLField(
        _("recording URL"),
        max_length=500,
        blank=True,
        help_text=_("The recording the time codes refer to: a YouTube video, an audio or video file, an episode page."),
    )
    published_on = models.DateField(_("published on"), null=True, blank=True)
    translation = models.CharField(_("translation"), max_length=10, choices=TRANSLATION_CHOICES, blank=True)
    translator_note = models.TextField(_("translator note"), blank=True)
    description = models.TextField(
        _("description"), blank=True, help_text=_("The intro published before the conversation.")
    )
    original_file = models.FileField(_("original file"), upload_to="originals/", max_length=300)
    original_name = models.CharField(_("original name"), max_length=255)
    parse_options = models.JSONField(
        _("parse options"),
        default=dict,
        blank=True,
        help_text=_(
            "How the file is read when the parser cannot find its speaker labels (the editor's choice "
            "in the upload preview, or the manifest's); a corrected re-upload is read the same way."
        ),
    )
    sha256 = models.CharField(_("sha256"), max_length=64, unique=True)
    text_sha256 = models.CharField(
        _("text sha256"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Hash of the normalised text: finds re-saved duplicates."),
    )
    turn_count = models.PositiveIntegerField(_("turn count"), default=0)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, blank=True, on_delete=models.SET_NULL
    )
    ingested_at = models.DateTimeField(_("ingested at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("transcript")
        verbose_name_plural = _("transcripts")
        ordering = ["interview", "language", "slug"]
        constraints = [models.UniqueConstraint(fields=["interview", "slug"], name="unique_transcript_slug")]

    def __str__(self):
        return f"{self.interview} [{self.language}]"

    def get_absolute_url(self):
        return reverse("interviews:transcript", args=[self.interview.slug, self.slug])

    def get_page_url(self, page: int) -> str:
        """The transcript page `page` (1-based); the first page is the transcript's own address."""
        url = self.get_absolute_url()
        return url if page <= 1 else f"{url}?page={page}"

    @staticmethod
    def page_of(ordinal: int) -> int:
        """The page that shows the turn at `ordinal`: pages hold fixed ranges of positions, so any
        link to a turn knows its page without a query."""
        return ordinal // settings.ARCHIVE_TRANSCRIPT_TURNS_PER_PAGE + 1

    @staticmethod
    def page_bounds(page: int) -> tuple[int, int]:
        """The turn positions page `page` shows: [start, end), the inverse of `page_of`."""
        start = (page - 1) * settings.ARCHIVE_TRANSCRIPT_TURNS_PER_PAGE
        return start, start + settings.ARCHIVE_TRANSCRIPT_TURNS_PER_PAGE

    def get_turn_url(self, ordinal: int) -> str:
        """The turn at ``ordinal`` on its page of this transcript: ``…?page=3#t412``."""
        return f"{self.get_page_url(self.page_of(ordinal))}#{Turn.anchor_for(ordinal)}"

    @property
    def language_name(self):
        return languages.name(self.language)

    def get_export_url(self, fmt: str) -> str:
        """This transcript as a file: "txt", "vtt", "srt" or "json" (see interviews.exports)."""
        return reverse("interviews:transcript_export", args=[self.interview.slug, self.slug, fmt])

    def export_links(self) -> list[tuple[str, str]]:
        """[(format name, URL)] for the transcript page."""
        names = {"txt": "Text", "vtt": "WebVTT", "srt": "SRT", "json": "Podcast JSON"}
        return [(names[fmt], self.get_export_url(fmt)) for fmt in names]


class Section(models.Model):
    transcript = models.ForeignKey(
        Transcript, verbose_name=_("transcript"), on_delete=models.CASCADE, related_name="sections"
    )
    ordinal = models.PositiveIntegerField(_("ordinal"))
    heading = models.CharField(_("heading"), max_length=300)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["transcript", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["transcript", "ordinal"], name="unique_section_ordinal")]

    def __str__(self):
        return self.heading

    @property
    def anchor(self):
        return f"s{self.ordinal}"


class TurnQuerySet(models.QuerySet):
    def for_display(self):
        return self.select_related("speaker", "section", "transcript__interview")

    def with_topics(self):
        """Prefetch what `effective_topics()` reads: two queries for any number of turns. The
        topics' tagging rules are left out: no reader of a turn's topics uses them, and decoding
        their JSON for every link was some 13% of drawing a transcript page."""
        return self.prefetch_related(
            models.Prefetch(
                "topic_links",
                queryset=TurnTopic.objects.select_related("topic").defer("topic__keywords", "topic__file_snapshot"),
            )
        )


class Turn(models.Model):
    """One speaker's contribution, the unit of search and of permalinks."""

    transcript = models.ForeignKey(
        Transcript, verbose_name=_("transcript"), on_delete=models.CASCADE, related_name="turns"
    )
    ordinal = models.PositiveIntegerField(_("ordinal"))
    key = models.CharField(
        _("key"), max_length=16, unique=True, help_text=_("Stable permalink key; survives corrected re-ingests.")
    )
    speaker = models.ForeignKey(Speaker, verbose_name=_("speaker"), on_delete=models.PROTECT, related_name="turns")
    label = models.CharField(_("label"), max_length=200, blank=True, help_text=_("The label as published."))
    section = models.ForeignKey(
        Section, verbose_name=_("section"), null=True, blank=True, on_delete=models.SET_NULL, related_name="turns"
    )
    text = models.TextField(_("text"))
    start = models.FloatField(
        _("start"), null=True, blank=True, help_text=_("Seconds into the recording, when the source says.")
    )
    end = models.FloatField(
        _("end"), null=True, blank=True, help_text=_("Seconds into the recording where the turn ends.")
    )

    objects = TurnQuerySet.as_manager()

    class Meta:
        verbose_name = _("turn")
        verbose_name_plural = pgettext_lazy("model name", "turns")
        ordering = ["transcript", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["transcript", "ordinal"], name="unique_turn_ordinal")]

    def __str__(self):
        # Language and position first: admin pickers (e.g. linking translations) list turns of
        # several transcripts side by side.
        return f"[{self.transcript.language} ¶{self.ordinal + 1}] {self.speaker}: {self.text[:60]}"

    def get_absolute_url(self):
        return reverse("interviews:quote", args=[self.key])

    @staticmethod
    def anchor_for(ordinal: int) -> str:
        return f"t{ordinal}"

    @property
    def anchor(self):
        return self.anchor_for(self.ordinal)

    def get_transcript_url(self):
        return self.transcript.get_turn_url(self.ordinal)

    def get_json_url(self):
        return reverse("interviews:quote_json", args=[self.key])

    @property
    def clock(self) -> str:
        """The start as a reader sees it ("12:34"), "" for an untimed turn."""
        return timecodes.clock(self.start) if self.start is not None else ""

    def get_media_url(self) -> str:
        """The recording at this turn's start, "" when either is unknown."""
        if self.start is None or not self.transcript.media_url:
            return ""
        return timecodes.media_link(self.transcript.media_url, self.start)

    @property
    def paragraphs(self):
        return [p for p in self.text.split("\n\n") if p.strip()]

    @property
    def paragraph_parts(self):
        """Paragraphs with their character offsets, as pages render them for span links."""
        return spans.paragraphs(self.text)

    def neighbours(self, turns=None):
        """(previous turn, next turn) in the transcript; None at either end. ``turns``: the
        queryset to read them from (default `for_display()`), e.g. with their topics."""
        turns = Turn.objects.for_display() if turns is None else turns
        around = turns.filter(transcript_id=self.transcript_id, ordinal__in=[self.ordinal - 1, self.ordinal + 1])
        by_ordinal = {turn.ordinal: turn for turn in around}
        return by_ordinal.get(self.ordinal - 1), by_ordinal.get(self.ordinal + 1)

    def effective_topics(self):
        """Topics from the rules plus those an editor added, minus those an editor removed."""
        if "topic_links" in getattr(self, "_prefetched_objects_cache", {}):  # Turn.objects.with_topics()
            links = list(self.topic_links.all())  # prefetch_related("topic_links__topic"): no query per turn
        else:
            links = list(self.topic_links.select_related("topic"))
        return TurnTopic.effective((link.topic_id, link.source, link.topic) for link in links)

    def localized_topics(self):
        """[(topic, its name in this turn's language, its page in that language)]: what a reader
        of the transcript sees on a turn."""
        language = self.transcript.language
        return [(topic, topic.name_in(language), topic.get_language_url(language)) for topic in self.effective_topics()]


class RemovedTurn(models.Model):
    """A permalink key whose turn a corrected re-ingest removed: answered with 410, never 404."""

    key = models.CharField(_("key"), max_length=16, unique=True)
    transcript = models.ForeignKey(
        Transcript, verbose_name=_("transcript"), on_delete=models.CASCADE, related_name="removed_turns"
    )
    text = models.TextField(_("text"))
    removed_at = models.DateTimeField(_("removed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("removed turn")
        verbose_name_plural = _("removed turns")

    def __str__(self):
        return self.key


class TopicQuerySet(models.QuerySet):
    def with_turn_counts(self):
        """Annotate `turn_count`: turns that carry the topic now (rules and editors' additions)."""
        return self.annotate(
            turn_count=models.Count("turn_links", filter=~models.Q(turn_links__source=TurnTopic.REMOVED))
        )


class Topic(models.Model):
    """A subject from the archive's controlled vocabulary, assigned to turns by keyword rules."""

    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name_en = models.CharField(_("name (English)"), max_length=120)
    name_de = models.CharField(_("name (German)"), max_length=120, blank=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120, blank=True)
    keywords = models.JSONField(
        _("keywords"),
        default=dict,
        blank=True,
        help_text=_('Per-language keyword rules: {"en": [...], "de": [...], "zh": [...]}.'),
    )
    # What data/topics.json said at the last `load_topics`: a reload applies only what changed in the
    # file since then, so it never undoes an editor's change made in the admin.
    file_snapshot = models.JSONField(_("file snapshot"), default=dict, blank=True, editable=False)

    objects = TopicQuerySet.as_manager()

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["name_en"]

    def __str__(self):
        return self.name_en

    def get_absolute_url(self):
        return reverse("interviews:topic", args=[self.slug])

    def get_language_url(self, language: str) -> str:
        """The topic page narrowed to turns in one language."""
        return f"{self.get_absolute_url()}?{urlencode({'language': language})}"

    def name_in(self, language: str) -> str:
        return getattr(self, f"name_{language}", "") or self.name_en


class TurnTopic(models.Model):
    """A topic on a turn: assigned by the rules, or added or removed by an editor.

    Editor rows ("added", "removed") are decisions that re-tagging and re-ingest never overwrite.
    """

    RULE, ADDED, REMOVED = "rule", "added", "removed"
    SOURCE_CHOICES = [(RULE, _("Keyword rule")), (ADDED, _("Added by an editor")), (REMOVED, _("Removed by an editor"))]

    turn = models.ForeignKey(Turn, verbose_name=_("turn"), on_delete=models.CASCADE, related_name="topic_links")
    topic = models.ForeignKey(Topic, verbose_name=_("topic"), on_delete=models.CASCADE, related_name="turn_links")
    source = models.CharField(_("source"), max_length=10, choices=SOURCE_CHOICES, default=RULE)

    class Meta:
        verbose_name = _("turn topic")
        verbose_name_plural = _("turn topics")
        constraints = [models.UniqueConstraint(fields=["turn", "topic"], name="unique_turn_topic")]

    def __str__(self):
        return f"{self.topic} on {self.turn.key} ({self.source})"

    @classmethod
    def effective(cls, links):
        """A turn's topics from its links, given as (topic id, source, topic): the rules' and an
        editor's, less those an editor removed, by English name."""
        links = list(links)
        removed = {topic_id for topic_id, source, _ in links if source == cls.REMOVED}
        return sorted(
            (topic for topic_id, _, topic in links if topic_id not in removed), key=lambda t: t.name_en.casefold()
        )


class TurnAlignment(models.Model):
    """Two turns of different transcripts of one interview that say the same thing."""

    AUTO, CONFIRMED, REJECTED = "auto", "confirmed", "rejected"
    STATUS_CHOICES = [
        (AUTO, _("Automatic")),
        (CONFIRMED, _("Confirmed by an editor")),
        (REJECTED, _("Rejected by an editor")),
    ]

    source = models.ForeignKey(Turn, verbose_name=_("source"), on_delete=models.CASCADE, related_name="alignments_from")
    target = models.ForeignKey(Turn, verbose_name=_("target"), on_delete=models.CASCADE, related_name="alignments_to")
    confidence = models.FloatField(_("confidence"), default=0.0)
    status = models.CharField(_("status"), max_length=10, choices=STATUS_CHOICES, default=AUTO)
    # Indexed: the home page reads the latest change of every link (`links_version()`), 9.3 ms
    # over 82,492 links without the index (the bench's 1,000,000 turns), growing with the links.
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        verbose_name = _("turn alignment")
        verbose_name_plural = _("turn alignments")
        constraints = [models.UniqueConstraint(fields=["source", "target"], name="unique_turn_alignment")]

    def __str__(self):
        return f"{self.source.key} ↔ {self.target.key} ({self.confidence:.2f})"

    def get_absolute_url(self):
        """The side-by-side reading of the two transcripts, at the linked turn."""
        interview = self.source.transcript.interview
        return f"{interview.get_side_by_side_url(self.source.transcript, self.target.transcript)}#q-{self.source.key}"

    def clean(self):
        if not (self.source_id and self.target_id):
            return
        if self.source.transcript_id == self.target.transcript_id:
            raise ValidationError(
                _("Both turns are in the same transcript: a link joins two transcripts of one interview.")
            )
        if self.source.transcript.interview_id != self.target.transcript.interview_id:
            raise ValidationError(
                _("The turns belong to different interviews (“%(first)s” and “%(second)s”).")
                % {"first": self.source.transcript.interview, "second": self.target.transcript.interview}
            )


class IndexTask(models.Model):
    """Pending search-index work, written in the same transaction as the data it reflects.

    The database is the source of truth: whatever crashes between the commit and the index
    write, these rows say what the index still owes.
    """

    UPDATE, DELETE = "update", "delete"
    ACTION_CHOICES = [(UPDATE, _("Index")), (DELETE, _("Remove"))]

    turn_key = models.CharField(_("turn key"), max_length=16, db_index=True)
    action = models.CharField(_("action"), max_length=10, choices=ACTION_CHOICES)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("index task")
        verbose_name_plural = _("index tasks")
        ordering = ["id"]

    def __str__(self):
        return f"{self.action} {self.turn_key}"


class UploadJob(models.Model):
    """A confirmed admin upload, written by the job runner (`manage.py run_jobs`), not the request.

    The staged file and the editor's choices wait here until a runner claims the row; the runner
    records the transcript it wrote in the same transaction as the transcript itself, so a job
    whose runner died is run again safely (see interviews/upload/jobs.py).
    """

    QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
    STATUS_CHOICES = [(QUEUED, _("Queued")), (RUNNING, _("Running")), (DONE, _("Done")), (FAILED, _("Failed"))]

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, on_delete=models.SET_NULL)
    staged_token = models.CharField(_("staged token"), max_length=64)
    filename = models.CharField(_("filename"), max_length=255)
    # The preview's details and label mapping as the editor confirmed them (form strings).
    options = models.JSONField(_("options"), default=dict)
    status = models.CharField(_("status"), max_length=10, choices=STATUS_CHOICES, default=QUEUED, db_index=True)
    stage = models.CharField(_("stage"), max_length=20, blank=True)
    progress_done = models.PositiveIntegerField(_("progress done"), default=0)
    progress_total = models.PositiveIntegerField(_("progress total"), default=0)
    message = models.TextField(_("message"), blank=True)
    transcript = models.ForeignKey(
        Transcript, verbose_name=_("transcript"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    result = models.JSONField(_("result"), default=dict, blank=True)  # what the done page reports: turns added, kept…
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    runner = models.CharField(_("runner"), max_length=100, blank=True)  # host:pid of the runner that claimed it
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("heartbeat at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("upload job")
        verbose_name_plural = _("upload jobs")
        ordering = ["id"]

    def __str__(self):
        return f"upload of {self.filename} ({self.status})"

    def get_absolute_url(self):
        return reverse("admin:interviews_transcript_upload_job", args=[self.pk])
