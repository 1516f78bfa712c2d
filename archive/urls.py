from django.contrib import admin
from django.contrib.sitemaps import views as sitemap_views
from django.urls import include, path
from django.views.i18n import set_language

from interviews.sitemaps import SITEMAPS
from interviews.views import favicon, robots_txt

urlpatterns = [
    path("admin/", admin.site.urls),
    # The header's language switcher posts here; the choice is kept in the django_language cookie.
    path("i18n/setlang/", set_language, name="set_language"),
    path("robots.txt", robots_txt, name="robots_txt"),
    path("favicon.ico", favicon, name="favicon"),
    path(
        "sitemap.xml",
        sitemap_views.index,
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path("sitemap-<section>.xml", sitemap_views.sitemap, {"sitemaps": SITEMAPS}, name="sitemap_section"),
    path("", include("interviews.urls")),
]

handler400 = "interviews.views.bad_request"
handler404 = "interviews.views.page_not_found"
handler500 = "interviews.views.server_error"
