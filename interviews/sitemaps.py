"""sitemap.xml: interviews, transcripts, speakers and every quote permalink.

Served as a sitemap index (/sitemap.xml) over one sitemap per section (/sitemap-<section>.xml),
each paginated at Django's 50,000 URLs, so a million quotes stay within the protocol's limits.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max

from interviews.models import Interview, Speaker, Transcript, Turn


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
