"""The partner API, version 1. Thin views: fetch through the door, call one service.

Every view names the scope each method needs (`api.permissions.HasScope`); lists go
through the model's `visible_to(membership)` and never grow in queries with their rows.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db.models import CharField
from django.db.models.functions import Cast
from django.http import HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from aftercare.access import can_change
from aftercare.audit import audit_record_by
from aftercare.models import AuditEvent, Notification
from api import serializers as s
from api.access import actor_of, api_deny, api_fetch
from api.idempotency import HEADER, idempotent
from api.pagination import OldestFirstCursor
from cases.models import Deadline, DocumentVersion, Matter
from cases.services.documents import document_download
from survivors.identity import IdentityUse, IdentityWithheld, survivor_identity_for
from survivors.models import Referral, Survivor
from survivors.services.sharing import referral_move, referral_send

ERRORS = {
    401: OpenApiResponse(s.ErrorSerializer, description="No key, or a bad one"),
    403: OpenApiResponse(s.ErrorSerializer, description="The key lacks the scope, or why not"),
    404: OpenApiResponse(s.ErrorSerializer, description="Not visible to this key"),
    429: OpenApiResponse(s.ErrorSerializer, description="Too many requests from this client"),
}
# A 400 names each field refused ({"status": ["…"]}) or says why ({"detail": "…"}).
BAD_REQUEST = OpenApiResponse(OpenApiTypes.OBJECT, description="What to change, per field")
LIST_ERRORS = {**ERRORS, 400: BAD_REQUEST}
IDEMPOTENCY = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=True,
    description="Any unique string (a UUID): a retry with the same key and body answers "
    "the first response again; the same key with another body is refused (422).",
)
POST_ERRORS = {
    **ERRORS,
    400: BAD_REQUEST,
    409: OpenApiResponse(s.ErrorSerializer, description="Not in a state that allows it"),
    422: OpenApiResponse(s.ErrorSerializer, description="Idempotency-Key reused, other body"),
}
REFERRAL_EVENTS = ("survivors.referral.sent", "survivors.referral.moved")


def _status_filter(request, choices) -> str | None:
    wanted = request.query_params.get("status")
    if wanted is None:
        return None
    if wanted not in dict(choices):
        known = ", ".join(dict(choices))
        raise ValidationError(
            {"status": [_("Unknown status. Use one of: %(list)s.") % {"list": known}]}
        )
    return wanted


# --- Referrals -----------------------------------------------------------------------


class ReferralList(generics.GenericAPIView):
    required_scopes = {"GET": "referrals:read", "POST": "referrals:write"}
    serializer_class = s.ReferralSerializer

    def get_queryset(self):
        referrals = Referral.objects.visible_to(self.request.auth.membership).select_related(
            "survivor"
        )
        wanted = _status_filter(self.request, Referral.Status.choices)
        return referrals.filter(status=wanted) if wanted else referrals

    @extend_schema(
        parameters=[OpenApiParameter("status", enum=Referral.Status.values)],
        responses={200: s.ReferralSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request):
        """Referrals your organization sent or received (as far as this key's role sees)."""
        page = self.paginate_queryset(
            self.get_queryset().only(
                "id",
                "survivor__code",
                "from_organization_id",
                "to_organization_id",
                "purpose",
                "need",
                "status",
                "sent_at",
                "updated_at",
            )
        )
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(
        request=s.ReferralCreateSerializer,
        parameters=[IDEMPOTENCY],
        responses={201: s.ReferralSerializer, **POST_ERRORS},
    )
    @idempotent
    def post(self, request):
        """Refer a survivor your organization recorded, under the consent that allows it."""
        data = s.ReferralCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        survivor = api_fetch(request, Survivor.objects.all(), pk=fields.pop("survivor"))
        if not can_change(request.auth.membership, survivor):
            api_deny(
                request,
                target=survivor,
                detail=_("Only the organization that recorded the survivor refers them."),
            )
        if fields["to_organization"].pk == survivor.organization_id:
            raise ValidationError(
                {"to_organization": _("Your own organization needs no referral.")}
            )
        referral = referral_send(actor=actor_of(request), survivor=survivor, **fields)
        response = Response(self.get_serializer(referral).data, status=status.HTTP_201_CREATED)
        response["Location"] = reverse("api:referral", args=[referral.pk])
        return response


def _history(referral: Referral) -> list[dict]:
    events = AuditEvent.objects.filter(
        object_type="survivors.referral", object_id=str(referral.pk), action__in=REFERRAL_EVENTS
    ).order_by("id")
    return [_as_status_event(event) for event in events]


def _as_status_event(event: AuditEvent) -> dict:
    moved = event.action == "survivors.referral.moved"
    return {
        "id": event.pk,
        "referral": int(event.object_id),
        "status": event.payload.get("to") if moved else Referral.Status.SENT,
        "previous_status": event.payload.get("from") if moved else None,
        "at": event.created_at,
    }


def _referral_open(request, pk: int) -> Referral:
    """Either end may read a referral; the receiver only while the consent is current."""
    referral = api_fetch(request, Referral.objects.select_related("survivor", "consent"), pk=pk)
    side = referral.side_of(request.auth.organization_id)
    if side == "receiver" and not referral.consent.is_current():
        api_deny(request, target=referral, reason="consent_not_current", not_found=True)
    return referral


class ReferralDetail(APIView):
    required_scopes = {"GET": "referrals:read"}

    @extend_schema(responses={200: s.ReferralDetailSerializer, **ERRORS})
    def get(self, request, pk: int):
        """One referral, its status and every change of status."""
        referral = _referral_open(request, pk)
        audit_record_by(actor_of(request), "survivors.referral.viewed", target=referral)
        context = {"request": request, "history": _history(referral)}
        return Response(s.ReferralDetailSerializer(referral, context=context).data)


class ReferralWithdraw(APIView):
    required_scopes = {"POST": "referrals:write"}

    @extend_schema(
        request=None,
        parameters=[IDEMPOTENCY],
        responses={200: s.ReferralSerializer, **POST_ERRORS},
    )
    @idempotent
    def post(self, request, pk: int):
        """Withdraw a referral your organization sent, while it is still open."""
        referral = _referral_open(request, pk)
        if referral.side_of(request.auth.organization_id) != "sender":
            api_deny(
                request,
                target=referral,
                detail=_("Only the organization that sent a referral withdraws it."),
            )
        if Referral.Status.WITHDRAWN not in referral.next_statuses(request.auth.organization_id):
            return Response(
                {
                    "detail": _("A referral that is %(status)s cannot be withdrawn.")
                    % {"status": referral.get_status_display().lower()}
                },
                status=status.HTTP_409_CONFLICT,
            )
        try:
            referral = referral_move(
                actor=actor_of(request), referral=referral, status=Referral.Status.WITHDRAWN
            )
        except DjangoPermissionDenied:  # moved by the other side in the meantime
            return Response(
                {"detail": _("The referral changed meanwhile; read it again.")},
                status=status.HTTP_409_CONFLICT,
            )
        return Response(s.ReferralSerializer(referral, context={"request": request}).data)


class ReferralEvents(generics.GenericAPIView):
    """Status changes of the referrals this key sees, oldest first: poll it with the cursor."""

    required_scopes = {"GET": "referrals:read"}
    pagination_class = OldestFirstCursor
    serializer_class = s.StatusEventSerializer

    def get_queryset(self):
        visible = (
            Referral.objects.visible_to(self.request.auth.membership)
            .annotate(key=Cast("pk", CharField()))
            .values("key")
        )
        return AuditEvent.objects.filter(
            object_type="survivors.referral", action__in=REFERRAL_EVENTS, object_id__in=visible
        ).only("id", "action", "object_id", "payload", "created_at")

    @extend_schema(responses={200: s.StatusEventSerializer(many=True), **LIST_ERRORS})
    def get(self, request):
        page = self.paginate_queryset(self.get_queryset())
        events = [_as_status_event(event) for event in page]
        return self.get_paginated_response(s.StatusEventSerializer(events, many=True).data)


class NotificationList(generics.ListAPIView):
    """The in-app notices sent to this client's service member (codes and dates only)."""

    required_scopes = {"GET": "referrals:read"}
    serializer_class = s.NotificationSerializer

    def get_queryset(self):
        return Notification.objects.visible_to(self.request.auth.membership)

    @extend_schema(responses={200: s.NotificationSerializer(many=True), **LIST_ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


# --- Survivors -----------------------------------------------------------------------


class SurvivorList(generics.ListAPIView):
    """Survivors your organization recorded, and those shared with it under consent:
    codes only. A name is read one record at a time, through the identity door."""

    required_scopes = {"GET": "survivors:read"}
    serializer_class = s.SurvivorListSerializer

    def get_queryset(self):
        return (
            Survivor.objects.visible_to(self.request.auth.membership)
            .exclude(status__in=[Survivor.Status.DRAFT, Survivor.Status.MERGED])
            .only("id", "code", "status", "created_at", "organization_id")
        )

    @extend_schema(responses={200: s.SurvivorListSerializer(many=True), **LIST_ERRORS})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class SurvivorDetail(APIView):
    required_scopes = {"GET": "survivors:read"}

    @extend_schema(responses={200: s.SurvivorIdentitySerializer, **ERRORS})
    def get(self, request, pk: int):
        """What your organization may know of this person now: its own record, its client
        file, or the categories of a current consent. Audited like the web page."""
        survivor = api_fetch(request, Survivor.objects.all(), pk=pk)
        actor = actor_of(request)
        audit_record_by(
            actor, "survivors.survivor.viewed", target=survivor, payload={"for": "reading"}
        )
        try:
            known = survivor_identity_for(
                actor=actor, survivor=survivor, use=IdentityUse.PARTNER_API
            )
        except IdentityWithheld as withheld:
            return Response({"detail": withheld.reason}, status=status.HTTP_403_FORBIDDEN)
        return Response(
            s.SurvivorIdentitySerializer(
                {
                    "id": known.survivor_id,
                    "code": known.code,
                    "basis": known.basis,
                    "values": known.values,
                    "withheld": known.withheld,
                }
            ).data
        )


# --- Matters, deadlines, documents ---------------------------------------------------

MATTER_COLUMNS = (
    "id",
    "number",
    "client__code",
    "kind",
    "sub_kind",
    "stage",
    "opened_at",
    "closed_at",
    "outcome",
    "organization_id",
)


class MatterList(generics.ListAPIView):
    required_scopes = {"GET": "matters:read"}
    serializer_class = s.MatterSerializer

    def get_queryset(self):
        return (
            Matter.objects.visible_to(self.request.auth.membership)
            .select_related("client")
            .only(*MATTER_COLUMNS)
        )

    @extend_schema(responses={200: s.MatterSerializer(many=True), **LIST_ERRORS})
    def get(self, request, *args, **kwargs):
        """Matters this key's service member may see (all of them for a coordinator)."""
        return super().get(request, *args, **kwargs)


class MatterDetail(APIView):
    required_scopes = {"GET": "matters:read"}

    @extend_schema(responses={200: s.MatterSerializer, **ERRORS})
    def get(self, request, pk: int):
        matter = api_fetch(request, Matter.objects.select_related("client"), pk=pk)
        return Response(s.MatterSerializer(matter).data)


class DeadlineList(generics.ListAPIView):
    required_scopes = {"GET": "matters:read"}
    serializer_class = s.DeadlineSerializer

    def get_queryset(self):
        deadlines = Deadline.objects.visible_to(self.request.auth.membership).select_related(
            "matter"
        )
        wanted = _status_filter(self.request, Deadline.Status.choices)
        return deadlines.filter(status=wanted) if wanted else deadlines

    @extend_schema(
        parameters=[OpenApiParameter("status", enum=Deadline.Status.values)],
        responses={200: s.DeadlineSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        """Deadlines and hearings of the matters this key sees."""
        return super().get(request, *args, **kwargs)


class MatterDeadlineList(DeadlineList):
    def get_queryset(self):
        matter = api_fetch(self.request, Matter.objects.all(), pk=self.kwargs["pk"])
        return super().get_queryset().filter(matter=matter)

    @extend_schema(
        parameters=[OpenApiParameter("status", enum=Deadline.Status.values)],
        responses={200: s.DeadlineSerializer(many=True), **LIST_ERRORS},
    )
    def get(self, request, *args, **kwargs):
        """Deadlines and hearings of one matter."""
        return super().get(request, *args, **kwargs)


class DocumentList(generics.ListAPIView):
    required_scopes = {"GET": "documents:read"}
    serializer_class = s.DocumentSerializer

    def get_queryset(self):
        return (
            DocumentVersion.objects.visible_to(self.request.auth.membership)
            .select_related("matter")
            .defer("pdf_base64", "snapshot_json")
        )

    @extend_schema(responses={200: s.DocumentSerializer(many=True), **LIST_ERRORS})
    def get(self, request, *args, **kwargs):
        """Generated versions of the documents of the matters this key sees."""
        return super().get(request, *args, **kwargs)


class DocumentDownload(APIView):
    required_scopes = {"GET": "documents:read"}

    def perform_content_negotiation(self, request, force=False):
        # The PDF is answered as itself; only a refusal is rendered, always as JSON.
        renderer = self.get_renderers()[0]
        return renderer, renderer.media_type

    @extend_schema(
        responses={
            (200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY),
            **ERRORS,
        }
    )
    def get(self, request, pk: int):
        """The PDF, if your organization may still know everything it prints, now."""
        version = api_fetch(
            request, DocumentVersion.objects.select_related("matter__client"), pk=pk
        )
        try:
            pdf = document_download(actor=actor_of(request), version=version)
        except DjangoPermissionDenied as refusal:
            return Response({"detail": str(refusal)}, status=status.HTTP_403_FORBIDDEN)
        response = HttpResponse(pdf, content_type="application/pdf")
        response["Content-Disposition"] = f'attachment; filename="{version.file_name()}"'
        return response
