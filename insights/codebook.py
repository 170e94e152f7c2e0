"""Codebook maintenance: merging, deleting and copying codes.

Creating and editing one code is a ModelForm (`insights.forms.CodeForm`); everything here
writes several rows and so runs in one transaction. Each function checks everything itself:
a CodingError's message is shown to the user as-is and the call changes nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.db import IntegrityError, transaction
from django.db.models import F

from insights.coding import CodingError, can_code
from insights.models import Code, CodedHighlight
from interviews.access import role_in_project
from interviews.audit import audit
from interviews.models import AuditEvent, ResearchProject

# The fields a merge carries over from the source code into the target's text.
NOTE_FIELDS = ("definition", "inclusion_notes", "exclusion_notes")


# --- Reading the hierarchy ----------------------------------------------------------------------


@dataclass(frozen=True)
class TreeRow:
    code: Code
    depth: int


def code_tree(codes: Iterable[Code]) -> list[TreeRow]:
    """Order codes parents first, each parent followed by its children (by name, any depth).

    Pure: it reads only `pk`, `parent_id` and `name`. A code whose parent is not among
    `codes`, or that sits in a parent loop written around the forms, is shown as a root
    so no code ever disappears from the page.
    """
    codes = list(codes)
    by_id = {code.pk: code for code in codes}
    children: dict[int | None, list[Code]] = defaultdict(list)
    for code in codes:
        parent_id = code.parent_id if code.parent_id in by_id else None
        children[parent_id].append(code)
    for siblings in children.values():
        siblings.sort(key=lambda c: (c.name.casefold(), c.pk))

    rows: list[TreeRow] = []
    seen: set[int] = set()

    def walk(code: Code, depth: int) -> None:
        if code.pk in seen:
            return
        seen.add(code.pk)
        rows.append(TreeRow(code, depth))
        for child in children.get(code.pk, []):
            walk(child, depth + 1)

    for root in children.get(None, []):
        walk(root, 0)
    for code in sorted(codes, key=lambda c: (c.name.casefold(), c.pk)):
        walk(code, 0)  # only codes caught in a loop are still unseen
    return rows


def ancestor_ids(code_id: int | None, parents: Mapping[int, int | None]) -> list[int]:
    """The chain of parent ids above `code_id` (itself included), nearest first."""
    chain: list[int] = []
    while code_id is not None and code_id not in chain:
        chain.append(code_id)
        code_id = parents.get(code_id)
    return chain


# --- Merging ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MergeResult:
    target: Code
    moved: int  # highlights that now carry the target instead of the source
    duplicates_dropped: int  # highlights that had both codes: the source's row was dropped
    children_moved: int


def _merged_text(target_text: str, source_text: str, source_name: str) -> str:
    source_text = source_text.strip()
    if not source_text or source_text == target_text.strip():
        return target_text
    addition = f"Merged from “{source_name}”: {source_text}"
    return f"{target_text.rstrip()}\n\n{addition}" if target_text.strip() else addition


@transaction.atomic
def code_merge(*, source: Code, target: Code, by: User) -> MergeResult:
    """Merge `source` into `target`, then delete `source`. No highlight loses a code.

    1. Check both codes are in one codebook the user may edit, and are two codes.
    2. Lock both rows, in id order.
    3. Drop the source's coding of highlights that already carry the target; move the rest
       (each row keeps its coder and date).
    4. If the target sits under the source, lift it to the source's parent; re-parent the
       source's children to the target.
    5. Append the source's definition and notes to the target's where they differ.
    6. Delete the source.
    """
    if source.pk == target.pk:
        raise CodingError("Choose two different codes: a code cannot be merged into itself.")
    if source.project_id != target.project_id:
        raise CodingError("Both codes must be in the same study's codebook.")
    if not can_code(by, source.project):
        raise CodingError("Only the study's leads and researchers can change its codebook.")

    # Two merges running at once (X into Y and Y into X) would each move the other's
    # highlights and delete its code, losing both sets. FOR UPDATE serialises them, and on
    # PostgreSQL also blocks a coder from tagging a highlight with the source mid-merge (the
    # new CodedHighlight row needs a KEY SHARE lock on the code). Id order avoids deadlock.
    locked = {
        code.pk: code
        for code in Code.objects.select_for_update()
        .filter(pk__in=[source.pk, target.pk])
        .order_by("id")
    }
    if len(locked) != 2:
        raise CodingError("One of the codes was deleted meanwhile. Reload the codebook.")
    source, target = locked[source.pk], locked[target.pk]

    on_target = CodedHighlight.objects.filter(tag=target).values("content_object_id")
    duplicates_dropped, _ = CodedHighlight.objects.filter(
        tag=source, content_object_id__in=on_target
    ).delete()
    moved = CodedHighlight.objects.filter(tag=source).update(tag=target)

    parents = dict(Code.objects.filter(project_id=source.project_id).values_list("id", "parent_id"))
    if source.pk in ancestor_ids(target.parent_id, parents):
        target.parent_id = source.parent_id
    # Raising the version makes a code form opened before the merge conflict, not overwrite.
    children_moved = (
        Code.objects.filter(parent=source)
        .exclude(pk=target.pk)
        .update(parent=target, version=F("version") + 1, changed_by=by)
    )

    for field in NOTE_FIELDS:
        setattr(
            target,
            field,
            _merged_text(getattr(target, field), getattr(source, field), source.name),
        )
    target.version += 1  # locked above, so this is the stored version
    target.changed_by = by
    target.save(update_fields=["parent", *NOTE_FIELDS, "version", "changed_by"])
    source.delete()
    audit(
        by,
        AuditEvent.Action.CODE_MERGED,
        project=target.project,
        detail=f"“{source.name}” merged into “{target.name}”: {moved} highlights moved, "
        f"{duplicates_dropped} duplicates dropped",
    )
    return MergeResult(
        target=target,
        moved=moved,
        duplicates_dropped=duplicates_dropped,
        children_moved=children_moved,
    )


# --- Deleting -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeleteResult:
    highlights_uncoded: int
    children_moved: int


def code_uses(code: Code) -> int:
    """How many highlights carry the code (one CodedHighlight row per highlight and code)."""
    return CodedHighlight.objects.filter(tag=code).count()


@transaction.atomic
def code_delete(*, code: Code, by: User, confirm_uses: int | None) -> DeleteResult:
    """Delete a code. A code in use is deleted only when the caller confirms how many
    highlights will lose it, and that number is still right.

    The highlights themselves and their other codes stay; the code's children move up to
    its parent.
    """
    if not can_code(by, code.project):
        raise CodingError("Only the study's leads and researchers can change its codebook.")
    # Lock the code so the count being confirmed cannot change before the delete (on
    # PostgreSQL a concurrent coding of this code waits for the KEY SHARE lock).
    locked = Code.objects.select_for_update().filter(pk=code.pk).first()
    if locked is None:
        raise CodingError(f"The code “{code.name}” was already deleted.")
    uses = code_uses(locked)
    if uses and confirm_uses != uses:
        if confirm_uses is None:
            raise CodingError(
                f"“{locked.name}” is used by {uses} highlight{'s' if uses != 1 else ''}: "
                "confirm that they will lose this code."
            )
        raise CodingError(
            f"“{locked.name}” is now used by {uses} highlight{'s' if uses != 1 else ''}, "
            f"not {confirm_uses}: check again before deleting it."
        )
    children_moved = Code.objects.filter(parent=locked).update(
        parent=locked.parent_id, version=F("version") + 1, changed_by=by
    )
    locked.delete()  # its CodedHighlight rows go with it (on_delete=CASCADE)
    audit(
        by,
        AuditEvent.Action.CODE_DELETED,
        project=code.project,
        detail=f"“{locked.name}”, used by {uses} highlights",
    )
    return DeleteResult(highlights_uncoded=uses, children_moved=children_moved)


# --- Copying ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CopyResult:
    copied: int
    skipped: tuple[str, ...]  # names the target codebook already had


@transaction.atomic
def codebook_copy(
    *, source_project: ResearchProject, target_project: ResearchProject, by: User
) -> CopyResult:
    """Copy a codebook into another study: codes, hierarchy, kinds, definitions, notes, colours.

    1. Check the user may read the source (any member, or staff) and edit the target.
    2. Lock the target study so two copies into it run one after the other.
    3. Walk the source parents first. A name the target already has (ignoring case) is
       skipped, and that existing code becomes the parent of the copied children.
    Highlights are never copied: they belong to the source study's evidence.
    """
    if source_project.pk == target_project.pk:
        raise CodingError("Choose another study to copy a codebook from.")
    if role_in_project(by, source_project) is None:
        raise CodingError("You can only copy a codebook from a study you are a member of.")
    if not can_code(by, target_project):
        raise CodingError("Only the study's leads and researchers can change its codebook.")

    # Two copies into one study at once would both add the same names and one would fail
    # on the unique constraint half-way; locking the study row makes the second wait.
    ResearchProject.objects.select_for_update().filter(pk=target_project.pk).first()
    existing = {code.name.casefold(): code for code in Code.objects.filter(project=target_project)}
    copies: dict[int, Code] = {}  # source code id → the target's code standing for it
    skipped: list[str] = []
    copied = 0
    try:
        for row in code_tree(Code.objects.filter(project=source_project)):
            original = row.code
            key = original.name.casefold()
            if key in existing:
                copies[original.pk] = existing[key]
                skipped.append(original.name)
                continue
            copy = Code(
                project=target_project,
                name=original.name,
                parent=copies.get(original.parent_id) if original.parent_id else None,
                kind=original.kind,
                definition=original.definition,
                inclusion_notes=original.inclusion_notes,
                exclusion_notes=original.exclusion_notes,
                colour=original.colour,
            )
            copy.save()  # one at a time: Code.save picks a slug free in the target study
            copies[original.pk] = existing[key] = copy
            copied += 1
    except IntegrityError as error:
        # A coder added one of these names while the copy ran; the transaction rolls back.
        raise CodingError("The codebook changed while copying. Try again.") from error
    return CopyResult(copied=copied, skipped=tuple(skipped))
