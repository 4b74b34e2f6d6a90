"""The make-variable reader the HeCBench harness uses (benchmarks/make_vars.py)."""

import sys
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"
sys.path.insert(0, str(BENCHMARKS))

from hecbench_build import read_build  # noqa: E402
from make_vars import MakeReader  # noqa: E402

MAKEFILE = """\
CC        = nvcc
OPTIMIZE  = yes
DEBUG     = no
ARCH      = sm_60
source = main.cu \\
         util.cu
obj = $(source:.cu=.o)
CFLAGS := $(EXTRA_CFLAGS) -std=c++14 -Xcompiler -Wall -arch=$(ARCH) -I../other-cuda -Dreal=float
ifeq ($(DEBUG),yes)
  CFLAGS += -g -DDEBUG
else ifeq ($(OPTIMIZE),yes)
  CFLAGS += -O3 -DFAST
endif
ifneq ($(CC),nvcc)
  CFLAGS += -DNOT_NVCC
endif
$(program): $(obj) Makefile
\t$(CC) $(CFLAGS) $(obj) -o $@ $(LDFLAGS)
%.o: %.cu Makefile
\t$(CC) $(CFLAGS) -c $< -o $@
clean:
\trm -rf $(program) $(obj) -DCLEAN
"""


def _folder(tmp_path, makefile=MAKEFILE, files=("main.cu", "util.cu")):
    (tmp_path / "Makefile").write_text(makefile)
    for name in files:
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("int main() { return 0; }\n")
    return tmp_path


def test_variables_substitution_references_and_conditionals(tmp_path):
    reader = MakeReader.from_file(_folder(tmp_path) / "Makefile")
    assert reader.value("obj") == "main.o util.o"
    flags = reader.value("CFLAGS").split()
    assert "-DFAST" in flags and "-O3" in flags
    assert "-DDEBUG" not in flags and "-DNOT_NVCC" not in flags
    assert "-arch=sm_60" in flags


def test_build_reads_sources_and_the_flags_of_build_rules_only(tmp_path):
    build = read_build(_folder(tmp_path))
    assert build.sources == ("main.cu", "util.cu") and build.how == "source"
    assert build.flags == ("-std=c++14", "-I../other-cuda", "-Dreal=float", "-DFAST")
    assert build.include_dirs() == ["../other-cuda"]


def test_functions_wildcard_patsubst_and_object_lists(tmp_path):
    makefile = ("SRC_DIR = src\nCU := $(wildcard $(SRC_DIR)/*.cu)\nOBJ = $(patsubst $(SRC_DIR)/%.cu,bin/%.o,$(CU))\n"
                "all: $(OBJ)\n\tnvcc -I $(SRC_DIR)/inc -c $< -o $@\n")
    folder = _folder(tmp_path, makefile, files=("src/a.cu", "src/b.cu"))
    reader = MakeReader.from_file(folder / "Makefile")
    assert reader.value("OBJ") == "bin/a.o bin/b.o"
    build = read_build(folder)
    assert build.sources == ("src/a.cu", "src/b.cu") and build.how == "named"
    assert build.flags == ("-Isrc/inc",)


def test_object_list_maps_back_to_sources_and_unsupported_functions_are_listed(tmp_path):
    makefile = "obj = main.o io.o\nX = $(shell ls)\nall:\n\tnvcc -c $(X)\n"
    folder = _folder(tmp_path, makefile, files=("main.cu", "io.cpp"))
    build = read_build(folder)
    assert build.sources == ("main.cu", "io.cpp") and build.how == "obj"
    assert "shell" in build.unsupported


def test_no_makefile_is_no_build(tmp_path):
    (tmp_path / "main.cu").write_text("")
    assert read_build(tmp_path) is None
