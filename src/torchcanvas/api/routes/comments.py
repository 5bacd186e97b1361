"""Editing and deleting comments (they are listed and added under /market/{id}/comments).

Who may do which is auth.policy's: the author edits; the author, the model's owner or the admin
deletes. Anyone else gets 404, as for every change to someone else's things.
"""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Response, status

from torchcanvas.api.access import load_model
from torchcanvas.api.deps import IdPath, SessionDep
from torchcanvas.auth import policy
from torchcanvas.auth.deps import CurrentUser
from torchcanvas.db.models import Comment, SavedModel, User
from torchcanvas.market import social, views
from torchcanvas.market.schemas import CommentBody, CommentRead

router = APIRouter(prefix="/comments", tags=["market"])


def _not_found(comment_id: int) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, detail=f"there is no comment with id {comment_id}")


def _load(db: SessionDep, user: User, comment_id: int) -> tuple[Comment, SavedModel]:
    """The comment and its model, when the caller may read the model; else 404."""
    found = db.get(Comment, comment_id)
    if found is None:
        raise _not_found(comment_id)
    try:
        model = load_model(db, user, found.model_id)
    except HTTPException:
        raise _not_found(comment_id) from None
    return found, model


@router.patch("/{comment_id}", response_model=CommentRead, summary="Edit comments")
def edit_comment(comment_id: IdPath, body: CommentBody, db: SessionDep, user: CurrentUser) -> CommentRead:
    found, model = _load(db, user, comment_id)
    if not policy.can_edit_comment(user, found):
        raise _not_found(comment_id)
    return views.comment(social.edit_comment(db, found, body.body), model, user)


@router.delete("/{comment_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete comments")
def delete_comment(comment_id: IdPath, db: SessionDep, user: CurrentUser) -> Response:
    found, model = _load(db, user, comment_id)
    if not policy.can_delete_comment(user, found, model):
        raise _not_found(comment_id)
    db.delete(found)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
