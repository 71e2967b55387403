# A time picker given seconds shows a seconds box: hours and minutes first (see ../__init__.py).
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]

# Lists and tables: an unambiguous short date (never 03/12/2026, which reads as two
# different days to staff from different countries), and the same with a time.
SHORT_DATE_FORMAT = "M j, Y"
SHORT_DATETIME_FORMAT = "M j, Y, H:i"
