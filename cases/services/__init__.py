"""Cases workflows: conflicts.py (conflict checks), matters.py (opening, stages, team),
deadlines.py (rules and dates), work.py (notes and hours). Each writes one audit event."""
