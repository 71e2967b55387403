"""Legal matters: conflict checks, deadlines, hearings, notes, hours and documents."""
