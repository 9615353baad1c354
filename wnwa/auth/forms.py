from __future__ import annotations

from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length


class LoginForm(FlaskForm):
    email = EmailField("Work email", validators=[DataRequired(), Length(max=254)])
    password = PasswordField("Password", validators=[DataRequired(), Length(max=1024)])


class CodeForm(FlaskForm):
    code = StringField(
        "Six-digit code from your authenticator app, or a recovery code",
        validators=[DataRequired(), Length(max=40)],
    )


class ActivationForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )
    use_mfa = BooleanField("Turn on two-step sign-in (lets you use a 12-character password)")
    code = StringField("Six-digit code from your authenticator app", validators=[Length(max=12)])


class EnrolForm(FlaskForm):
    code = StringField(
        "Six-digit code from your authenticator app", validators=[DataRequired(), Length(max=12)]
    )


class TurnOnTwoStepForm(EnrolForm):
    password = PasswordField("Your password", validators=[DataRequired(), Length(max=1024)])


class ForgotForm(FlaskForm):
    email = EmailField(
        "Work email",
        validators=[
            DataRequired(),
            Length(max=254),
            Email("Enter your work email address, like name@department.gov."),
        ],
    )


class ResetForm(FlaskForm):
    password = PasswordField("New password", validators=[DataRequired(), Length(max=1024)])
    confirm = PasswordField(
        "Repeat the password",
        validators=[DataRequired(), EqualTo("password", message="The two passwords differ.")],
    )
    code = StringField(
        "Six-digit code from your authenticator app, or a recovery code",
        validators=[Length(max=40)],
    )
