import pytest

from emgforce import naming


@pytest.mark.parametrize("muscle", sorted(naming.MUSCLES))
@pytest.mark.parametrize("side", naming.SIDES)
def test_channel_names_round_trip(muscle, side):
    assert naming.parse_emg_channel_name(naming.emg_channel_name(muscle, side)) == (muscle, side)


def test_unknown_channel_name_is_not_guessed():
    assert naming.parse_emg_channel_name("Delt_ant.EMG1") is None
    assert naming.parse_emg_channel_name("GM_X") is None


@pytest.mark.parametrize("task", sorted(naming.TASKS))
def test_trial_labels_round_trip(task):
    per_side = naming.TASKS[task][0]
    sides = naming.SIDES if per_side else (None,)
    for side in sides:
        assert naming.parse_trial_label(naming.trial_label(task, side)) == (task, side)


def test_trial_label_rejects_inconsistent_sides():
    with pytest.raises(ValueError, match="needs a side"):
        naming.trial_label("stance")
    with pytest.raises(ValueError, match="has no side"):
        naming.trial_label("bridge", "left")
    with pytest.raises(ValueError, match="unknown task"):
        naming.trial_label("plank")
