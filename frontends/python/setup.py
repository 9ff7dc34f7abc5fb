"""Builds the extension kerasrt._kerasrt by driving the project's CMake build (the static C++
library plus frontends/python), then packages it with kerasrt/*.py, the stubs and py.typed.

Environment:
  KERASRT_SOURCE_DIR      the kerasrt repository (default: two folders up from here)
  KERASRT_CMAKE_BUILD_DIR reuse this CMake build folder (default: one inside setuptools' build/)
  CMAKE_BUILD_PARALLEL_LEVEL  compile jobs (CMake's own variable)
"""

import os
import pathlib
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = pathlib.Path(__file__).resolve().parent


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        source = pathlib.Path(os.environ.get("KERASRT_SOURCE_DIR", HERE.parents[1])).resolve()
        if not (source / "include" / "kerasrt" / "kerasrt.h").exists():
            raise RuntimeError(f"{source} is not the kerasrt repository; install from the repository's "
                               "frontends/python (pip builds it in place) or set KERASRT_SOURCE_DIR")
        build = pathlib.Path(os.environ.get("KERASRT_CMAKE_BUILD_DIR") or pathlib.Path(self.build_temp) / "cmake").resolve()
        configure = ["cmake", "-S", str(source), "-B", str(build), "-DCMAKE_BUILD_TYPE=Release",
                     "-DKERASRT_BUILD_PYTHON=ON", "-DKERASRT_BUILD_TESTS=OFF", f"-DPython_EXECUTABLE={sys.executable}"]
        if shutil.which("ninja") and not (build / "CMakeCache.txt").exists():
            configure += ["-G", "Ninja"]
        subprocess.run(configure, check=True)
        subprocess.run(["cmake", "--build", str(build), "--target", "kerasrt_python"], check=True)

        filename = pathlib.Path(self.get_ext_filename(ext.name)).name
        built = build / "frontends" / "python" / "kerasrt" / filename
        target = pathlib.Path(self.get_ext_fullpath(ext.name))
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(built, target)


setup(ext_modules=[Extension("kerasrt._kerasrt", sources=[])], cmdclass={"build_ext": CMakeBuild})
