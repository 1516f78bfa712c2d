from django.contrib import admin

from .models import Interview, Participant, RemovedTurn, Section, Speaker, Transcript, Turn


class ParticipantInline(admin.TabularInline):
    model = Participant
    extra = 0
    autocomplete_fields = ["speaker"]


@admin.register(Interview)
class InterviewAdmin(admin.ModelAdmin):
    list_display = ["title", "programme", "date_recorded", "original_language"]
    search_fields = ["title", "slug"]
    prepopulated_fields = {"slug": ["title"]}
    inlines = [ParticipantInline]
    view_on_site = True


@admin.register(Speaker)
class SpeakerAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name", "aliases"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Transcript)
class TranscriptAdmin(admin.ModelAdmin):
    list_display = ["interview", "language", "publisher", "turn_count", "uploaded_by", "ingested_at"]
    list_filter = ["language", "translation"]
    search_fields = ["title", "interview__title", "publisher", "sha256"]
    readonly_fields = ["sha256", "original_file", "original_name", "turn_count", "uploaded_by", "ingested_at", "updated_at"]


@admin.register(Turn)
class TurnAdmin(admin.ModelAdmin):
    list_display = ["key", "transcript", "ordinal", "speaker", "short_text"]
    list_filter = ["transcript__language", "speaker"]
    search_fields = ["key", "text"]
    list_select_related = ["transcript__interview", "speaker"]
    readonly_fields = ["key", "transcript", "ordinal"]
    autocomplete_fields = ["speaker"]

    @admin.display(description="text")
    def short_text(self, obj):
        return obj.text[:80]


admin.site.register(Section)
admin.site.register(RemovedTurn)
admin.site.site_header = "Founder Interview Archive"
