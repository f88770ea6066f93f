from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..forms import WholeNumberField


class StaffForm(FlaskForm):
    name = StringField("Name", validators=[DataRequired(), Length(max=120)])
    email = EmailField("E-mail", validators=[DataRequired(), Length(max=254)])
    # SelectChoice, not tuples: tuples are deprecated in WTForms 3.3 and go in 3.4.
    role = SelectField("Role", choices=[SelectChoice("hr", "HR"), SelectChoice("admin", "Admin")])
    # Empty: the account is created without a usable password and its owner is e-mailed a link to choose one.
    password = PasswordField("Initial password (optional)", validators=[Optional(), Length(min=8, max=1024)])


class QuestionForm(FlaskForm):
    text = TextAreaField("Question", validators=[DataRequired(), Length(max=2000)])
    category = SelectField("Category", choices=[SelectChoice("technical", "Technical"),
                                                SelectChoice("behavioural", "Behavioural"),
                                                SelectChoice("situational", "Situational")])
    difficulty = WholeNumberField("Difficulty (1–5)", default=3, validators=[NumberRange(1, 5)])
    tags = StringField("Tags (comma-separated)")
    reference_answer = TextAreaField("Reference answer")
    key_points = TextAreaField("Key points (one per line)")
