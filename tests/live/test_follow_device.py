"""The task and side boxes follow the trial the device signals (the issue: the box said bridge while
a squat ran), checked against the simulator's own schedule."""

from __future__ import annotations

from emgforce.drivers.sim import Protocol, SimulatedDevice
from emgforce.live.session import LiveSession
from emgforce.live.window import LiveWindow

UNTIL_S = 75.0  # the short protocol: MVCs, stances, both squats (squat_right ends ~70 s)


def test_boxes_follow_the_device_trial_through_the_simulators_script(app):
    protocol = Protocol.short()
    device = SimulatedDevice(protocol, realtime=False, block_s=0.25)
    session = LiveSession(device, window_s=10.0)
    window = LiveWindow(session.pipeline, session.controller, window_s=10.0)
    window.task_box.setCurrentText("single_leg_bridge")  # what the operator left selected
    window.side_box.setCurrentText("right")
    device.open()
    device.start()
    seen = []
    try:
        while session.pipeline.session_time_s < UNTIL_S:
            session.pipeline.feed(device.read())
            for marker in device.read_markers():
                session._on_device_marker(marker)
            window.refresh()
            seen.append((session.pipeline.session_time_s, window.task_box.currentText(), window.side_box.currentText()))
    finally:
        device.close()
        window.close()
    checked = 0
    for trial in protocol.schedule():
        step = trial.step
        inside = [(task, side) for t, task, side in seen if trial.start_s + 0.2 < t < trial.stop_s]
        assert inside, trial.label
        if step.task != "mvc":  # MVC is captured with M, it has no entry in the task box
            assert all(task == step.task for task, _ in inside), (trial.label, set(inside))
        if step.side is not None:  # tasks without a side leave the side box as it was
            assert all(side == step.side for _, side in inside), (trial.label, set(inside))
        checked += 1
        if trial.stop_s > UNTIL_S:
            break
    assert checked >= 8
    # the operator can still choose the next trial: the boxes are set once per device trial
    window.task_box.setCurrentText("bridge")
    window._update_controls()
    assert window.task_box.currentText() == "bridge"
