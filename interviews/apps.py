from django.apps import AppConfig


class InterviewsConfig(AppConfig):
    name = "interviews"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from interviews import outbox
        from interviews.search import indexing

        # Index work recorded by ingest is applied by the search package after each commit.
        outbox.register_processor(indexing.process_index_tasks)
