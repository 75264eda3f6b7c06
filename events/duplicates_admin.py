"""The admin's side of duplicates: the candidates on an event's page, the "Possible duplicates"
queue, "Not duplicates" and the event merge with its confirmation page.

EventAdmin mounts these views (duplicate_urls) and shows `candidates_html` on the change page.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme

from events.duplicates import candidates_with_decisions, duplicate_decide, duplicate_queue
from events.merges import event_merge
from events.models import Event
from events.roles import has_a_role
from events.rules import may_merge_events

QUEUE_PER_PAGE = 20


def _change_url(pk: int) -> str:
    return reverse("admin:events_event_change", args=[pk])


def candidates_html(event: Event, *, can_decide: bool) -> str:
    """The change page's list of likely duplicates, each linked, with its score and reasons."""
    if not event.pk:
        return "-"
    rows = candidates_with_decisions(event=event)
    if not rows:
        return "None found."
    decide = reverse("admin:events_event_duplicates_decide")
    merge = reverse("admin:events_event_duplicates_merge")
    items = []
    for candidate, decided in rows:
        pair = f"{event.pk},{candidate.pk}"
        if decided:
            action = format_html("<em>{}</em>", "confirmed not a duplicate")
        elif can_decide:
            # Buttons of the change form posting elsewhere (formaction): forms cannot nest.
            action = format_html(
                '<button type="submit" class="button" formaction="{}" formnovalidate name="pair" '
                'value="{}">Not a duplicate</button> <a class="button" href="{}?pair={}">Merge…</a>',
                decide,
                pair,
                merge,
                pair,
            )
        else:
            action = ""
        items.append(
            format_html(
                '<li><a href="{}">{}</a> · {} · {} · {} — score {}: {} {}</li>',
                _change_url(candidate.pk),
                candidate.event_id,
                candidate.event_date,
                candidate.sub_event_type or candidate.event_type,
                candidate.place_name,
                candidate.score,
                ", ".join(candidate.reasons),
                action,
            )
        )
    return format_html(
        '<ul class="possible-duplicates">{}</ul><p><a href="{}">All possible duplicates</a></p>',
        format_html_join("", "{}", ((item,) for item in items)),
        reverse("admin:events_event_duplicates"),
    )


def warn_possible_duplicates(request: HttpRequest, event: Event) -> None:
    """After a save: say which events this one may duplicate (the gate comes at review)."""
    undecided = [candidate for candidate, decided in candidates_with_decisions(event=event) if not decided]
    if undecided:
        listed = "; ".join(candidate.describe() for candidate in undecided)
        messages.warning(
            request,
            f"{event.event_id} may duplicate {listed}. Merge them or confirm they are not duplicates "
            "(below, under “Possible duplicates”) before marking it reviewed or publishing it.",
        )


def import_duplicates_html(batch, *, shown: int) -> str:
    """An import batch's rows that may duplicate other events, as a table."""
    entries = batch.duplicates or []
    if not entries:
        return "None"
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
        ((e.get("row", ""), e.get("event_id", ""), e.get("note", "")) for e in entries[:shown]),
    )
    more = len(entries) - shown
    tail = format_html("<p>… and {} more.</p>", more) if more > 0 else ""
    return format_html(
        "<table><thead><tr><th>row</th><th>event</th><th>note</th></tr></thead><tbody>{}</tbody></table>{}",
        rows,
        tail,
    )


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = default
    return HttpResponseRedirect(target or default)


def _pair(request: HttpRequest, raw: str) -> tuple[Event, Event]:
    parts = raw.split(",")
    if len(parts) != 2 or not all(part.strip().isdigit() for part in parts) or parts[0] == parts[1]:
        raise ValidationError("pair must be two different event numbers, as “12,34”.")
    first, second = (get_object_or_404(Event, pk=int(part)) for part in parts)
    return first, second


def queue_view(model_admin, request: HttpRequest) -> HttpResponse:
    """Undecided pairs among recently changed events, best first, side by side."""
    if not has_a_role(request.user):
        raise PermissionDenied
    page = Paginator(duplicate_queue(), QUEUE_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Possible duplicates",
        "subtitle": None,
        "opts": Event._meta,
        "page": page,
        "pairs": [(pair, may_merge_events(request.user, pair.event, pair.other)) for pair in page],
        "can_decide": request.user.has_perm("events.change_event"),
    }
    return TemplateResponse(request, "admin/events/event/duplicates_queue.html", context)


def decide_view(model_admin, request: HttpRequest) -> HttpResponse:
    """Record "not duplicates" for a pair (curators and above)."""
    if request.method != "POST":
        return HttpResponseNotAllowed(["POST"])
    if not request.user.has_perm("events.change_event"):
        raise PermissionDenied
    try:
        event, other = _pair(request, request.POST.get("pair", ""))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _back(request, reverse("admin:events_event_duplicates"))
    duplicate_decide(event=event, other=other, by=request.user)
    messages.success(request, f"Recorded: {event.event_id} and {other.event_id} are not duplicates.")
    return _back(request, _change_url(event.pk))


def merge_view(model_admin, request: HttpRequest) -> HttpResponse:
    """GET: choose the survivor of a pair; POST: merge the other into it."""
    raw = request.POST.get("pair") if request.method == "POST" else request.GET.get("pair")
    try:
        event, other = _pair(request, raw or "")
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return HttpResponseRedirect(reverse("admin:events_event_duplicates"))
    if not may_merge_events(request.user, event, other):
        raise PermissionDenied
    if request.method == "POST":
        survivor_pk = request.POST.get("survivor", "")
        if survivor_pk not in (str(event.pk), str(other.pk)):
            messages.error(request, "survivor must be one of the two events.")
        else:
            survivor, loser = (event, other) if survivor_pk == str(event.pk) else (other, event)
            try:
                event_merge(survivor=survivor, other=loser, by=request.user)
            except (ValidationError, PermissionDenied) as error:
                text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
                messages.error(request, text)
            else:
                messages.success(
                    request,
                    f"{loser.event_id} was merged into {survivor.event_id}; its citations and actors moved "
                    f"and it remains as a tombstone.",
                )
                return HttpResponseRedirect(_change_url(survivor.pk))
    events = Event.objects.with_related().in_bulk([event.pk, other.pk])
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Merge {event.event_id} and {other.event_id}",
        "subtitle": None,
        "opts": Event._meta,
        "pair": f"{event.pk},{other.pk}",
        "events": [events[event.pk], events[other.pk]],
    }
    return TemplateResponse(request, "admin/events/event/duplicates_merge.html", context)


def duplicate_urls(model_admin) -> list:
    """The queue's URLs, mounted by EventAdmin.get_urls before its own."""
    site = model_admin.admin_site

    def wrap(view):
        return site.admin_view(lambda request: view(model_admin, request))

    return [
        path("duplicates/", wrap(queue_view), name="events_event_duplicates"),
        path("duplicates/decide/", wrap(decide_view), name="events_event_duplicates_decide"),
        path("duplicates/merge/", wrap(merge_view), name="events_event_duplicates_merge"),
    ]
