"""Volunteers: profiles, training and checks, eligibility, matching and assignment."""
