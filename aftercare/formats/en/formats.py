# A time picker given seconds shows a seconds box: hours and minutes first (see ../__init__.py).
TIME_INPUT_FORMATS = ["%H:%M", "%H:%M:%S", "%H:%M:%S.%f"]
