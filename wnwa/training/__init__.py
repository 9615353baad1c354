"""Peer-support training: classes, seats, attendance, certifications (incl. external ones),
and the peer-supporter quota pages and commands."""

# Seats listen to classes (wnwa.signals.class_saved): connected whenever training is imported.
from wnwa.training import seats as _seats  # noqa: F401


def blueprints():
    from wnwa.site.navigation import NavItem, register_nav
    from wnwa.training import admin_views, public_views, views

    register_nav("chief", NavItem("Peer support", "training.chief_overview"))
    register_nav("officer", NavItem("Training", "training_officer.index"))
    register_nav("network_admin", NavItem("Quota", "training_admin.quota"))
    register_nav("network_admin", NavItem("Training", "training_admin.classes_list"))
    return [views.bp, views.officer_bp, admin_views.bp, public_views.bp]


def cli_groups():
    from wnwa.training.cli import quota_cli

    return [quota_cli]


def due_jobs():
    from datetime import timedelta

    from wnwa.jobs import Job
    from wnwa.training.jobs import quota_reminders

    return [Job("quota-reminders", timedelta(hours=1), quota_reminders)]
