"""Who may see or change what. Routes ask these questions; no route answers them itself.

The rules:
- A model is readable by everyone when public or unlisted, else by its owner and the admin.
- Only the owner changes a model (save, publish, visibility, runs). The admin may delete
  anything (moderation) but changes nothing of anyone else's.
- Runs and experiments are read with their model's visibility; one with no saved model is
  private to its owner. Only the owner starts, cancels or deletes them.
- An uploaded data set is read like a model (public and unlisted: everyone; private: its owner
  and the admin), and deleted by its owner or the admin.
- A comment is edited by its author, and deleted by its author, the model's owner or the admin.

Something a user may not read is answered as if it did not exist (404), so that a private
model's existence does not leak; the routes do that with ``torchcanvas.api.access``.
"""

from __future__ import annotations

from torchcanvas.db.models import Comment, Dataset, Experiment, Run, SavedModel, User


def _owns(user: User | None, owner_id: int | None) -> bool:
    return user is not None and owner_id is not None and owner_id == user.id


def _admin(user: User | None) -> bool:
    return user is not None and user.is_admin


def can_read_model(user: User | None, model: SavedModel) -> bool:
    return model.visibility != "private" or _owns(user, model.owner_id) or _admin(user)


def can_edit_model(user: User | None, model: SavedModel) -> bool:
    return _owns(user, model.owner_id)


def can_delete_model(user: User | None, model: SavedModel) -> bool:
    return _owns(user, model.owner_id) or _admin(user)


def can_read_dataset(user: User | None, dataset: Dataset) -> bool:
    return dataset.visibility != "private" or _owns(user, dataset.owner_id) or _admin(user)


def can_edit_dataset(user: User | None, dataset: Dataset) -> bool:
    return _owns(user, dataset.owner_id)


def can_delete_dataset(user: User | None, dataset: Dataset) -> bool:
    return _owns(user, dataset.owner_id) or _admin(user)


def can_read_run(user: User | None, run: Run | Experiment, model: SavedModel | None) -> bool:
    """``model``: the saved model the run or experiment trained, if it still exists."""
    if _owns(user, run.owner_id) or _admin(user):
        return True
    return model is not None and model.owner_id == run.owner_id and can_read_model(user, model)


def can_manage_run(user: User | None, run: Run | Experiment) -> bool:
    """Start, cancel or delete: the owner alone."""
    return _owns(user, run.owner_id)


def can_edit_comment(user: User | None, comment: Comment) -> bool:
    return _owns(user, comment.author_id)


def can_delete_comment(user: User | None, comment: Comment, model: SavedModel) -> bool:
    return _owns(user, comment.author_id) or _owns(user, model.owner_id) or _admin(user)


def readable_run_owners(user: User | None, model: SavedModel) -> set[int] | None:
    """Whose runs of a readable ``model`` the user may list: None for everyone's (the admin),
    else the model's owner's and the user's own (the ``can_read_run`` rule, as a filter)."""
    if _admin(user):
        return None
    owners = {model.owner_id} if model.owner_id is not None else set()
    if user is not None:
        owners.add(user.id)
    return owners
