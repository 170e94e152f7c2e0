"""speakers_map: a transcript's speakers named as the session's participants or interviewers."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from interviews.models import ResearchProject, Speaker, Transcript
from interviews.transcripts import speakers_map
from tests.factories import make_participant, make_session, make_transcript, make_user

pytestmark = pytest.mark.django_db

TEXT = b"Sam: How was onboarding?\n\nKim: Slow.\n\nSam: Why?\n"


@pytest.fixture
def interviewer() -> User:
    return make_user("sam")


@pytest.fixture
def transcript(project: ResearchProject, interviewer: User) -> Transcript:
    session = make_session(
        project, participants=[make_participant(name="Kim Park")], interviewers=[interviewer]
    )
    return make_transcript(session, filename="kim.txt", data=TEXT)


def speakers(transcript: Transcript) -> dict[str, tuple[int | None, int | None]]:
    return {
        s.label: (s.participant_id, s.interviewer_id)
        for s in Speaker.objects.filter(transcript=transcript)
    }


def test_speakers_are_mapped_and_only_the_changed_are_saved(
    transcript: Transcript, interviewer: User
) -> None:
    kim = transcript.session.participants.get()
    sam_speaker = transcript.speakers.get(label="Sam")
    kim_speaker = transcript.speakers.get(label="Kim")
    speakers_map(
        transcript=transcript, mapping=dict.fromkeys((sam_speaker, kim_speaker), (None, None))
    )
    changed = speakers_map(
        transcript=transcript,
        mapping={sam_speaker: (None, interviewer.pk), kim_speaker: (kim.pk, None)},
    )
    assert speakers(transcript) == {"Sam": (None, interviewer.pk), "Kim": (kim.pk, None)}
    assert set(changed) == {sam_speaker, kim_speaker}
    again = speakers_map(
        transcript=transcript,
        mapping={sam_speaker: (None, interviewer.pk), kim_speaker: (kim.pk, None)},
    )
    assert again == []


def test_a_speaker_can_be_unmapped(transcript: Transcript, interviewer: User) -> None:
    sam_speaker = transcript.speakers.get(label="Sam")
    speakers_map(transcript=transcript, mapping={sam_speaker: (None, interviewer.pk)})
    assert speakers(transcript)["Sam"] == (None, interviewer.pk)
    assert speakers_map(transcript=transcript, mapping={sam_speaker: (None, None)}) == [sam_speaker]
    assert speakers(transcript)["Sam"] == (None, None)


@pytest.mark.parametrize(
    ("who", "message"),
    [
        ("stranger", "session's participants"),
        ("outsider", "session's interviewers"),
        ("both", "not both"),
        ("other transcript", "not one of this transcript's speakers"),
    ],
)
def test_a_bad_mapping_is_refused_and_changes_nothing(
    project: ResearchProject, transcript: Transcript, interviewer: User, who: str, message: str
) -> None:
    before = speakers(transcript)
    kim = transcript.session.participants.get()
    kim_speaker = transcript.speakers.get(label="Kim")
    sam_speaker = transcript.speakers.get(label="Sam")
    mapping: dict[Speaker, tuple[int | None, int | None]] = {sam_speaker: (None, interviewer.pk)}
    if who == "stranger":
        mapping[kim_speaker] = (make_participant(name="Not Here").pk, None)
    elif who == "outsider":
        mapping[kim_speaker] = (None, make_user().pk)
    elif who == "both":
        mapping[kim_speaker] = (kim.pk, interviewer.pk)
    else:
        other = make_transcript(make_session(project), filename="other.txt", data=TEXT)
        mapping[other.speakers.get(label="Kim")] = (None, None)
    with pytest.raises(ValueError, match=message):
        speakers_map(transcript=transcript, mapping=mapping)
    assert speakers(transcript) == before
