# English dates as the archive writes them ("6 December 2026", "6 Dec 2026"), not Django's American
# defaults; German and Chinese use Django's own formats ("6. Dezember 2026", "2026年12月6日").
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = "j M Y"
