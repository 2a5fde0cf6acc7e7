"""Starts MiniStack for sked, as its `ministack` console script does, with two of its own loops turned off.

sked runs both of them itself, the way AWS would:

* The EventBridge Scheduler sweep (ministack.services.scheduler.start_scheduler): a thread that fires due schedules
  every 10 s, approximately and not as AWS does. sked's local scheduler (scripts/local/scheduler/) fires them instead.
* CloudWatch alarm evaluation (ministack.services.cloudwatch._evaluate_alarm, which PutMetricAlarm, each
  PutMetricData through _evaluate_all_alarms, and CloudFormation's alarm resources call): it matches a metric by
  namespace and name only, so one message in any queue sets every queue-depth alarm. sked's local alarm evaluator
  (scripts/local/alarms/) evaluates the alarms instead. SetAlarmState, its alarm actions and composite alarms are
  untouched.

The EventBridge rules scheduler (ministack.services.eventbridge.start_scheduler) stays on.

The health answer (/_ministack/health, /_localstack/health) carries a `sked` field saying what is off, so a later run
that finds this emulator already running can tell it apart from one started some other way.

    .venv/bin/python scripts/local/ministack/launch.py --expect-version 1.5.33

Each patched name is checked first: when one is missing (another MiniStack version), the launcher stops with a
message naming the version it was written against, instead of starting an emulator that fires schedules anyway.
"""

import argparse
import importlib.metadata
import json
import sys

HEALTH_MARKER = {"scheduleSweep": "off", "alarmEvaluation": "off"}


def _require(module, name, expected_version):
    if not callable(getattr(module, name, None)):
        installed = importlib.metadata.version("ministack")
        raise SystemExit(
            f"sked MiniStack launcher: {module.__name__}.{name} is missing in the installed MiniStack {installed}; "
            f"the launcher is written against MiniStack {expected_version} (MINISTACK_VERSION in "
            f"scripts/local-cloud.ts). Check what that version does instead and update the launcher."
        )


def _no_schedule_sweep():
    """Stands in for scheduler.start_scheduler: the sweep thread is never started."""


def _no_alarm_evaluation(*_args, **_kwargs):
    """Stands in for cloudwatch._evaluate_alarm and _evaluate_all_alarms: the alarm keeps its state."""


def _marked_health(original):
    def health(path, request_id):
        answer = original(path, request_id)
        if answer is None:
            return None
        status, headers, body = answer
        document = json.loads(body)
        document["sked"] = HEALTH_MARKER
        return status, headers, json.dumps(document).encode()

    return health


def patch(expected_version):
    from ministack import app
    from ministack.services import cloudwatch, scheduler

    for module, name in (
        (scheduler, "start_scheduler"),
        (cloudwatch, "_evaluate_alarm"),
        (cloudwatch, "_evaluate_all_alarms"),
        (app, "_handle_health_request"),
        (app, "main"),
    ):
        _require(module, name, expected_version)
    scheduler.start_scheduler = _no_schedule_sweep
    cloudwatch._evaluate_alarm = _no_alarm_evaluation
    cloudwatch._evaluate_all_alarms = _no_alarm_evaluation
    app._handle_health_request = _marked_health(app._handle_health_request)
    return app


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--expect-version", required=True, help="the MiniStack version sked pins")
    args = parser.parse_args()
    installed = importlib.metadata.version("ministack")
    if installed != args.expect_version:
        print(
            f"sked MiniStack launcher: MiniStack {installed} is installed, sked pins {args.expect_version}; "
            f"patching anyway",
            file=sys.stderr,
        )
    app = patch(args.expect_version)
    # MiniStack's own argument parser sees no sked arguments.
    sys.argv = ["ministack"]
    return app.main()


if __name__ == "__main__":
    sys.exit(main())
