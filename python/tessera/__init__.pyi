"""Type hints for the tessera module (bindings over Tessera's C API)."""

import os
from typing import Any, Dict, List, Optional, Tuple, Union

import numpy as np

__version__: str
api_version: int
STAGES: Tuple[str, ...]

Model = Union[str, os.PathLike, bytes, bytearray]

class TesseraError(RuntimeError):
    """A Tessera call failed."""

    status: str
    diagnostics: List[Dict[str, str]]

class CompileError(TesseraError):
    """A model could not be read or compiled."""

class RunError(TesseraError):
    """A program could not run (simulator error, target mismatch)."""

class Program:
    """A compiled NPU program, runnable on the simulator."""

    @property
    def target(self) -> str: ...
    @property
    def inputs(self) -> List[Tuple[str, np.dtype, Tuple[int, ...]]]: ...
    @property
    def outputs(self) -> List[Tuple[str, np.dtype, Tuple[int, ...]]]: ...
    @property
    def last_stats(self) -> Optional[Dict[str, Any]]:
        """Statistics of the last run: cycles, seconds, pipes, DRAM bytes,
        FLOPs, roofline bound and ratio; None before the first run."""
    def ir(self, stage: str) -> str:
        """The IR text at `stage` (import, graph, npu, isa)."""
    def save(self, path: Union[str, os.PathLike]) -> None:
        """Writes the .npu program."""
    def stats(self) -> Dict[str, Any]:
        """Static facts: target, instructions, streams, GM and constant
        bytes, input and output counts."""
    def run(self, inputs: Dict[str, np.ndarray]) -> Dict[str, np.ndarray]:
        """Runs on the simulator; raises RunError."""
    def profile(self) -> Optional[Dict[str, Any]]:
        """Where the last run spent its time: 'nodes' (one dict per source
        ONNX node or fused group: name, engine, cycles, seconds, share,
        flops, dram_bytes, intensity, attained_flops_per_s, bound_seconds,
        roof_ratio, ...), 'roofs', 'cycles', 'idle_cycles', 'launch_cycles';
        None before the first run."""
    def profile_html(self) -> Optional[str]:
        """The last run's profile as a self-contained HTML page with a
        log-log roofline plot; None before the first run."""

def compile(
    model: Model,
    target: str = "dc",
    precision: str = "f32",
    keep_ir: bool = True,
    **options: Any,
) -> Program:
    """Compiles a .onnx/.mlir path or ONNX bytes; raises CompileError.
    Options: fold, fuse, l2_prefetch, l2_discard, probes (bool), input_shape
    (list of 'name=1x128'), onnx_checker (bool)."""

def load(path: Union[str, os.PathLike], target: Optional[str] = None) -> Program:
    """Loads a .npu program."""

def evaluate(
    model: Model, inputs: Dict[str, np.ndarray], **options: Any
) -> Dict[str, np.ndarray]:
    """Runs the model in the golden evaluator."""
