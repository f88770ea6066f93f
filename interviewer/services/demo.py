"""Demo accounts for a first look. The only place with fixed passwords, used only by `flask demo`."""
from __future__ import annotations

from . import users

DEMO_ACCOUNTS = [
    ("admin@example.com", "Ada Admin", "admin", "admin-demo-pass"),
    ("hr@example.com", "Harriet HR", "hr", "hr-demo-pass"),
    ("candidate@example.com", "Cara Candidate", "candidate", "candidate-demo-pass"),
    ("candidate2@example.com", "Carl Candidate", "candidate", "candidate-demo-pass"),
]
DEMO_RESUME = (
    "Backend developer, 4 years. Python, Flask and Django; PostgreSQL and MongoDB; REST APIs; "
    "Docker and GitHub Actions CI. Built a payment reconciliation service and an internal analytics dashboard "
    "in React and TypeScript."
)


def ensure_demo(repos) -> list[str]:
    """Create any missing demo account; assign the first candidate to the HR user. Returns lines to print."""
    lines = ["Demo accounts (e-mail / password):"]
    for email, name, role, password in DEMO_ACCOUNTS:
        user = repos.users.by_email(email)
        if user is None:
            resume = DEMO_RESUME if email == "candidate@example.com" else ""
            user = users.create_user(repos, email, name, password, role, resume_text=resume,
                                     resume_filename="resume.txt" if resume else "")
            lines.append(f"  {role:<9} {email} / {password}   (created)")
        else:
            lines.append(f"  {role:<9} {email} / {password}")
    candidate = repos.users.by_email("candidate@example.com")
    hr = repos.users.by_email("hr@example.com")
    if candidate.status == "registered" and candidate.hr_id is None:
        users.assign(repos, candidate.id, hr.id)
        lines.append("  candidate@example.com is assigned to hr@example.com")
    return lines
