"""C++ sources for timing on an NVIDIA GPU: a spec's timing launcher, and the probe of the GPU's peaks.

The timing launcher is the golden launcher (:mod:`porter.golden.launcher`: same plan format, same
argument casts, same ``#include`` of the kernel file, so the HIP port's file works too) with a
different ``main``. It reads one job file; each line names an output file (or ``-``) and the plans
of one case, one plan per input copy. Per case it

* copies every plan's buffers to the GPU twice: a pristine copy and a working copy;
* before every run (warm-up and timed): restores the working copy of the next input set from its
  pristine copy (rotating among the sets), then writes a flush buffer of several times the L2 size,
  so each run starts from its own inputs, none of them in L2;
* warms up, synchronizes the device, then times each run between two CUDA events (all launches of
  the spec: a multi-launch spec is timed as the whole sequence), checking every launch's error;
* after the first warm-up run of input set 0 writes its buffers to the output file (so the run's
  results can be compared with the golden outputs);
* prints ``case=I times_ms=t1,t2,...`` once the device is synchronized.

Usage: ``timer JOBFILE RUNS WARMUP FIRST`` (FIRST: the job line to start at) | ``timer --info``.
"""

from __future__ import annotations

from porter.golden.launcher import launcher_source
from porter.golden.model import KernelSpec

TIMING_MAIN = r"""
static std::vector<std::string> split_words(const std::string& line) {
  std::vector<std::string> words;
  size_t start = 0;
  while (start < line.size()) {
    size_t end = line.find('\t', start);
    if (end == std::string::npos) end = line.size();
    if (end > start) words.push_back(line.substr(start, end - start));
    start = end + 1;
  }
  return words;
}

static bool same_launches(const Plan& a, const Plan& b) {
  if (a.launches.size() != b.launches.size() || a.host.size() != b.host.size()) return false;
  for (size_t i = 0; i < a.launches.size(); ++i) {
    const Launch &x = a.launches[i], &y = b.launches[i];
    if (x.grid.x != y.grid.x || x.grid.y != y.grid.y || x.grid.z != y.grid.z || x.block.x != y.block.x ||
        x.block.y != y.block.y || x.block.z != y.block.z || x.shared != y.shared) return false;
  }
  for (size_t i = 0; i < a.host.size(); ++i)
    if (a.host[i].size() != b.host[i].size()) return false;
  return true;
}

static void launch_all(Plan& plan) {
  for (unsigned i = 0; i < LAUNCHES; ++i) {
    LAUNCH_FUNCTIONS[i](plan);
    check(cudaGetLastError(), LAUNCH_NAMES[i]);
  }
}

static void time_case(unsigned index, const std::vector<std::string>& words, int runs, int warmup,
                      void* flush, size_t flush_bytes) {
  const std::string& output = words[0];
  std::vector<Plan> plans;
  for (size_t p = 1; p < words.size(); ++p) plans.push_back(read_plan(words[p].c_str()));
  for (auto& plan : plans) {
    if (plan.host.size() != BUFFERS || plan.scalars.size() != SCALARS || plan.launches.size() != LAUNCHES)
      fail("plan", "buffer, scalar or launch count does not match this launcher");
    if (!same_launches(plans[0], plan)) fail("plan", "the input copies of one case differ in shape");
  }
  const size_t copies = plans.size();
  std::vector<std::vector<void*>> pristine(copies, std::vector<void*>(BUFFERS)), work = pristine;
  for (size_t k = 0; k < copies; ++k)
    for (unsigned i = 0; i < BUFFERS; ++i) {
      size_t size = plans[k].host[i].size();
      check(cudaMalloc(&pristine[k][i], size ? size : 1), "cudaMalloc");
      check(cudaMalloc(&work[k][i], size ? size : 1), "cudaMalloc");
      check(cudaMemcpy(pristine[k][i], plans[k].host[i].data(), size, cudaMemcpyHostToDevice), "cudaMemcpy to the GPU");
    }
  Plan run = plans[0];
  unsigned long long step = 0;
  auto prepare = [&](size_t k) {
    for (unsigned i = 0; i < BUFFERS; ++i)
      check(cudaMemcpyAsync(work[k][i], pristine[k][i], plans[k].host[i].size(), cudaMemcpyDeviceToDevice, 0),
            "restoring the inputs");
    check(cudaMemsetAsync(flush, static_cast<int>(0x41 + (step++ % 64)), flush_bytes, 0), "flushing L2");
    run.device = work[k];
  };
  for (int w = 0; w < warmup; ++w) {
    prepare(w % copies);
    launch_all(run);
    if (w == 0) {
      check(cudaDeviceSynchronize(), "first run");
      if (output != "-") {
        for (unsigned i = 0; i < BUFFERS; ++i)
          check(cudaMemcpy(run.host[i].data(), work[0][i], run.host[i].size(), cudaMemcpyDeviceToHost),
                "cudaMemcpy from the GPU");
        write_output(output.c_str(), run);
      }
    }
  }
  check(cudaDeviceSynchronize(), "warm-up");
  std::vector<cudaEvent_t> start(runs), stop(runs);
  for (int r = 0; r < runs; ++r) {
    check(cudaEventCreate(&start[r]), "cudaEventCreate");
    check(cudaEventCreate(&stop[r]), "cudaEventCreate");
  }
  for (int r = 0; r < runs; ++r) {
    prepare(r % copies);
    check(cudaEventRecord(start[r], 0), "cudaEventRecord");
    launch_all(run);
    check(cudaEventRecord(stop[r], 0), "cudaEventRecord");
  }
  check(cudaDeviceSynchronize(), "timed runs");
  std::printf("case=%u copies=%zu times_ms=", index, copies);
  for (int r = 0; r < runs; ++r) {
    float ms = 0;
    check(cudaEventElapsedTime(&ms, start[r], stop[r]), "cudaEventElapsedTime");
    std::printf(r ? ",%.6f" : "%.6f", ms);
    cudaEventDestroy(start[r]);
    cudaEventDestroy(stop[r]);
  }
  std::printf("\n");
  std::fflush(stdout);
  for (size_t k = 0; k < copies; ++k)
    for (unsigned i = 0; i < BUFFERS; ++i) {
      check(cudaFree(pristine[k][i]), "cudaFree");
      check(cudaFree(work[k][i]), "cudaFree");
    }
}

}  // namespace porter_golden

int main(int argc, char** argv) {
  using namespace porter_golden;
  if (argc == 2 && std::strcmp(argv[1], "--info") == 0) return print_info();
  if (argc != 5) {
    std::fprintf(stderr, "usage: %s JOBFILE RUNS WARMUP FIRST | --info\n", argv[0]);
    return 2;
  }
  int runs = std::atoi(argv[2]), warmup = std::atoi(argv[3]), first = std::atoi(argv[4]);
  if (runs < 1 || warmup < 1 || first < 0) fail("arguments", "RUNS and WARMUP must be >= 1, FIRST >= 0");
  std::ifstream jobs(argv[1]);
  if (!jobs) fail("cannot open job file", argv[1]);
  int device = 0, l2 = 0;
  check(cudaGetDevice(&device), "cudaGetDevice");
  check(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device), "cudaDeviceGetAttribute");
  size_t flush_bytes = std::max<size_t>(static_cast<size_t>(l2) * 4, size_t(64) << 20);
  void* flush = nullptr;
  check(cudaMalloc(&flush, flush_bytes), "cudaMalloc (L2 flush buffer)");
  std::printf("l2_bytes=%d flush_bytes=%zu\n", l2, flush_bytes);
  std::string line;
  for (unsigned index = 0; std::getline(jobs, line); ++index) {
    if (static_cast<int>(index) < first) continue;
    std::vector<std::string> words = split_words(line);
    if (words.size() < 2) fail("job file", "a line needs an output and at least one plan");
    std::printf("begin=%u\n", index);
    std::fflush(stdout);
    time_case(index, words, runs, warmup, flush, flush_bytes);
  }
  check(cudaFree(flush), "cudaFree");
  return 0;
}
"""


def generate_timing_launcher(spec: KernelSpec, include: str | None = None) -> str:
    """The timing launcher's C++ source. ``include`` is how it names the kernel file (default: its path)."""
    return launcher_source(spec, include,
                           f"// Generated by porter bench for {spec.source.name} ({spec.path.name}); do not edit.",
                           "// Usage: timer JOBFILE RUNS WARMUP FIRST  |  timer --info",
                           ("algorithm", "cstdint", "cstdio", "cstdlib", "cstring", "fstream", "string", "vector"),
                           TIMING_MAIN)


#: Measures the GPU's ceilings without any library: a device-to-device copy (bytes read plus
#: written) and an fp32 FMA kernel. Prints key=value lines. Usage: ``probe [COPY_MIB]``.
PROBE_SOURCE = r"""
// Generated by porter bench: the GPU's copy bandwidth and fp32 FMA rate; do not edit.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <cuda_runtime.h>

static void check(cudaError_t status, const char* what) {
  if (status != cudaSuccess) {
    std::fprintf(stderr, "probe: %s: %s\n", what, cudaGetErrorString(status));
    std::exit(3);
  }
}

constexpr int FMA_ITERS = 2048, FMA_CHAINS = 8;

__global__ void fma_kernel(float* out, float seed) {
  float v[FMA_CHAINS];
  #pragma unroll
  for (int c = 0; c < FMA_CHAINS; ++c) v[c] = seed + threadIdx.x * 1e-3f + c;
  const float a = 0.999f, b = 1e-4f;
  for (int i = 0; i < FMA_ITERS; ++i) {
    #pragma unroll
    for (int c = 0; c < FMA_CHAINS; ++c) v[c] = fmaf(v[c], a, b);
  }
  float sum = 0;
  #pragma unroll
  for (int c = 0; c < FMA_CHAINS; ++c) sum += v[c];
  if (sum == 12345.678f) out[blockIdx.x * blockDim.x + threadIdx.x] = sum;  // never true: keeps the work
}

template <class F> static float median_ms(int repeats, F&& body) {
  std::vector<float> times(repeats);
  cudaEvent_t start, stop;
  check(cudaEventCreate(&start), "cudaEventCreate");
  check(cudaEventCreate(&stop), "cudaEventCreate");
  for (int w = 0; w < 3; ++w) body();
  check(cudaDeviceSynchronize(), "warm-up");
  for (int r = 0; r < repeats; ++r) {
    check(cudaEventRecord(start, 0), "cudaEventRecord");
    body();
    check(cudaEventRecord(stop, 0), "cudaEventRecord");
    check(cudaEventSynchronize(stop), "cudaEventSynchronize");
    check(cudaEventElapsedTime(&times[r], start, stop), "cudaEventElapsedTime");
  }
  std::sort(times.begin(), times.end());
  return times[repeats / 2];
}

int main(int argc, char** argv) {
  size_t mib = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2048;
  int device = 0, sms = 0, l2 = 0, clock_khz = 0;
  cudaDeviceProp prop;
  check(cudaGetDevice(&device), "cudaGetDevice");
  check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
  check(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device), "attribute");
  check(cudaDeviceGetAttribute(&l2, cudaDevAttrL2CacheSize, device), "attribute");
  cudaDeviceGetAttribute(&clock_khz, cudaDevAttrClockRate, device);
  int memory_khz = 0, bus_bits = 0;
  cudaDeviceGetAttribute(&memory_khz, cudaDevAttrMemoryClockRate, device);
  cudaDeviceGetAttribute(&bus_bits, cudaDevAttrGlobalMemoryBusWidth, device);
  int driver = 0, runtime = 0;
  check(cudaDriverGetVersion(&driver), "cudaDriverGetVersion");
  check(cudaRuntimeGetVersion(&runtime), "cudaRuntimeGetVersion");
  size_t free_bytes = 0, total_bytes = 0;
  check(cudaMemGetInfo(&free_bytes, &total_bytes), "cudaMemGetInfo");
  size_t bytes = std::min(mib << 20, free_bytes / 4);
  void *src = nullptr, *dst = nullptr;
  check(cudaMalloc(&src, bytes), "cudaMalloc");
  check(cudaMalloc(&dst, bytes), "cudaMalloc");
  check(cudaMemset(src, 0x5a, bytes), "cudaMemset");
  float copy_ms = median_ms(20, [&] { check(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToDevice, 0), "copy"); });
  check(cudaFree(src), "cudaFree");
  check(cudaFree(dst), "cudaFree");
  const int threads = 256, blocks = sms * 16;
  float* out = nullptr;
  check(cudaMalloc(&out, sizeof(float) * threads * blocks), "cudaMalloc");
  float fma_ms = median_ms(10, [&] {
    fma_kernel<<<blocks, threads>>>(out, 1.0f);
    check(cudaGetLastError(), "fma_kernel");
  });
  check(cudaFree(out), "cudaFree");
  double fma_flops = 2.0 * FMA_ITERS * FMA_CHAINS * double(threads) * blocks;
  std::printf("name=%s\ncompute_capability=%d.%d\nsm_count=%d\nl2_bytes=%d\nmemory_bytes=%zu\n"
              "clock_khz=%d\ncuda_driver=%d\ncuda_runtime=%d\n", prop.name, prop.major, prop.minor, sms, l2,
              total_bytes, clock_khz, driver, runtime);
  // double data rate: two transfers per memory clock over the bus
  std::printf("memory_clock_khz=%d\nbus_width_bits=%d\ntheoretical_Bps=%.6e\n", memory_khz, bus_bits,
              2.0 * memory_khz * 1e3 * bus_bits / 8);
  std::printf("copy_bytes=%zu\ncopy_ms=%.6f\ncopy_Bps=%.6e\n", bytes, copy_ms, 2.0 * bytes / (copy_ms * 1e-3));
  std::printf("fma_flops=%.6e\nfma_ms=%.6f\nfp32_fma_flops_per_s=%.6e\n", fma_flops, fma_ms, fma_flops / (fma_ms * 1e-3));
  return 0;
}
"""
