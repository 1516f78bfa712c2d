"""gunicorn settings: `gunicorn -c archive/gunicorn.conf.py archive.wsgi`."""
import multiprocessing
import os

bind = f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", min(multiprocessing.cpu_count() * 2 + 1, 8)))
# The slowest legitimate request is an admin upload of a 5 MB transcript (parse + index):
# a few seconds on this hardware, so 60 s leaves a wide margin without letting a stuck worker linger.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 60))
graceful_timeout = 30
keepalive = 5
max_requests = 2000
max_requests_jitter = 200
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
