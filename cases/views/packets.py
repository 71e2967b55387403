"""Filing packets of a matter: choose the parts in order, build, follow, download."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from aftercare.access import fetch_for_user
from aftercare.idempotency import idempotent_create
from cases.models import Matter, Packet, PacketVersion
from cases.services.matters import matter_open_for_user
from cases.services.packets import (
    packet_build,
    packet_candidates,
    packet_create,
    packet_download,
    packet_save,
)
from survivors.models import DataCategory, Survivor


def _record_evidence_visible(request: HttpRequest, matter: Matter) -> bool:
    """Whether the member may see the files of the client's own record (as on the
    record's evidence page: evidence.services.survivor_evidence_open), without
    recording a read: nothing of the record is shown until a file is chosen."""
    from survivors.services.record import visible_categories

    survivor = Survivor.objects.visible_to(request.membership).filter(pk=matter.client_id).first()
    if survivor is None or survivor.status in (Survivor.Status.ERASED, Survivor.Status.MERGED):
        return False
    return DataCategory.DOCUMENTS in visible_categories(request.membership, survivor)


@idempotent_create
def packet_list(request: HttpRequest, pk: int) -> HttpResponse:
    matter = matter_open_for_user(request=request, pk=pk, for_change=request.method == "POST")
    if request.method == "POST":
        packet = packet_create(actor=request.actor, matter=matter)
        return redirect("cases:packet", pk=packet.pk)
    return render(
        request,
        "cases/packets.html",
        {"matter": matter, "packets": matter.packets.prefetch_related("versions")},
    )


def _packet_for(request: HttpRequest, pk: int, for_change: bool = False) -> Packet:
    packet = fetch_for_user(request, Packet.objects.select_related("matter"), pk=pk)
    packet.matter = matter_open_for_user(
        request=request, pk=packet.matter_id, for_change=for_change
    )
    return packet


def _chosen_in_order(request: HttpRequest) -> list[str]:
    """The ticked parts, by the number typed beside each (then as listed)."""
    ticked = request.POST.getlist("part")

    def position(item: tuple[int, str]) -> tuple[float, int]:
        typed = request.POST.get(f"order-{item[1]}", "").strip()
        try:
            return (float(typed), item[0])
        except ValueError:
            return (float("inf"), item[0])

    return [key for _index, key in sorted(enumerate(ticked), key=position)]


def packet_detail(request: HttpRequest, pk: int) -> HttpResponse:
    packet = _packet_for(request, pk, for_change=request.method == "POST")
    record_visible = _record_evidence_visible(request, packet.matter)
    candidates = packet_candidates(packet.matter, record_evidence=record_visible)
    if request.method == "POST":
        packet_save(
            actor=request.actor,
            packet=packet,
            chosen=_chosen_in_order(request),
            allowed={c.key for c in candidates},
            addressee=request.POST.get("addressee", "").strip()[:2000],
            subject=request.POST.get("subject", "").strip()[:300],
            pdf_a=request.POST.get("pdf_a") == "on",
        )
        return redirect("cases:packet", pk=packet.pk)
    order = {f"{s['kind']}:{s['id']}": n for n, s in enumerate(packet.selection, start=1)}
    rows = sorted(candidates, key=lambda c: (order.get(c.key, 10**6), candidates.index(c)))
    return render(
        request,
        "cases/packet.html",
        {
            "packet": packet,
            "matter": packet.matter,
            "rows": [(c, order.get(c.key)) for c in rows],
            "record_visible": record_visible,
            "hidden_parts": len(set(order) - {c.key for c in candidates}),
            "versions": packet.versions.select_related("created_by").prefetch_related("parts"),
            **_status_context(packet),
        },
    )


def _status_context(packet: Packet) -> dict:
    progress = packet.progress()
    return {
        "packet": packet,
        "progress": progress,
        # What static/js/document_status.js knows: it asks again while "queued" or
        # "rendering" (building and merging), more slowly while "stalled".
        "polling": "rendering" if progress in ("building", "merging") else progress,
        "latest": packet.versions.order_by("-number").first(),
    }


@require_POST
@idempotent_create
def packet_build_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Build (or, after a failure or a silent worker, build again)."""
    packet = _packet_for(request, pk, for_change=True)
    try:
        packet_build(actor=request.actor, packet=packet)
    except ValidationError as refusal:
        messages.error(request, " ".join(refusal.messages))
    return redirect("cases:packet", pk=packet.pk)


def packet_status(request: HttpRequest, pk: int) -> HttpResponse:
    """Where the build stands; polled by static/js/document_status.js."""
    packet = _packet_for(request, pk)
    return render(request, "cases/_packet_status.html", _status_context(packet))


def packet_download_view(request: HttpRequest, pk: int) -> HttpResponse:
    version = fetch_for_user(
        request, PacketVersion.objects.select_related("packet__matter__client"), pk=pk
    )
    if version.has_record_evidence:
        # A file of the client's own record is in it: the record's door, as for the file.
        from evidence.services import survivor_evidence_open

        try:
            survivor_evidence_open(request=request, pk=version.packet.matter.client_id)
        except PermissionDenied:
            raise Http404 from None
    try:
        pdf = packet_download(actor=request.actor, version=version)
    except PermissionDenied as refusal:
        return render(
            request,
            "cases/packet_withheld.html",
            {"version": version, "reason": str(refusal)},
            status=403,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{version.file_name()}"'
    response["Cache-Control"] = "no-store"
    return response
