"""Peer-support training: classes, seats, attendance, certifications."""
