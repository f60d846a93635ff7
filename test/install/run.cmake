# Installs the build into a fresh prefix, then configures, builds and runs two
# outside projects against it (C++ API and C API), and imports the installed
# Python module. cmake -DBUILD=... -DSOURCE=... -DWORK=... -DPYTHON=...
#   -DMLIR_DIR=... -P run.cmake
file(REMOVE_RECURSE ${WORK})
set(prefix ${WORK}/prefix)
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "failed (${rc}): ${ARGN}")
  endif()
endfunction()
run(${CMAKE_COMMAND} --install ${BUILD} --prefix ${prefix})
foreach(consumer cxx-consumer c-consumer)
  run(${CMAKE_COMMAND} -S ${SOURCE}/${consumer} -B ${WORK}/${consumer}
      -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=${prefix}
      -DMLIR_DIR=${MLIR_DIR} -DCMAKE_CXX_COMPILER=g++ -DCMAKE_C_COMPILER=gcc)
  run(${CMAKE_COMMAND} --build ${WORK}/${consumer})
  run(${WORK}/${consumer}/${consumer})
endforeach()
# The installed tools and Python module work from the prefix alone.
run(${prefix}/bin/tessera-compile --version)
run(${CMAKE_COMMAND} -E env PYTHONPATH=${prefix}/lib/python ${PYTHON} -c
    "import tessera, numpy as np; p = tessera.compile('${SOURCE}/../Pipeline/Inputs/block.mlir', target='edge'); out = p.run({'x': np.ones((8, 64), np.float32), 'w': np.ones((64, 32), np.float32), 'b': np.zeros(32, np.float32)}); v = list(out.values())[0]; assert v.shape == (8, 32) and (v == 64).all(), v; assert tessera.__file__.startswith('${prefix}'), tessera.__file__; print('installed python module ok')")
