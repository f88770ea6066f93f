"""Entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""
from interviewer import create_app

app = create_app()
