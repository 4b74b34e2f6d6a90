"""Generate the CUDA C++ launcher of a kernel spec.

The launcher ``#include``s the kernel file (after the case's ``#define``s, format 2), reads a plan
(:mod:`porter.golden.plan`), copies the buffers to the GPU, runs the plan's operations in order
(launches, checking ``cudaGetLastError`` and ``cudaDeviceSynchronize`` after each; ``cudaMemset``,
device-to-device ``cudaMemcpy``, ``cudaMemcpyToSymbol``, pointer swaps), and writes every buffer
back: buffer ``i`` is what the ``i``-th pointer points to at the end. Which buffer or scalar goes
to which parameter, and with which C++ type, is fixed per spec and comes from the kernels'
signatures, so one launcher runs every case of the spec.
"""

from __future__ import annotations

from porter.golden.dtypes import SCALAR_TYPES
from porter.golden.model import KernelSpec, ResolvedCase
from porter.golden.signature import KernelSignature, Param
from porter.golden.validate import launch_signatures

#: Scalar parameter types that need a float first (their constructors take float).
VIA_FLOAT = {"half", "__half", "__nv_bfloat16", "nv_bfloat16"}

PRELUDE = r"""
namespace porter_golden {

struct Scalar { long long i; double f; };
struct Launch { dim3 grid, block; unsigned shared; };
struct PlanOp { unsigned kind, a, b, value; };  // kind: 0 launch, 1 memset, 2 memcpy, 3 symbol, 4 swap
struct Plan {
  std::vector<std::vector<unsigned char>> host;
  std::vector<void*> device;
  std::vector<Scalar> scalars;
  std::vector<Launch> launches;
  std::vector<PlanOp> ops;
};

[[noreturn]] static void fail(const char* what, const char* detail) {
  std::fprintf(stderr, "launcher: %s: %s\n", what, detail);
  std::exit(3);
}

static void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) fail(what, cudaGetErrorString(status));
}

static void read_exact(std::FILE* file, void* data, size_t size) {
  if (size && std::fread(data, 1, size, file) != size) fail("plan", "file is truncated");
}

template <class T> static T read_value(std::FILE* file) {
  T value;
  read_exact(file, &value, sizeof value);
  return value;
}

static dim3 read_dim3(std::FILE* file) {
  unsigned x = read_value<unsigned>(file), y = read_value<unsigned>(file), z = read_value<unsigned>(file);
  return dim3(x, y, z);
}

static Plan read_plan(const char* path) {
  std::FILE* file = std::fopen(path, "rb");
  if (!file) fail("cannot open plan", path);
  char magic[8];
  read_exact(file, magic, sizeof magic);
  if (std::memcmp(magic, "PGPLAN02", 8) != 0) fail("plan", "bad magic");
  Plan plan;
  plan.host.resize(read_value<unsigned>(file));
  for (auto& buffer : plan.host) {
    unsigned item = read_value<unsigned>(file);
    unsigned long long count = read_value<unsigned long long>(file);
    buffer.resize(static_cast<size_t>(item * count));
    read_exact(file, buffer.data(), buffer.size());
  }
  plan.scalars.resize(read_value<unsigned>(file));
  for (auto& scalar : plan.scalars) {
    scalar.i = read_value<long long>(file);
    scalar.f = read_value<double>(file);
  }
  plan.launches.resize(read_value<unsigned>(file));
  for (auto& launch : plan.launches) {
    launch.grid = read_dim3(file);
    launch.block = read_dim3(file);
    launch.shared = read_value<unsigned>(file);
  }
  plan.ops.resize(read_value<unsigned>(file));
  for (auto& op : plan.ops) {
    op.kind = read_value<unsigned>(file);
    op.a = read_value<unsigned>(file);
    op.b = read_value<unsigned>(file);
    op.value = read_value<unsigned>(file);
  }
  std::fclose(file);
  return plan;
}

static void write_output(const char* path, const Plan& plan) {
  std::FILE* file = std::fopen(path, "wb");
  if (!file) fail("cannot write output", path);
  unsigned count = static_cast<unsigned>(plan.host.size());
  std::fwrite("PGOUTP01", 1, 8, file);
  std::fwrite(&count, sizeof count, 1, file);
  for (const auto& buffer : plan.host) {
    unsigned long long size = buffer.size();
    std::fwrite(&size, sizeof size, 1, file);
    if (size && std::fwrite(buffer.data(), 1, buffer.size(), file) != buffer.size()) fail("write", path);
  }
  if (std::fclose(file) != 0) fail("write", path);
}

static int print_info() {
  int device = 0, driver = 0, runtime = 0;
  cudaDeviceProp prop;
  check(cudaGetDevice(&device), "cudaGetDevice");
  check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
  check(cudaDriverGetVersion(&driver), "cudaDriverGetVersion");
  check(cudaRuntimeGetVersion(&runtime), "cudaRuntimeGetVersion");
  std::printf("name=%s\ncompute_capability=%d.%d\ncuda_driver=%d\ncuda_runtime=%d\nsm_count=%d\n",
              prop.name, prop.major, prop.minor, driver, runtime, prop.multiProcessorCount);
  return 0;
}

static void allow_shared(const void* kernel, unsigned bytes, const char* name) {
  if (bytes > 48 * 1024)
    check(cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, static_cast<int>(bytes)), name);
}
"""

MAIN = r"""
}  // namespace porter_golden

int main(int argc, char** argv) {
  using namespace porter_golden;
  if (argc == 2 && std::strcmp(argv[1], "--info") == 0) return print_info();
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s PLAN OUTPUT | --info\n", argv[0]);
    return 2;
  }
  Plan plan = read_plan(argv[1]);
  if (plan.host.size() != BUFFERS || plan.scalars.size() != SCALARS || plan.launches.size() != LAUNCHES)
    fail("plan", "buffer, scalar or launch count does not match this launcher");
  plan.device.resize(BUFFERS);
  for (unsigned i = 0; i < BUFFERS; ++i) {
    check(cudaMalloc(&plan.device[i], plan.host[i].size() ? plan.host[i].size() : 1), "cudaMalloc");
    check(cudaMemcpy(plan.device[i], plan.host[i].data(), plan.host[i].size(), cudaMemcpyHostToDevice),
          "cudaMemcpy to the GPU");
  }
  for (const PlanOp& op : plan.ops) {
    bool launch = op.kind == 0, symbol = op.kind == 3;
    if ((launch && op.a >= LAUNCHES) || (symbol && (op.a >= SYMBOLS || op.b >= BUFFERS)) ||
        (!launch && !symbol && (op.a >= BUFFERS || op.b >= BUFFERS)) || op.kind > 4)
      fail("plan", "an operation names a launch, buffer or symbol this launcher does not have");
    switch (op.kind) {
      case 0:
        LAUNCH_FUNCTIONS[op.a](plan);
        check(cudaGetLastError(), LAUNCH_NAMES[op.a]);
        check(cudaDeviceSynchronize(), LAUNCH_NAMES[op.a]);
        break;
      case 1:
        check(cudaMemset(plan.device[op.a], static_cast<int>(op.value), plan.host[op.a].size()), "cudaMemset");
        break;
      case 2:
        if (plan.host[op.a].size() != plan.host[op.b].size()) fail("plan", "memcpy between buffers of other sizes");
        check(cudaMemcpy(plan.device[op.a], plan.device[op.b], plan.host[op.a].size(), cudaMemcpyDeviceToDevice),
              "cudaMemcpy device to device");
        break;
      case 3:
        symbol_write(op.a, plan, op.b);
        break;
      case 4:
        std::swap(plan.device[op.a], plan.device[op.b]);
        break;
    }
  }
  for (unsigned i = 0; i < BUFFERS; ++i) {
    check(cudaMemcpy(plan.host[i].data(), plan.device[i], plan.host[i].size(), cudaMemcpyDeviceToHost),
          "cudaMemcpy from the GPU");
    check(cudaFree(plan.device[i]), "cudaFree");
  }
  write_output(argv[2], plan);
  return 0;
}
"""


def generate_launcher(spec: KernelSpec, include: str | None = None, case: ResolvedCase | None = None) -> str:
    """The launcher's C++ source. ``include`` is how it names the kernel file (default: its path).
    ``case`` (format 2): the case whose defines and template arguments it is built with (cases
    with the same :func:`build_key` share a launcher)."""
    return launcher_source(spec, include, f"// Generated by porter for {spec.source.name} ({spec.path.name}); do not edit.",
                           "// Usage: launcher PLAN OUTPUT  |  launcher --info",
                           ("cstdint", "cstdio", "cstdlib", "cstring", "utility", "vector"), MAIN, case)


def build_key(case: ResolvedCase) -> tuple:
    """What a launcher is compiled with besides the spec: the case's defines and kernel names."""
    return case.defines, tuple(launch.kernel for launch in case.launches)


def launcher_source(spec: KernelSpec, include: str | None, title: str, usage: str, headers: tuple[str, ...],
                    main: str, case: ResolvedCase | None = None) -> str:
    """A launcher's C++ source around ``main``: the kernel file included (``include``, default its
    path) after ``case``'s defines, the shared prelude, one launch function per launch of the spec
    and their tables, one symbol writer per ``__constant__`` symbol the program writes."""
    if case is None and spec.format == 2 and spec.cases:
        from porter.golden.resolve import resolve_case
        case = resolve_case(spec, spec.cases[0])
    signatures = launch_signatures(spec, case)
    path = include if include is not None else str(spec.source.resolve())
    defines = [f"#define {name} {_number(value)}" for name, value in (case.defines if case is not None else ())]
    lines = [
        title,
        usage,
        *(f"#include <{header}>" for header in headers),
        "#include <cuda_runtime.h>",
        "",
        *defines,
        f'#include "{_c_string(path)}"',
        PRELUDE,
        _counts(spec),
        "",
        *_symbol_writers(spec),
    ]
    for index, signature in enumerate(signatures):
        kernel = case.launches[index].kernel if case is not None else spec.launches[index].kernel
        lines.extend(_launch_function(spec, index, signature, kernel))
    functions = ", ".join(f"launch_{i}" for i in range(len(signatures)))
    names = ", ".join(f'"launch[{i}] {_c_string(launch.kernel)}"' for i, launch in enumerate(spec.launches))
    lines.append(f"static void (*const LAUNCH_FUNCTIONS[])(Plan&) = {{{functions}}};")
    lines.append(f"static const char* const LAUNCH_NAMES[] = {{{names}}};")
    lines.append(main)
    return "\n".join(lines)


def _counts(spec: KernelSpec) -> str:
    return (f"constexpr unsigned BUFFERS = {len(spec.buffers)}, SCALARS = {len(spec.scalars)}, "
            f"LAUNCHES = {len(spec.launches)}, SYMBOLS = {len(spec.symbols)};")


def _number(value: int | float) -> str:
    return repr(float(value)) if isinstance(value, float) else str(value)


def _symbol_writers(spec: KernelSpec) -> list[str]:
    """``symbol_write(i, plan, buffer)``: cudaMemcpyToSymbol of the i-th symbol (sorted names)."""
    lines = ["static void symbol_write(unsigned symbol, Plan& plan, unsigned buffer) {",
             "  size_t bytes = plan.host[buffer].size();", "  switch (symbol) {"]
    for index, name in enumerate(spec.symbols):
        lines += [f"    case {index}:",
                  f'      if (bytes > sizeof(::{name})) fail("cudaMemcpyToSymbol {name}", "the buffer is larger than the symbol");',
                  f"      check(cudaMemcpyToSymbol(::{name}, plan.device[buffer], bytes, 0, cudaMemcpyDeviceToDevice),",
                  f'            "cudaMemcpyToSymbol {name}");', "      break;"]
    lines += ['    default: fail("plan", "no such symbol");', "  }", "}", ""]
    return lines


def _launch_function(spec: KernelSpec, index: int, signature: KernelSignature, name: str | None = None) -> list[str]:
    launch = spec.launches[index]
    buffers = [b.name for b in spec.buffers]
    scalars = [s.name for s in spec.scalars]
    args = [_argument(param, arg, buffers, scalars) for param, arg in zip(signature.params, launch.args)]
    kernel = f"::{name or launch.kernel}"
    call_args = ("\n      " + ",\n      ".join(args)) if args else ""
    return [
        f"static void launch_{index}(Plan& plan) {{",
        f"  const Launch& launch = plan.launches[{index}];",
        f'  allow_shared(reinterpret_cast<const void*>(&{kernel}), launch.shared, "{_c_string(name or launch.kernel)}");',
        f"  {kernel}<<<launch.grid, launch.block, launch.shared>>>({call_args});",
        "}",
        "",
    ]


def _argument(param: Param, arg: str, buffers: list[str], scalars: list[str]) -> str:
    if param.pointer:
        return f"reinterpret_cast<{param.cast_type}>(plan.device[{buffers.index(arg)}])  /* {arg} */"
    slot = f"plan.scalars[{scalars.index(arg)}]"
    if param.element in VIA_FLOAT:
        return f"{param.element}(static_cast<float>({slot}.f))  /* {arg} */"
    field = "f" if SCALAR_TYPES[param.element].kind == "float" else "i"
    return f"static_cast<{param.cast_type}>({slot}.{field})  /* {arg} */"


def _c_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
