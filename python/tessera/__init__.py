"""Tessera: compile ONNX models for NPU targets and run them on the simulator.

    import numpy as np, tessera
    prog = tessera.compile("model.onnx", target="dc", precision="f32")
    out = prog.run({"x": np.ones((1, 16), np.float32)})
    print(prog.last_stats["cycles"], prog.ir("npu")[:200])
    golden = tessera.evaluate("model.onnx", {"x": np.ones((1, 16), np.float32)})

Errors raise tessera.CompileError / tessera.RunError (both TesseraError)
with `.status` and `.diagnostics` ([{severity, message, location}]).
The bindings sit on Tessera's stable C API (libTesseraCAPI).
"""

from ._tessera import (  # noqa: F401
    STAGES,
    CompileError,
    Program,
    RunError,
    TesseraError,
    __version__,
    api_version,
    compile,
    evaluate,
    load,
)

__all__ = [
    "STAGES",
    "CompileError",
    "Program",
    "RunError",
    "TesseraError",
    "api_version",
    "compile",
    "evaluate",
    "load",
]
