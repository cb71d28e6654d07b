"""Administrators: the issued invitation links of a round — list with state, revoke, CSV, QR sheet."""

from __future__ import annotations

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from surveyapp.definitions.spreadsheet import CSV_MIMETYPE
from surveyapp.permissions import Role, role_required
from surveyapp.services.exports import csv_stream
from surveyapp.services.invitations import (
    InvitationError,
    invitation_of_round,
    invitation_url,
    issued_links,
    links_csv_rows,
    qr_sheet_pdf,
    revoke_invitation,
)
from surveyapp.views.guards import round_in_scope_or_abort

bp = Blueprint("invitations", __name__, url_prefix="/admin")

STATE_NAMES = {
    "unused": _l("unused"),
    "started": _l("started"),
    "submitted": _l("submitted"),
    "expired": _l("expired"),
    "revoked": _l("revoked"),
    "issued": _l("issued (anonymous round: use not shown)"),
}


@bp.get("/rounds/<int:round_id>/invitations")
@role_required(Role.ADMIN)
def issued(round_id: int):
    round_ = round_in_scope_or_abort(round_id)
    links = issued_links(round_)
    urls = {link.id: invitation_url(link.token) for link in links if link.token and link.state == "unused"}
    counts = {state: sum(1 for link in links if link.state == state) for state in STATE_NAMES}
    return render_template("admin/invitation_list.html", round=round_, links=links, urls=urls, counts=counts,
                           state_names=STATE_NAMES, lang=str(get_locale()))  # fmt: skip


@bp.post("/rounds/<int:round_id>/invitations/<int:invitation_id>/revoke")
@role_required(Role.ADMIN)
def revoke(round_id: int, invitation_id: int):
    round_ = round_in_scope_or_abort(round_id)
    invitation = invitation_of_round(round_, invitation_id) or abort(404)
    if revoke_invitation(invitation, current_user):
        flash(_("The link is revoked: it can no longer be used."), "info")
    elif invitation.revoked_at is not None:  # sent again after Back: nothing to do, and no error
        flash(_("This link is already revoked; nothing was changed."), "info")
    else:
        flash(_("This link has been used already, so it cannot be revoked."), "error")
    return redirect(url_for("invitations.issued", round_id=round_id))


@bp.get("/rounds/<int:round_id>/invitations.csv")
@role_required(Role.ADMIN)
def issued_csv(round_id: int):
    round_ = round_in_scope_or_abort(round_id)
    rows = links_csv_rows(round_, str(get_locale()), STATE_NAMES, current_user)
    disposition = f"attachment; filename=invitations-round-{round_.id}.csv"
    return Response(csv_stream(rows), content_type=CSV_MIMETYPE, headers={"Content-Disposition": disposition})


@bp.get("/rounds/<int:round_id>/invitations/qr.pdf")
@role_required(Role.ADMIN)
def qr_sheet(round_id: int):
    round_ = round_in_scope_or_abort(round_id)
    try:
        pdf = qr_sheet_pdf(round_, str(get_locale()), current_user)
    except InvitationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("invitations.issued", round_id=round_id))
    disposition = f"attachment; filename=invitations-round-{round_.id}-qr.pdf"
    return Response(pdf, mimetype="application/pdf", headers={"Content-Disposition": disposition})
