"""Fault injection for the crash tests, loaded only when a test puts this folder on
PYTHONPATH: `REAKTIVASI_FAULT_KILL_AT=package.module.function:n` SIGKILLs the whole process group
(the flow and Prefect's temporary server) at the n-th call of that function — a power cut at
a chosen point, without any hook in the code under test."""

import importlib
import os
import signal

_spec = os.environ.get("REAKTIVASI_FAULT_KILL_AT")
if _spec:
    _target, _count = _spec.rsplit(":", 1)
    _module_name, _function_name = _target.rsplit(".", 1)
    _module = importlib.import_module(_module_name)
    _original = getattr(_module, _function_name)
    _calls = [0]

    def _killing(*args, **kwargs):
        _calls[0] += 1
        if _calls[0] >= int(_count):
            os.killpg(os.getpgid(0), signal.SIGKILL)
        return _original(*args, **kwargs)

    setattr(_module, _function_name, _killing)
