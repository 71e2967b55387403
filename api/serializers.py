"""What the API shows and accepts. Codes, ids, dates and statuses; never a name in a list.

Nothing here reads a survivor's personal field: the survivor detail is built from what
the identity door returned (`survivors.identity.survivor_identity_for`).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aftercare.models import Notification, Organization
from cases.models import Deadline, DocumentVersion, Matter
from survivors.models import Need, Purpose, Referral, Survivor


class ReferralSerializer(serializers.ModelSerializer):
    survivor = serializers.IntegerField(source="survivor_id", read_only=True)
    survivor_code = serializers.CharField(source="survivor.code", read_only=True)
    from_organization = serializers.IntegerField(source="from_organization_id", read_only=True)
    to_organization = serializers.IntegerField(source="to_organization_id", read_only=True)
    direction = serializers.SerializerMethodField()
    need = serializers.ChoiceField(choices=Need.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Referral
        fields = [
            "id",
            "survivor",
            "survivor_code",
            "from_organization",
            "to_organization",
            "direction",
            "purpose",
            "need",
            "status",
            "sent_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_direction(self, referral: Referral) -> str:
        """`sent` by the caller's organization, or `received` by it."""
        own = self.context["request"].auth.organization_id
        return "sent" if referral.from_organization_id == own else "received"


class ReferralCreateSerializer(serializers.Serializer):
    survivor = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    to_organization = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    purpose = serializers.ChoiceField(
        choices=[Purpose.LEGAL_REPRESENTATION, Purpose.SERVICE_REFERRAL]
    )
    need = serializers.ChoiceField(
        choices=Need.choices, required=False, default="", allow_blank=True
    )
    note = serializers.CharField(
        required=False, default="", allow_blank=True, max_length=2000, write_only=True
    )

    def validate_to_organization(self, value: int) -> Organization:
        organization = Organization.objects.filter(pk=value, is_active=True).first()
        if organization is None:
            raise serializers.ValidationError(_("No active organization has this id."))
        return organization


class StatusEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    referral = serializers.IntegerField()
    status = serializers.ChoiceField(choices=Referral.Status.choices)
    previous_status = serializers.ChoiceField(choices=Referral.Status.choices, allow_null=True)
    at = serializers.DateTimeField()


class ReferralDetailSerializer(ReferralSerializer):
    decline_reason = serializers.CharField(read_only=True)
    history = serializers.SerializerMethodField()

    class Meta(ReferralSerializer.Meta):
        fields = [*ReferralSerializer.Meta.fields, "decline_reason", "history"]
        read_only_fields = fields

    @extend_schema_field(StatusEventSerializer(many=True))
    def get_history(self, referral: Referral) -> list[dict]:
        return StatusEventSerializer(self.context.get("history", []), many=True).data


class SurvivorListSerializer(serializers.ModelSerializer):
    own_record = serializers.SerializerMethodField()

    class Meta:
        model = Survivor
        fields = ["id", "code", "status", "created_at", "own_record"]
        read_only_fields = fields

    def get_own_record(self, survivor: Survivor) -> bool:
        """True when the caller's organization recorded the survivor; False when shared."""
        return survivor.organization_id == self.context["request"].auth.organization_id


class SurvivorIdentitySerializer(serializers.Serializer):
    """What the identity door let the caller know, and why the rest is withheld."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    basis = serializers.CharField(help_text="own_record, engagement or consent")
    values = serializers.DictField(
        child=serializers.JSONField(), help_text="Only the fields the basis covers."
    )
    withheld = serializers.DictField(
        child=serializers.CharField(), help_text="Field -> why it is not shared with you."
    )


class MatterSerializer(serializers.ModelSerializer):
    client = serializers.IntegerField(source="client_id", read_only=True)
    client_code = serializers.CharField(source="client.code", read_only=True)
    outcome = serializers.ChoiceField(
        choices=Matter._meta.get_field("outcome").choices, allow_blank=True, read_only=True
    )

    class Meta:
        model = Matter
        fields = [
            "id",
            "number",
            "client",
            "client_code",
            "kind",
            "sub_kind",
            "stage",
            "opened_at",
            "closed_at",
            "outcome",
        ]
        read_only_fields = fields


class DeadlineSerializer(serializers.ModelSerializer):
    matter = serializers.IntegerField(source="matter_id", read_only=True)
    matter_number = serializers.CharField(source="matter.number", read_only=True)
    needs_confirmation = serializers.BooleanField(read_only=True)

    class Meta:
        model = Deadline
        fields = [
            "id",
            "matter",
            "matter_number",
            "kind",
            "title",
            "due_date",
            "due_time",
            "time_zone",
            "status",
            "needs_confirmation",
        ]
        read_only_fields = fields


class DocumentSerializer(serializers.ModelSerializer):
    matter = serializers.IntegerField(source="matter_id", read_only=True)
    matter_number = serializers.CharField(source="matter.number", read_only=True)
    erased = serializers.BooleanField(source="is_erased", read_only=True)

    class Meta:
        model = DocumentVersion
        fields = [
            "id",
            "matter",
            "matter_number",
            "number",
            "template_code",
            "pages",
            "sha256",
            "created_at",
            "erased",
        ]
        read_only_fields = fields


class NotificationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Notification
        fields = ["id", "message", "link", "created_at", "read_at"]
        read_only_fields = fields


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
