"""sitemap.xml: interviews, transcripts, speakers and every quote permalink.

Served as a sitemap index (/sitemap.xml) over one sitemap per section (/sitemap-<section>.xml),
each paginated by Django (`?p=2`, ...) at ARCHIVE_SITEMAP_URLS_PER_FILE URLs: at 5,000 a quote
sitemap file is about 0.8 MB and built in a fraction of a second, where one file of 32,000 quotes
was 5.9 MB.
"""

from django.conf import settings
from django.contrib.sitemaps import Sitemap as DjangoSitemap
from django.db.models import Max

from interviews.models import Interview, Speaker, Transcript, Turn


class Sitemap(DjangoSitemap):
    @property
    def limit(self):
        return settings.ARCHIVE_SITEMAP_URLS_PER_FILE


class InterviewSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.8

    def items(self):
        return Interview.objects.annotate(last_changed=Max("transcripts__updated_at")).order_by("pk")

    def lastmod(self, interview):
        return interview.last_changed


class TranscriptSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.7

    def items(self):
        return (
            Transcript.objects.select_related("interview").only("slug", "updated_at", "interview__slug").order_by("pk")
        )

    def lastmod(self, transcript):
        return transcript.updated_at


class SpeakerSitemap(Sitemap):
    changefreq = "monthly"
    priority = 0.6

    def items(self):
        return Speaker.objects.only("slug").order_by("pk")


class QuoteSitemap(Sitemap):
    changefreq = "yearly"
    priority = 0.5

    def items(self):
        # Only what get_absolute_url and lastmod need: this section is by far the largest.
        return Turn.objects.select_related("transcript").only("key", "transcript__updated_at").order_by("pk")

    def lastmod(self, turn):
        return turn.transcript.updated_at


SITEMAPS = {
    "interviews": InterviewSitemap,
    "transcripts": TranscriptSitemap,
    "speakers": SpeakerSitemap,
    "quotes": QuoteSitemap,
}
