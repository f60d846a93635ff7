# lit configuration for Tessera's compiler tests.
import os
import shutil
import lit.formats

config.name = "Tessera"
config.test_format = lit.formats.ShTest(not lit_config.isWindows)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.tessera_obj_root, "test")
# Inputs and helper data live beside the tests but are not tests themselves.
config.excludes = ["Inputs", "unit", "conformance", "malformed", "lit.cfg.py",
                   "CMakeLists.txt"]
# Sanitizer builds (scripts/sanitize.sh) pass their options to the tools.
for var in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
    if var in os.environ:
        config.environment[var] = os.environ[var]

config.environment["PATH"] = os.pathsep.join(
    [config.tessera_tools_dir, config.llvm_tools_dir, config.environment.get("PATH", os.environ.get("PATH", ""))])
config.substitutions.append(("%python", config.python_executable))
config.substitutions.append(("%tessera_src", config.tessera_src_root))
config.substitutions.append(("%tessera_lib", os.path.join(config.tessera_obj_root, "lib")))
config.substitutions.append(("%onnx_node", "/usr/include/onnx/backend/test/data/node"))

# test/Tools/profile-html.test renders a page in a headless browser; without
# Debian's chromium it is reported UNSUPPORTED (scripts/setup.sh installs it).
if shutil.which("chromium"):
    config.available_features.add("chromium")
