"""The client's communications log on pages of other apps (a matter), through the
survivors app's own function and the acting member: never a query of its own."""

from django import template

from survivors.services.communications import RECENT, communications_for

register = template.Library()


@register.inclusion_tag("survivors/_communications_client.html", takes_context=True)
def client_communications(context, survivor):
    request = context["request"]
    return {
        "request": request,
        "survivor_id": survivor.pk,
        "entries": communications_for(actor=request.actor, survivor=survivor, limit=RECENT),
    }
