from django.views.debug import SafeExceptionReporterFilter


class NoLocalsExceptionReporterFilter(SafeExceptionReporterFilter):
    """Error reports never list local variables: they can hold decrypted personal data."""

    def get_traceback_frame_variables(self, request, tb_frame):
        return []

    def get_post_parameters(self, request):
        return {}
