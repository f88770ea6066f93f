"""Offline question generation: bank questions ranked by the skills a job and a résumé name.

Skills are recognised in the job title, description and résumé through a small vocabulary with
aliases; bank questions are ranked by tag overlap, the category mix is respected, and a few
questions may be written from templates around skills the résumé itself lists.
"""
from __future__ import annotations

import re

from .text import split_key_points
from .types import CATEGORIES, BankQuestion, GeneratedQuestion, JobSpec, category_of, text_key

# skill tag -> aliases as they appear in job ads and résumés (lower case, matched on word edges)
SKILLS: dict[str, tuple[str, ...]] = {
    "python": ("python", "django", "flask", "fastapi", "pandas", "pytest"),
    "javascript": ("javascript", "js", "node.js", "nodejs", "node", "ecmascript", "typescript", "ts", "express"),
    "react": ("react", "reactjs", "react.js", "redux", "next.js", "nextjs"),
    "java": ("java", "spring", "spring boot", "jvm", "kotlin"),
    "csharp": ("c#", "csharp", ".net", "dotnet", "asp.net"),
    "cpp": ("c++", "cpp"),
    "go": ("golang", "go"),
    "sql": ("sql", "postgres", "postgresql", "mysql", "sqlite", "oracle", "t-sql", "mssql", "sql server", "relational database"),
    "nosql": ("nosql", "mongodb", "mongo", "redis", "cassandra", "dynamodb", "elasticsearch"),
    "kubernetes": ("kubernetes", "k8s", "helm", "openshift"),
    "docker": ("docker", "containers", "containerization", "container"),
    "cloud": ("aws", "azure", "gcp", "google cloud", "cloud", "lambda", "s3", "ec2"),
    "devops": ("devops", "ci/cd", "ci", "cd", "jenkins", "github actions", "gitlab", "terraform", "ansible"),
    "linux": ("linux", "unix", "bash", "shell"),
    "git": ("git", "version control"),
    "testing": ("testing", "unit test", "unit tests", "tdd", "qa", "test automation", "selenium", "pytest", "jest"),
    "api": ("api", "apis", "rest", "restful", "graphql", "grpc", "microservices"),
    "security": ("security", "owasp", "authentication", "authorization", "oauth", "encryption"),
    "data": ("data analysis", "analytics", "etl", "data pipeline", "spark", "hadoop", "data engineering", "excel", "tableau", "power bi"),
    "machine-learning": ("machine learning", "ml", "deep learning", "ai", "nlp", "scikit-learn", "tensorflow", "pytorch"),
    "frontend": ("frontend", "front-end", "html", "css", "ui", "vue", "angular", "svelte"),
    "backend": ("backend", "back-end", "server-side"),
    "mobile": ("ios", "android", "swift", "mobile", "flutter", "react native"),
    "architecture": ("architecture", "system design", "scalability", "distributed systems", "design patterns"),
    "communication": ("communication", "communicate", "stakeholder", "stakeholders", "presentation", "writing", "client-facing"),
    "leadership": ("leadership", "lead", "mentor", "mentoring", "manage", "management", "team lead", "manager"),
    "teamwork": ("team", "teamwork", "collaboration", "collaborate", "cross-functional"),
    "agile": ("agile", "scrum", "kanban", "sprint", "jira"),
    "problem-solving": ("problem solving", "problem-solving", "troubleshooting", "debugging", "analytical"),
    "customer": ("customer", "customers", "client", "clients", "support", "service"),
    "sales": ("sales", "selling", "negotiation", "crm", "salesforce"),
    "marketing": ("marketing", "seo", "campaigns", "social media", "content"),
    "finance": ("finance", "accounting", "budget", "budgeting", "forecasting"),
}
# Tags too generic to stand for "a skill on the résumé" in a template question.
_SOFT = {"communication", "leadership", "teamwork", "customer", "problem-solving", "agile"}
_DISPLAY = {
    "cpp": "C++", "csharp": "C#", "sql": "SQL", "nosql": "NoSQL databases", "api": "APIs",
    "javascript": "JavaScript", "machine-learning": "machine learning", "devops": "CI/CD and DevOps",
    "cloud": "cloud platforms", "git": "Git", "linux": "Linux", "go": "Go", "react": "React",
    "kubernetes": "Kubernetes", "docker": "Docker", "python": "Python", "java": "Java",
}
_ALIAS_RE = [
    (tag, re.compile(r"(?<![a-z0-9])(?:" + "|".join(re.escape(a) for a in sorted(aliases, key=len, reverse=True)) + r")(?![a-z0-9+#])"))
    for tag, aliases in SKILLS.items()
]
_CANON_TAG = {alias: tag for tag, aliases in SKILLS.items() for alias in (*aliases, tag)}


def find_skills(text: str) -> dict[str, int]:
    """Skill tags mentioned in the text, with how often (aliases folded: postgres -> sql)."""
    low = (text or "").lower()
    found: dict[str, int] = {}
    for tag, pattern in _ALIAS_RE:
        hits = len(pattern.findall(low))
        if hits:
            found[tag] = hits
    return found


def canonical_tag(tag: str) -> str:
    t = (tag or "").strip().lower()
    return _CANON_TAG.get(t, t)


def default_mix(count: int) -> dict[str, int]:
    """Mostly technical: 5/8 technical, 2/8 behavioural, 1/8 situational (rounded, sums to count)."""
    if count <= 0:
        return {c: 0 for c in CATEGORIES}
    shares = {"technical": 5 / 8, "behavioural": 2 / 8, "situational": 1 / 8}
    out = {c: int(count * s) for c, s in shares.items()}
    order = sorted(shares, key=lambda c: -(count * shares[c] - out[c]))
    i = 0
    while sum(out.values()) < count:
        out[order[i % len(order)]] += 1
        i += 1
    return out


_TEMPLATES = {
    "technical": [
        (
            "Your résumé mentions {skill}. Describe a concrete problem you solved with it: what was "
            "the situation, what did you do, and what was the result?",
            [
                "Describes a specific, real situation and the goal",
                "Explains the technical approach and why it was chosen",
                "Mentions a trade-off, difficulty or alternative considered",
                "States a measurable or observable result",
            ],
        ),
        (
            "What is a common mistake or pitfall when working with {skill}, and how do you avoid it?",
            [
                "Names a specific, realistic pitfall",
                "Explains why it causes problems",
                "Gives a concrete way to prevent or detect it",
            ],
        ),
    ],
    "behavioural": [
        (
            "Tell us about a time you had to learn {skill} (or another tool) quickly for a piece of "
            "work. How did you approach it?",
            [
                "Describes the situation and deadline",
                "Explains a deliberate learning approach",
                "Shows how the new knowledge was applied",
                "Reflects on what they would do differently",
            ],
        ),
        (
            "Describe a disagreement with a colleague about a technical or work decision. How was it resolved?",
            [
                "Describes the disagreement fairly, including the other view",
                "Explains how they communicated and listened",
                "States the outcome and what was learned",
            ],
        ),
    ],
    "situational": [
        (
            "You join a project that uses {skill} and find a serious problem two days before a "
            "deadline. What do you do?",
            [
                "Assesses impact and urgency before acting",
                "Communicates early with the people affected",
                "Proposes options (fix, workaround, postpone) with trade-offs",
                "Follows up to prevent a repeat",
            ],
        ),
        (
            "A stakeholder asks for a change that you think is a bad idea. How do you handle it?",
            [
                "Seeks to understand the underlying need",
                "Explains concerns with evidence, respectfully",
                "Offers alternatives and accepts a reasoned decision",
            ],
        ),
    ],
}


def _template_reference(points: list[str]) -> str:
    return "A strong answer: " + "; ".join(p[0].lower() + p[1:] for p in points) + "."


def _skill_name(tag: str) -> str:
    return _DISPLAY.get(tag, tag.replace("-", " "))


def generate_questions(
    job: JobSpec,
    resume: str,
    count: int,
    mix: dict[str, int] | None = None,
    bank: list[BankQuestion] | None = None,
) -> list[GeneratedQuestion]:
    """Pick up to ``count`` questions: bank questions ranked by skill overlap, then templates."""
    count = max(0, int(count or 0))
    if count == 0:
        return []
    if mix:
        wanted = {c: max(0, int(mix.get(c, 0) or 0)) for c in CATEGORIES}
        for c, n in mix.items():  # tolerate spelling variants such as "behavioral"
            c2 = category_of(c)
            if c2 is not None and c2 != c:
                wanted[c2] = max(wanted[c2], max(0, int(n or 0)))
        if sum(wanted.values()) > count:
            wanted = _shrink(wanted, count)
    else:
        wanted = default_mix(count)

    job_skills = find_skills(f"{job.title}\n{job.title}\n{job.description}")
    resume_skills = find_skills(resume or "")
    weights: dict[str, float] = {}
    for tag, n in job_skills.items():
        weights[tag] = weights.get(tag, 0) + 2.0 + min(n, 5) * 0.5
    for tag, n in resume_skills.items():
        weights[tag] = weights.get(tag, 0) + 1.0 + min(n, 3) * 0.2

    chosen: list[GeneratedQuestion] = []
    seen_text: set[str] = set()

    def add(q: GeneratedQuestion) -> bool:
        norm = text_key(q.text)
        if norm in seen_text or len(chosen) >= count:
            return False
        seen_text.add(norm)
        chosen.append(q)
        return True

    pool = list(bank or [])
    by_cat: dict[str, list[BankQuestion]] = {c: [] for c in CATEGORIES}
    for q in pool:
        cat = category_of(q.category)
        if cat is not None:
            by_cat[cat].append(q)

    def rank(q: BankQuestion) -> tuple:
        tags = {canonical_tag(t) for t in q.tags}
        overlap = sum(weights.get(t, 0) for t in tags)
        return (-overlap, -len(tags & set(weights)), abs(q.difficulty - 3), q.key)

    # Templates are built around the candidate's own technical skills, job skills first.
    template_skills = [t for t, _ in sorted(resume_skills.items(), key=lambda kv: (-(kv[0] in job_skills), -kv[1], kv[0])) if t not in _SOFT]
    template_skills += [t for t in sorted(job_skills, key=lambda t: (-job_skills[t], t)) if t not in _SOFT and t not in template_skills]
    used_templates: dict[str, int] = {c: 0 for c in CATEGORIES}

    def template(category: str, index: int) -> GeneratedQuestion | None:
        options = _TEMPLATES[category]
        skills = template_skills or ["the tools you use most"]
        combos = [(t, s) for s in skills for t in options]
        while index < len(combos):
            (text, points), skill = combos[index]
            index += 1
            used_templates[category] = index
            name = _skill_name(skill) if skill in SKILLS else skill
            filled = text.format(skill=name)
            tags = [skill] if skill in SKILLS else []
            q = GeneratedQuestion(
                text=filled,
                category=category,
                difficulty=3,
                tags=tags,
                reference_answer=_template_reference(points),
                key_points=list(points),
            )
            if text_key(filled) not in seen_text:
                return q
        return None

    for category in CATEGORIES:
        need = wanted.get(category, 0)
        ranked = sorted((rank(q), i, q) for i, q in enumerate(by_cat[category]))
        # Relevant bank questions first; one résumé template for the technical part when the
        # résumé names a skill, so every interview has something personal.
        relevant = [q for r, _, q in ranked if r[0] < 0]
        rest = [q for r, _, q in ranked if r[0] == 0]
        picks: list[GeneratedQuestion] = []
        picked_text: set[str] = set()
        personal = category == "technical" and resume_skills and need >= 3
        quota_bank = need - 1 if personal else need
        for q in relevant + rest:
            if len(picks) >= quota_bank:
                break
            norm = text_key(q.text)
            if norm in seen_text or norm in picked_text:
                continue
            picked_text.add(norm)
            picks.append(_from_bank(q, category))
        for p in picks:
            add(p)
        missing = need - len(picks)
        while missing > 0:
            q = template(category, used_templates[category])
            if q is None or not add(q):
                break
            missing -= 1
    # The mix may ask for fewer than ``count``; top up with the best remaining bank questions.
    if len(chosen) < count and not mix:
        leftovers = sorted((q for q in pool), key=rank)
        for q in leftovers:
            if len(chosen) >= count:
                break
            add(_from_bank(q, category_of(q.category) or "technical"))
    return chosen[:count]


def _shrink(wanted: dict[str, int], count: int) -> dict[str, int]:
    total = sum(wanted.values())
    out = {c: int(n * count / total) for c, n in wanted.items()}
    order = sorted(wanted, key=lambda c: (-(wanted[c] * count / total - out[c]), CATEGORIES.index(c)))
    i = 0
    while sum(out.values()) < count:
        out[order[i % len(order)]] += 1
        i += 1
    return out


def _from_bank(q: BankQuestion, category: str) -> GeneratedQuestion:
    points = list(q.key_points) or split_key_points(q.reference_answer)
    reference = q.reference_answer or (_template_reference(points) if points else "")
    if not points:
        points = ["Gives a specific, relevant example", "Explains reasoning and trade-offs", "States the outcome"]
        reference = _template_reference(points)
    return GeneratedQuestion(
        text=q.text,
        category=category,
        difficulty=min(5, max(1, int(q.difficulty or 3))),
        tags=[canonical_tag(t) for t in q.tags],
        reference_answer=reference,
        key_points=points,
    )
