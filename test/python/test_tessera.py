"""Tests of the Python module `tessera`: compile, run, compare with numpy and
the golden evaluator, stages, stats, and every error path.

Run by ctest with PYTHONPATH pointing at the build (or installed) package and
TESSERA_BIN at the tools (for the comparison with tessera-compile --emit).
"""

import json
import os
import subprocess
import tempfile
import unittest

import numpy as np
import onnx
from onnx import numpy_helper

import tessera

NODE_TESTS = "/usr/include/onnx/backend/test/data/node"
MATMUL = os.path.join(NODE_TESTS, "test_matmul_2d")

ADD_GRAPH = """func.func @main(%a: tensor<4x64xf32> {graph.name = "a"}, %b: tensor<4x64xf32> {graph.name = "b"}) -> (tensor<4x64xf32> {graph.name = "z"}) {
  %0 = graph.add %a, %b : (tensor<4x64xf32>, tensor<4x64xf32>) -> tensor<4x64xf32>
  %1 = graph.relu %0 : (tensor<4x64xf32>) -> tensor<4x64xf32>
  return %1 : tensor<4x64xf32>
}
"""

# Two nodes named by their locations, as the ONNX importer names them.
NAMED_GRAPH = """func.func @main(%a: tensor<4x64xf32> {graph.name = "a"}, %b: tensor<4x64xf32> {graph.name = "b"}, %w: tensor<64x32xf32> {graph.name = "w"}) -> (tensor<4x32xf32> {graph.name = "z"}) {
  %0 = graph.add %a, %b : (tensor<4x64xf32>, tensor<4x64xf32>) -> tensor<4x64xf32> loc("Add_1")
  %1 = graph.matmul %0, %w : (tensor<4x64xf32>, tensor<64x32xf32>) -> tensor<4x32xf32> loc("MatMul_1")
  return %1 : tensor<4x32xf32>
}
"""


def matmul_data():
    """The ONNX test's inputs (by graph input name) and expected output."""
    model = onnx.load(os.path.join(MATMUL, "model.onnx"))
    names = [i.name for i in model.graph.input]
    d = os.path.join(MATMUL, "test_data_set_0")
    inputs = {
        n: numpy_helper.to_array(onnx.load_tensor(os.path.join(d, f"input_{k}.pb")))
        for k, n in enumerate(names)
    }
    expected = numpy_helper.to_array(onnx.load_tensor(os.path.join(d, "output_0.pb")))
    return inputs, model.graph.output[0].name, expected


class CompileAndRun(unittest.TestCase):
    def test_version(self):
        self.assertEqual(tessera.api_version >> 16, 1)
        self.assertTrue(tessera.__version__)

    def test_onnx_path_matches_expected_output(self):
        inputs, out, expected = matmul_data()
        for target in ("edge", "dc"):
            prog = tessera.compile(os.path.join(MATMUL, "model.onnx"), target=target)
            self.assertEqual(prog.target, target)
            self.assertIsNone(prog.last_stats)
            result = prog.run(inputs)
            np.testing.assert_allclose(result[out], expected, rtol=1e-3, atol=1e-6)
            np.testing.assert_allclose(
                result[out], inputs["a"] @ inputs["b"], rtol=1e-3, atol=1e-6)

    def test_onnx_bytes_bf16(self):
        inputs, out, expected = matmul_data()
        with open(os.path.join(MATMUL, "model.onnx"), "rb") as f:
            model = f.read()
        prog = tessera.compile(model, target="dc", precision="bf16")
        got = prog.run(inputs)[out].ravel()
        cosine = got @ expected.ravel() / (
            np.linalg.norm(got) * np.linalg.norm(expected))
        self.assertGreaterEqual(cosine, 0.999)

    def test_stages_and_stats(self):
        prog = tessera.compile(os.path.join(MATMUL, "model.onnx"), target="dc")
        self.assertIn("graph.matmul", prog.ir("import"))
        self.assertIn("graph.matmul", prog.ir("graph"))
        self.assertIn("npu.dispatch", prog.ir("npu"))
        self.assertIn('tessera.target = "dc"', prog.ir("npu"))
        self.assertIn("isa.program", prog.ir("isa"))
        s = prog.stats()
        self.assertEqual(s["target"], "dc")
        self.assertEqual((s["inputs"], s["outputs"]), (2, 1))
        self.assertGreater(s["instructions"], 0)
        self.assertEqual([i[0] for i in prog.inputs], ["a", "b"])
        inputs, _, _ = matmul_data()
        prog.run(inputs)
        st = prog.last_stats
        for key in ("cycles", "seconds", "pipes", "dram_bytes", "flops",
                    "ratio_to_bound", "bound_seconds"):
            self.assertIn(key, st)
        self.assertGreater(st["cycles"], 0)
        self.assertEqual(st["matrix_flops"], 2 * 3 * 4 * 3)
        self.assertGreaterEqual(st["ratio_to_bound"], 1.0)

    def test_llm_block_stages(self):
        """A model with fused LLM ops (rope, attention) compiles: each stage
        is one range from the import, as tessera-compile --emit runs it."""
        example = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "..", "..", "examples", "tiny_llm_block")
        model = os.path.join(example, "model.onnx")
        prog = tessera.compile(model, target="dc")
        self.assertIn("graph.rope", prog.ir("graph"))
        # RoPE and attention have NPU kernels: each is a dispatch of its own,
        # a RoPE with its input's reshape and head split (read in place), an
        # attention with the value's (read in place) and its head merge
        # (written in place).
        self.assertRegex(prog.ir("npu"),
                         r"\^bb0[^\n]*\n\s*%\w+ = graph.reshape[^\n]*\n"
                         r"\s*%\w+ = graph.transpose[^\n]*\n"
                         r"\s*%\w+ = graph.rope")
        self.assertRegex(prog.ir("npu"),
                         r"\^bb0[^\n]*\n\s*%\w+ = graph.reshape[^\n]*\n"
                         r"\s*%\w+ = graph.transpose[^\n]*\n"
                         r"\s*%\w+ = graph.attention[^\n]*\n"
                         r"\s*%\w+ = graph.transpose")
        x = np.load(os.path.join(example, "input.npy"))
        got = prog.run({"hidden_states": x})["output"]
        expected = np.load(os.path.join(example, "expected_output.npy"))
        np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-5)
        quick = tessera.compile(model, target="dc", keep_ir=False)
        np.testing.assert_array_equal(quick.run({"hidden_states": x})["output"], got)
        tools = os.environ.get("TESSERA_BIN")
        if tools:
            for stage in ("graph", "npu"):
                cli = subprocess.run(
                    [os.path.join(tools, "tessera-compile"), model, "--target=dc",
                     "--emit=" + stage, "-o", "-"],
                    check=True, capture_output=True, text=True).stdout
                self.assertEqual(cli, prog.ir(stage))

    def test_profile(self):
        """Program.profile(): one row per source node (the MLIR locations
        here, ONNX node names from ONNX), adding up to the run; the same as
        tessera-run --profile-json."""
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "block.mlir")
            with open(src, "w") as f:
                f.write(NAMED_GRAPH)
            prog = tessera.compile(src, target="edge")
            self.assertIsNone(prog.profile())
            self.assertIsNone(prog.profile_html())
            rng = np.random.default_rng(3)
            inputs = {"a": rng.standard_normal((4, 64), np.float32),
                      "b": rng.standard_normal((4, 64), np.float32),
                      "w": rng.standard_normal((64, 32), np.float32)}
            out = prog.run(inputs)["z"]
            np.testing.assert_allclose(out, (inputs["a"] + inputs["b"]) @ inputs["w"],
                                       rtol=1e-3, atol=1e-4)
            p, st = prog.profile(), prog.last_stats
            rows = {r["name"]: r for r in p["nodes"]}
            self.assertEqual(set(rows), {"Add_1", "MatMul_1"})
            self.assertEqual(rows["MatMul_1"]["engine"], "matrix")
            self.assertEqual(rows["MatMul_1"]["matrix_flops"], 2 * 4 * 64 * 32)
            self.assertEqual(rows["Add_1"]["engine"], "vector")
            self.assertEqual(rows["Add_1"]["vector_ops"], 4 * 64)
            total = sum(r["cycles"] for r in rows.values()) + p["idle_cycles"] + p["launch_cycles"]
            self.assertAlmostEqual(total / st["cycles"], 1.0, places=9)
            self.assertEqual(sum(r["dram_bytes"] for r in rows.values()), st["dram_bytes"])
            for r in rows.values():
                self.assertAlmostEqual(r["intensity"], r["flops"] / r["dram_bytes"])
                self.assertTrue(0 < r["roof_ratio"] <= 1)
            self.assertEqual(p["roofs"][0]["name"], "DRAM")
            page = prog.profile_html()
            self.assertTrue(page.startswith("<!DOCTYPE html>"))
            self.assertIn('data-node="MatMul_1"', page)
            # The same rows as the command line's JSON.
            tools = os.environ.get("TESSERA_BIN")
            if tools:
                npu, js = os.path.join(tmp, "b.npu"), os.path.join(tmp, "p.json")
                subprocess.run([os.path.join(tools, "tessera-compile"), src, "-o", npu,
                                "--target=edge"], check=True)
                args = [os.path.join(tools, "tessera-run"), npu, "--output-dir", tmp,
                        "--profile-json", js]
                for name, x in inputs.items():
                    np.save(os.path.join(tmp, name + ".npy"), x)
                    args += ["--input", f"{name}={os.path.join(tmp, name + '.npy')}"]
                subprocess.run(args, check=True)
                with open(js) as f:
                    self.assertEqual(json.load(f)["nodes"], p["nodes"])

    def test_l2_discard_option(self):
        """l2_discard is tessera-compile's --no-l2-discard: dead scratch is
        discarded from dc's write-back L2 unless it is turned off."""
        example = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                               "..", "..", "examples", "tiny_llm_block")
        model = os.path.join(example, "model.onnx")
        on = tessera.compile(model, target="dc")
        off = tessera.compile(model, target="dc", l2_discard=False)
        self.assertIn("isa.l2_discard", on.ir("isa"))
        self.assertIn("npu.l2_discard_bytes", on.ir("isa"))
        self.assertNotIn("l2_discard", off.ir("isa"))

    def test_mlir_options_save_load(self):
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "add.mlir")
            with open(src, "w") as f:
                f.write(ADD_GRAPH)
            prog = tessera.compile(src, target="edge", fuse=False, l2_prefetch=False)
            a = np.linspace(-3, 3, 256, dtype=np.float32).reshape(4, 64)
            b = np.full((4, 64), 0.5, np.float64)  # converted to f32
            ref = np.maximum(a + b.astype(np.float32), 0)
            outs = prog.run({"a": a, "b": b})
            self.assertEqual(len(outs), 1)
            np.testing.assert_array_equal(list(outs.values())[0], ref)
            path = os.path.join(tmp, "add.npu")
            prog.save(path)
            again = tessera.load(path)
            self.assertEqual(again.target, "edge")
            out = list(again.run({"a": a, "b": b}).values())[0]
            np.testing.assert_array_equal(out, ref)
            with self.assertRaises(ValueError):
                again.ir("graph")  # a loaded program has no IR
            with self.assertRaises(ValueError):
                again.save(os.path.join(tmp, "copy.npu"))

    def test_evaluate(self):
        inputs, out, expected = matmul_data()
        golden = tessera.evaluate(os.path.join(MATMUL, "model.onnx"), inputs)
        np.testing.assert_allclose(golden[out], expected, rtol=1e-5, atol=1e-6)

    def test_same_ir_as_tessera_compile(self):
        """Program.ir(stage) and tessera-compile --emit=STAGE are one path."""
        tools = os.environ.get("TESSERA_BIN")
        if not tools:
            self.skipTest("TESSERA_BIN not set")
        model = os.path.join(MATMUL, "model.onnx")
        prog = tessera.compile(model, target="edge")
        for stage in ("graph", "npu", "isa"):
            cli = subprocess.run(
                [os.path.join(tools, "tessera-compile"), model,
                 f"--emit={stage}", "--target=edge"],
                check=True, capture_output=True, text=True).stdout
            self.assertEqual(prog.ir(stage), cli, stage)


class Errors(unittest.TestCase):
    def test_bad_bytes(self):
        with self.assertRaises(tessera.CompileError) as e:
            tessera.compile(b"not an onnx model")
        self.assertEqual(e.exception.status, "TESSERA_STATUS_BAD_INPUT")
        self.assertTrue(e.exception.diagnostics)
        self.assertEqual(e.exception.diagnostics[0]["severity"], "error")

    def test_missing_file(self):
        with self.assertRaises(tessera.CompileError) as e:
            tessera.compile("/nonexistent/model.onnx")
        self.assertIn("nonexistent", str(e.exception))
        with self.assertRaises(ValueError):
            tessera.compile("/nonexistent/model.mlir")

    def test_bad_mlir_has_location(self):
        with tempfile.TemporaryDirectory() as tmp:
            src = os.path.join(tmp, "bad.mlir")
            with open(src, "w") as f:
                f.write("func.func @main() {\n  %0 = graph.nosuchop\n}\n")
            with self.assertRaises(tessera.CompileError) as e:
                tessera.compile(src)
            locs = [d["location"] for d in e.exception.diagnostics]
            self.assertTrue(any(l.startswith(src + ":2:") for l in locs), locs)

    def test_compile_errors(self):
        model = os.path.join(MATMUL, "model.onnx")
        with self.assertRaises(tessera.CompileError) as e:
            tessera.compile(model, precision="f8")
        self.assertIn("precision", str(e.exception))
        self.assertEqual(e.exception.status, "TESSERA_STATUS_COMPILE_ERROR")
        with self.assertRaises(tessera.CompileError) as e:
            tessera.compile(model, target="nosuchchip")
        self.assertIn("nosuchchip", str(e.exception))
        with self.assertRaises(tessera.TesseraError) as e:
            tessera.compile(model, no_such_option=True)
        self.assertEqual(e.exception.status, "TESSERA_STATUS_NOT_FOUND")
        with self.assertRaises(tessera.TesseraError) as e:
            tessera.compile(model, fuse="maybe")
        self.assertEqual(e.exception.status, "TESSERA_STATUS_INVALID_ARGUMENT")

    def test_run_errors(self):
        prog = tessera.compile(os.path.join(MATMUL, "model.onnx"), target="edge")
        inputs, _, _ = matmul_data()
        with self.assertRaises(KeyError):
            prog.run({"a": inputs["a"]})
        with self.assertRaises(tessera.TesseraError) as e:
            prog.run({"a": inputs["a"], "b": np.zeros((5, 3), np.float32)})
        self.assertIn("'b'", str(e.exception))
        with self.assertRaises(TypeError):
            prog.run({"a": inputs["a"], "b": object()})
        with self.assertRaises(ValueError):
            prog.ir("binary")
        with self.assertRaises(ValueError):
            prog.ir("nosuchstage")

    def test_load_errors(self):
        with tempfile.TemporaryDirectory() as tmp:
            bad = os.path.join(tmp, "bad.npu")
            with open(bad, "wb") as f:
                f.write(b"garbage")
            with self.assertRaises(tessera.CompileError):
                tessera.load(bad)
            prog = tessera.compile(os.path.join(MATMUL, "model.onnx"), target="dc")
            path = os.path.join(tmp, "m.npu")
            prog.save(path)
            with self.assertRaises(tessera.RunError) as e:
                tessera.load(path, target="edge")
            self.assertEqual(e.exception.status, "TESSERA_STATUS_TARGET_MISMATCH")


if __name__ == "__main__":
    unittest.main()
