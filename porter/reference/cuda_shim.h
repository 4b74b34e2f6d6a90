// cuda_shim.h: enough of CUDA for g++ to compile a kernel file and run it on the CPU.
//
// Why: CI machines have neither a GPU nor the CUDA toolkit, yet the differential fuzz test needs
// the *real* semantics of a (mutated) CUDA kernel to compare ports against. tests/fuzz/reference.py
// compiles porter's own golden launcher (porter.golden.launcher) with this header standing in for
// <cuda_runtime.h>, <cuda_fp16.h> and <cuda_bf16.h>.
//
// Execution model:
//   * blocks of the grid run one after another; the threads of a block run as fibers (ucontext)
//     on one OS thread, so `__shared__` can be `static` (one instance, used by one block at a time)
//     and every atomic is a plain read-modify-write (nothing preempts a fiber);
//   * a fiber runs until it exits or reaches a barrier (__syncthreads, a warp operation); barriers
//     count the threads still alive, as bar.sync does; when every live thread waits and none can
//     go on, the run stops with "deadlock";
//   * warp operations (shuffles, votes, __syncwarp) meet at a per-warp barrier (PORTER_WARP_SIZE
//     lanes by linear thread id, 32 unless defined before this header; a partial last warp has
//     fewer) and exchange values through per-warp slots; lane masks are 64-bit inside, so that
//     hip_shim.h can run HIP ports with 64-lane wavefronts on the same runtime (CUDA's built-ins
//     below are only defined for 32 lanes and keep their 32-bit signatures);
//   * cudaMalloc'd buffers end at a PROT_NONE page and dynamic shared memory is followed by one,
//     so reading or writing past the end stops the run with a message instead of reading garbage;
//     a buffer starts 16-byte aligned after a PROT_NONE page, so what lies between that page and
//     its start, and up to 15 bytes after its end when its size is not a multiple of 16, is
//     padding: filled with the byte $PORTER_REFERENCE_PADDING (0 by default) and checked before
//     results are copied back (a write into it stops the run);
//   * $PORTER_REFERENCE_ORDER=reverse runs the blocks of a grid and the threads of a block last to
//     first: porter.reference runs each case a second time so, with other padding, and outputs
//     that differ mean a read outside a buffer or a data race (no one answer to compare with).
// Results on stderr start with "reference: " and the process exits with a code from `Exit`.
#pragma once

#include <climits>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <sys/mman.h>
#include <type_traits>
#include <ucontext.h>
#include <unistd.h>
#include <vector>

// ---------------------------------------------------------------- qualifiers and keywords
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __constant__
#define __managed__
#define __shared__ static  // blocks run one at a time: a static is per-block shared memory
#define __launch_bounds__(...)
#define __align__(n) alignas(n)
#define __CUDACC__ 1
#define __CUDA_ARCH__ 900
#ifndef PORTER_WARP_SIZE
#define PORTER_WARP_SIZE 32
#endif
static_assert(PORTER_WARP_SIZE == 32 || PORTER_WARP_SIZE == 64, "warps have 32 or 64 lanes");

// ---------------------------------------------------------------- vector types
#define PORTER_VEC2(T, N, A) struct alignas(A) N##2 { T x, y; }; \
  inline N##2 make_##N##2(T x, T y) { return N##2{x, y}; }
#define PORTER_VEC3(T, N) struct N##3 { T x, y, z; }; \
  inline N##3 make_##N##3(T x, T y, T z) { return N##3{x, y, z}; }
#define PORTER_VEC4(T, N, A) struct alignas(A) N##4 { T x, y, z, w; }; \
  inline N##4 make_##N##4(T x, T y, T z, T w) { return N##4{x, y, z, w}; }
#define PORTER_VEC1(T, N) struct N##1 { T x; }; inline N##1 make_##N##1(T x) { return N##1{x}; }
#define PORTER_VECS(T, N, A2, A4) PORTER_VEC1(T, N) PORTER_VEC2(T, N, A2) PORTER_VEC3(T, N) PORTER_VEC4(T, N, A4)
PORTER_VECS(float, float, 8, 16)
PORTER_VECS(double, double, 16, 16)
PORTER_VECS(int, int, 8, 16)
PORTER_VECS(unsigned int, uint, 8, 16)
PORTER_VECS(short, short, 4, 8)
PORTER_VECS(unsigned short, ushort, 4, 8)
PORTER_VECS(signed char, char, 2, 4)
PORTER_VECS(unsigned char, uchar, 2, 4)
PORTER_VECS(long long, longlong, 16, 16)
PORTER_VECS(unsigned long long, ulonglong, 16, 16)
#undef PORTER_VECS
#undef PORTER_VEC1
#undef PORTER_VEC2
#undef PORTER_VEC3
#undef PORTER_VEC4

struct dim3 {
  unsigned x, y, z;
  constexpr dim3(unsigned vx = 1, unsigned vy = 1, unsigned vz = 1) : x(vx), y(vy), z(vz) {}
  constexpr dim3(uint3 v) : x(v.x), y(v.y), z(v.z) {}
  constexpr operator uint3() const { return uint3{x, y, z}; }
};

constexpr int warpSize = PORTER_WARP_SIZE;

// ---------------------------------------------------------------- the runtime: fibers, barriers
namespace porter_ref {

enum Exit { kFault = 71, kDeadlock = 72, kUnsupported = 73 };

[[noreturn]] inline void stop(int code, const char* what, const char* detail) {
  std::fprintf(stderr, "reference: %s: %s\n", what, detail);
  std::fflush(stderr);
  std::_Exit(code);
}

struct Fiber {
  ucontext_t context;
  char* stack = nullptr;
  uint3 tid{};
  unsigned linear = 0;
  bool done = false;
  const unsigned* wait_on = nullptr;  // blocked while *wait_on == wait_value
  unsigned wait_value = 0;
  const char* waiting_at = "";
};

constexpr unsigned kLanes = PORTER_WARP_SIZE;
using LaneMask = unsigned long long;  // one bit per lane, 32 or 64 of them

struct Warp {
  LaneMask live = 0, arrived = 0, need = 0;
  unsigned gen = 0;
  LaneMask wrote[2] = {0, 0}, votes[2] = {0, 0};
  alignas(16) unsigned char slots[2][kLanes][16];
};

struct Block {
  unsigned live = 0, arrived = 0, gen = 0;
  unsigned count[2] = {0, 0}, seen[2] = {0, 0};
};

constexpr size_t kStackBytes = 256 * 1024;
constexpr size_t kPage = 4096;
constexpr size_t kMaxDynamicShared = 232448;  // 227 KiB, the most a launch may ask for

inline uint3 thread_idx{}, block_idx{};
inline dim3 block_dim, grid_dim;
inline std::vector<Fiber> fibers;
inline std::vector<Warp> warps;
inline Block block;
inline Fiber* current = nullptr;
inline ucontext_t scheduler;
inline void (*fiber_body)(void*) = nullptr;
inline void* fiber_arg = nullptr;

// Pages: buffers end at a PROT_NONE page so running off their end faults.
inline char* map_pages(size_t bytes) {
  void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) stop(kFault, "out of memory", "mmap failed");
  return static_cast<char*>(p);
}

inline size_t round_up(size_t n, size_t to) { return (n + to - 1) / to * to; }

// Dynamic shared memory (`extern __shared__`): one fixed region; the pages past a launch's size
// are made inaccessible for that launch.
inline char* dynamic_shared() {
  static char* region = map_pages(round_up(kMaxDynamicShared, kPage) + kPage);
  return region;
}

inline void set_dynamic_shared(unsigned bytes) {
  char* region = dynamic_shared();
  size_t total = round_up(kMaxDynamicShared, kPage) + kPage;
  size_t open = round_up(bytes, kPage);
  if (open) mprotect(region, open, PROT_READ | PROT_WRITE);
  mprotect(region + open, total - open, PROT_NONE);
  if (bytes) std::memset(region, 0, bytes);
}

inline void release_block() {
  block.count[(block.gen + 1) & 1] = 0;
  block.seen[(block.gen + 1) & 1] = 0;
  block.arrived = 0;
  ++block.gen;
}

inline bool warp_complete(const Warp& w) {
  LaneMask need = w.need & w.live;
  return (w.arrived & need) == need;
}

inline void release_warp(Warp& w) {
  w.wrote[(w.gen + 1) & 1] = 0;
  w.votes[(w.gen + 1) & 1] = 0;
  w.arrived = 0;
  ++w.gen;
}

// Give the CPU back to the scheduler until *word changes.
inline void wait_for_change(const unsigned* word, unsigned value, const char* where) {
  current->wait_on = word;
  current->wait_value = value;
  current->waiting_at = where;
  swapcontext(&current->context, &scheduler);
}

inline void block_sync() {
  if (!current) stop(kUnsupported, "unsupported", "__syncthreads outside a kernel");
  if (++block.arrived == block.live) {
    release_block();
    return;
  }
  wait_for_change(&block.gen, block.gen, "__syncthreads");
}

inline unsigned lane() { return current->linear % kLanes; }
inline Warp& my_warp() { return warps[current->linear / kLanes]; }

inline void warp_sync(LaneMask mask) {
  if (!current) stop(kUnsupported, "unsupported", "warp operation outside a kernel");
  Warp& w = my_warp();
  w.arrived |= 1ull << lane();
  w.need = mask;
  if (warp_complete(w)) {
    release_warp(w);
    return;
  }
  wait_for_change(&w.gen, w.gen, "a warp operation");
}

// Every lane publishes `value`, meets the others, and reads lane `source`'s (its own when the
// source is out of range, not in the mask or not running, as the hardware leaves it undefined).
template <class T> T exchange(LaneMask mask, T value, unsigned source, bool valid) {
  static_assert(sizeof(T) <= 16 && std::is_trivially_copyable_v<T>, "shuffle of an unsupported type");
  Warp& w = my_warp();
  unsigned parity = w.gen & 1;
  std::memcpy(w.slots[parity][lane()], &value, sizeof(T));
  w.wrote[parity] |= 1ull << lane();
  warp_sync(mask);
  T result = value;
  if (valid && source < kLanes && ((w.wrote[parity] >> source) & 1ull))
    std::memcpy(&result, w.slots[parity][source], sizeof(T));
  return result;
}

// AMD's ds_bpermute: every lane publishes `value`, meets the others, and reads lane
// `source % kLanes`'s; a lane that does not exist or does not take part reads zero bits.
// `active` (out) is the set of lanes that took part.
template <class T> T permute(LaneMask mask, T value, unsigned source, LaneMask* active = nullptr) {
  static_assert(sizeof(T) <= 16 && std::is_trivially_copyable_v<T>, "shuffle of an unsupported type");
  Warp& w = my_warp();
  unsigned parity = w.gen & 1;
  std::memcpy(w.slots[parity][lane()], &value, sizeof(T));
  w.wrote[parity] |= 1ull << lane();
  warp_sync(mask);
  source %= kLanes;
  T result;
  std::memset(&result, 0, sizeof(T));
  if ((w.wrote[parity] >> source) & 1ull) std::memcpy(&result, w.slots[parity][source], sizeof(T));
  if (active) *active = w.wrote[parity];
  return result;
}

inline LaneMask vote(LaneMask mask, int predicate, LaneMask* active = nullptr) {
  Warp& w = my_warp();
  unsigned parity = w.gen & 1;
  if (predicate) w.votes[parity] |= 1ull << lane();
  w.wrote[parity] |= 1ull << lane();
  warp_sync(mask);
  if (active) *active = w.wrote[parity];
  return w.votes[parity];
}

inline int block_vote(int predicate, int kind) {  // kind: 0 count, 1 and, 2 or
  if (!current) stop(kUnsupported, "unsupported", "__syncthreads_* outside a kernel");
  unsigned parity = block.gen & 1;
  block.count[parity] += predicate != 0;
  block.seen[parity] += 1;
  block_sync();
  unsigned count = block.count[parity];
  if (kind == 0) return static_cast<int>(count);
  if (kind == 1) return count == block.seen[parity];
  return count != 0;
}

inline void thread_exit() {
  Fiber& f = *current;
  f.done = true;
  --block.live;
  if (block.arrived && block.arrived == block.live) release_block();
  Warp& w = my_warp();
  w.live &= ~(1ull << lane());
  if (w.arrived && warp_complete(w)) release_warp(w);
}

inline void trampoline() {
  fiber_body(fiber_arg);
  thread_exit();
  // returning resumes `scheduler` through uc_link
}

[[noreturn]] inline void deadlock(unsigned count) {
  char detail[512];
  unsigned waiting = 0;
  const Fiber* first = nullptr;
  for (unsigned i = 0; i < count; ++i)
    if (!fibers[i].done) {
      ++waiting;
      if (!first) first = &fibers[i];
    }
  std::snprintf(detail, sizeof detail,
                "block (%u,%u,%u): %u of %u threads wait forever, thread (%u,%u,%u) at %s, the others "
                "exited or wait elsewhere",
                block_idx.x, block_idx.y, block_idx.z, waiting, count, first->tid.x, first->tid.y,
                first->tid.z, first->waiting_at);
  stop(kDeadlock, "deadlock", detail);
}

// $PORTER_REFERENCE_ORDER=reverse: blocks and the threads of a block run last to first.
inline bool reverse_order() {
  static const bool value = [] {
    const char* text = std::getenv("PORTER_REFERENCE_ORDER");
    return text && std::strcmp(text, "reverse") == 0;
  }();
  return value;
}

inline void run_block(unsigned count) {
  if (fibers.size() < count) fibers.resize(count);
  warps.assign((count + kLanes - 1) / kLanes, Warp{});
  for (unsigned i = 0; i < warps.size(); ++i) {
    unsigned lanes = count - kLanes * i < kLanes ? count - kLanes * i : kLanes;
    warps[i].live = lanes == 64 ? ~0ull : (1ull << lanes) - 1;
  }
  block = Block{};
  block.live = count;
  for (unsigned i = 0; i < count; ++i) {
    Fiber& f = fibers[i];
    if (!f.stack) {  // a guard page below each stack catches overflows
      f.stack = map_pages(kStackBytes + kPage);
      mprotect(f.stack, kPage, PROT_NONE);
    }
    f.linear = i;
    f.tid = uint3{i % block_dim.x, (i / block_dim.x) % block_dim.y, i / (block_dim.x * block_dim.y)};
    f.done = false;
    f.wait_on = nullptr;
    getcontext(&f.context);
    f.context.uc_stack.ss_sp = f.stack + kPage;
    f.context.uc_stack.ss_size = kStackBytes;
    f.context.uc_link = &scheduler;
    makecontext(&f.context, trampoline, 0);
  }
  unsigned remaining = count;
  while (remaining) {
    bool ran = false;
    for (unsigned k = 0; k < count; ++k) {
      Fiber& f = fibers[reverse_order() ? count - 1 - k : k];
      if (f.done || (f.wait_on && *f.wait_on == f.wait_value)) continue;
      f.wait_on = nullptr;
      current = &f;
      thread_idx = f.tid;
      ran = true;
      swapcontext(&scheduler, &f.context);
      if (f.done) --remaining;
    }
    if (!ran) deadlock(count);
  }
  current = nullptr;
}

// `kernel<<<grid, block, shared>>>(args...)`: run every block, then return (synchronous).
template <class... Params, class... Args>
void launch(dim3 grid, dim3 block_shape, unsigned shared, void (*kernel)(Params...), Args&&... args) {
  unsigned count = block_shape.x * block_shape.y * block_shape.z;
  if (count == 0 || count > 1024) stop(kFault, "bad launch", "a block needs 1 to 1024 threads");
  if (shared > kMaxDynamicShared) stop(kFault, "bad launch", "too much dynamic shared memory");
  set_dynamic_shared(shared);
  grid_dim = grid;
  block_dim = block_shape;
  auto body = [&]() { kernel(args...); };  // each thread gets its own copies of the parameters
  using Body = decltype(body);
  fiber_body = [](void* p) { (*static_cast<Body*>(p))(); };
  fiber_arg = &body;
  unsigned long long blocks = 1ull * grid.x * grid.y * grid.z, plane = 1ull * grid.x * grid.y;
  for (unsigned long long k = 0; k < blocks; ++k) {
    unsigned long long b = reverse_order() ? blocks - 1 - k : k;
    block_idx = uint3{static_cast<unsigned>(b % grid.x), static_cast<unsigned>(b / grid.x % grid.y),
                      static_cast<unsigned>(b / plane)};
    run_block(count);
  }
}

// Faults (a guard page, a division by zero, a stack overflow) are reported with the thread that
// caused them, on a stack of their own.
inline void on_fault(int signal, siginfo_t* info, void*) {
  char detail[256];
  const char* what = signal == SIGSEGV ? "invalid memory access (past the end of a buffer, of dynamic shared "
                                         "memory or of a thread's stack)"
                     : signal == SIGBUS ? "misaligned or invalid memory access"
                     : signal == SIGFPE ? "arithmetic fault (integer division by zero?)"
                     : signal == SIGILL ? "illegal instruction"
                     : "abort (assertion failed?)";
  if (current)
    std::snprintf(detail, sizeof detail, "%s at %p in thread (%u,%u,%u) of block (%u,%u,%u)", what,
                  info ? info->si_addr : nullptr, thread_idx.x, thread_idx.y, thread_idx.z, block_idx.x,
                  block_idx.y, block_idx.z);
  else
    std::snprintf(detail, sizeof detail, "%s outside the kernels", what);
  stop(kFault, "fault", detail);
}

inline bool install_fault_handlers() {
  static char alternate[64 * 1024];
  stack_t stack{};
  stack.ss_sp = alternate;
  stack.ss_size = sizeof alternate;
  sigaltstack(&stack, nullptr);
  struct sigaction action {};
  action.sa_sigaction = on_fault;
  action.sa_flags = SA_SIGINFO | SA_ONSTACK;
  for (int s : {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT}) sigaction(s, &action, nullptr);
  return true;
}

inline const bool handlers_installed = install_fault_handlers();

}  // namespace porter_ref

// The built-in variables, read-only as in CUDA.
inline const uint3& threadIdx = porter_ref::thread_idx;
inline const uint3& blockIdx = porter_ref::block_idx;
inline const dim3& blockDim = porter_ref::block_dim;
inline const dim3& gridDim = porter_ref::grid_dim;

// ---------------------------------------------------------------- synchronisation, warps
inline void __syncthreads() { porter_ref::block_sync(); }
inline int __syncthreads_count(int p) { return porter_ref::block_vote(p, 0); }
inline int __syncthreads_and(int p) { return porter_ref::block_vote(p, 1); }
inline int __syncthreads_or(int p) { return porter_ref::block_vote(p, 2); }
inline void __threadfence() {}
inline void __threadfence_block() {}
inline void __threadfence_system() {}
#ifndef PORTER_HIP  // CUDA's warp built-ins (32 lanes); hip_shim.h defines HIP's
static_assert(PORTER_WARP_SIZE == 32, "CUDA warps have 32 lanes");
inline void __syncwarp(unsigned mask = 0xffffffffu) { porter_ref::warp_sync(mask); }
inline unsigned __activemask() { return static_cast<unsigned>(porter_ref::my_warp().live); }
inline unsigned __ballot_sync(unsigned mask, int p) { return static_cast<unsigned>(porter_ref::vote(mask, p) & mask); }
inline int __any_sync(unsigned mask, int p) { return (porter_ref::vote(mask, p) & mask) != 0; }
inline int __all_sync(unsigned mask, int p) {
  unsigned live = static_cast<unsigned>(porter_ref::my_warp().live) & mask;
  return (porter_ref::vote(mask, p) & live) == live;
}

template <class T> T __shfl_sync(unsigned mask, T var, int src, int width = 32) {
  unsigned base = porter_ref::lane() & ~static_cast<unsigned>(width - 1);
  return porter_ref::exchange(mask, var, base + (static_cast<unsigned>(src) & (width - 1)), true);
}
template <class T> T __shfl_up_sync(unsigned mask, T var, unsigned delta, int width = 32) {
  unsigned l = porter_ref::lane(), base = l & ~static_cast<unsigned>(width - 1);
  return porter_ref::exchange(mask, var, l - delta, l - base >= delta);
}
template <class T> T __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = 32) {
  unsigned l = porter_ref::lane(), base = l & ~static_cast<unsigned>(width - 1);
  return porter_ref::exchange(mask, var, l + delta, l - base + delta < static_cast<unsigned>(width));
}
template <class T> T __shfl_xor_sync(unsigned mask, T var, int lane_mask, int width = 32) {
  unsigned l = porter_ref::lane(), base = l & ~static_cast<unsigned>(width - 1);
  unsigned source = l ^ static_cast<unsigned>(lane_mask);
  return porter_ref::exchange(mask, var, source, source < base + width);
}
inline unsigned __reduce_add_sync(unsigned mask, unsigned v) {
  for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(mask, v, offset);
  return v;
}
#endif  // PORTER_HIP

// ---------------------------------------------------------------- atomics (fibers never preempt)
#define PORTER_ATOMIC(NAME, T, EXPR) \
  inline T NAME(T* address, T val) { T old = *address; *address = (EXPR); return old; }
#define PORTER_ATOMIC_ALL(NAME, EXPR) \
  PORTER_ATOMIC(NAME, int, EXPR) PORTER_ATOMIC(NAME, unsigned int, EXPR) \
  PORTER_ATOMIC(NAME, unsigned long long, EXPR)
PORTER_ATOMIC_ALL(atomicAdd, old + val)
PORTER_ATOMIC(atomicAdd, float, old + val)
PORTER_ATOMIC(atomicAdd, double, old + val)
PORTER_ATOMIC(atomicSub, int, old - val)
PORTER_ATOMIC(atomicSub, unsigned int, old - val)
PORTER_ATOMIC_ALL(atomicExch, val)
PORTER_ATOMIC(atomicExch, float, val)
PORTER_ATOMIC_ALL(atomicMin, val < old ? val : old)
PORTER_ATOMIC(atomicMin, long long, val < old ? val : old)
PORTER_ATOMIC_ALL(atomicMax, val > old ? val : old)
PORTER_ATOMIC(atomicMax, long long, val > old ? val : old)
PORTER_ATOMIC_ALL(atomicAnd, old & val)
PORTER_ATOMIC_ALL(atomicOr, old | val)
PORTER_ATOMIC_ALL(atomicXor, old ^ val)
PORTER_ATOMIC(atomicInc, unsigned int, old >= val ? 0u : old + 1)
PORTER_ATOMIC(atomicDec, unsigned int, (old == 0 || old > val) ? val : old - 1)
#undef PORTER_ATOMIC_ALL
#undef PORTER_ATOMIC
#define PORTER_CAS(T) \
  inline T atomicCAS(T* address, T compare, T val) { T old = *address; if (old == compare) *address = val; return old; }
PORTER_CAS(int)
PORTER_CAS(unsigned int)
PORTER_CAS(unsigned long long)
PORTER_CAS(unsigned short)
#undef PORTER_CAS

// ---------------------------------------------------------------- min, max and the math library
template <class A, class B> inline std::common_type_t<A, B> min(A a, B b) {
  using T = std::common_type_t<A, B>;
  if constexpr (std::is_floating_point_v<T>) return std::fmin(T(a), T(b));
  else return T(b) < T(a) ? T(b) : T(a);
}
template <class A, class B> inline std::common_type_t<A, B> max(A a, B b) {
  using T = std::common_type_t<A, B>;
  if constexpr (std::is_floating_point_v<T>) return std::fmax(T(a), T(b));
  else return T(a) < T(b) ? T(b) : T(a);
}
inline unsigned umin(unsigned a, unsigned b) { return a < b ? a : b; }
inline unsigned umax(unsigned a, unsigned b) { return a > b ? a : b; }
inline long long llmin(long long a, long long b) { return a < b ? a : b; }
inline long long llmax(long long a, long long b) { return a > b ? a : b; }

inline float rsqrtf(float x) { return 1.0f / sqrtf(x); }
inline double rsqrt(double x) { return 1.0 / sqrt(x); }
inline float rcbrtf(float x) { return 1.0f / cbrtf(x); }
inline float sinpif(float x) { return sinf(static_cast<float>(M_PI) * x); }
inline float cospif(float x) { return cosf(static_cast<float>(M_PI) * x); }
inline void sincospif(float x, float* s, float* c) { *s = sinpif(x); *c = cospif(x); }
inline float normcdff(float x) { return 0.5f * erfcf(-x * static_cast<float>(M_SQRT1_2)); }
inline float fdividef(float a, float b) { return a / b; }
inline float __fdividef(float a, float b) { return a / b; }
inline float __expf(float x) { return expf(x); }
inline float __exp10f(float x) { return exp10f(x); }
inline float __logf(float x) { return logf(x); }
inline float __log2f(float x) { return log2f(x); }
inline float __log10f(float x) { return log10f(x); }
inline float __sinf(float x) { return sinf(x); }
inline float __cosf(float x) { return cosf(x); }
inline float __tanf(float x) { return tanf(x); }
inline void __sincosf(float x, float* s, float* c) { sincosf(x, s, c); }
inline float __powf(float a, float b) { return powf(a, b); }
inline float __saturatef(float x) { return std::isnan(x) ? 0.0f : x < 0.0f ? 0.0f : x > 1.0f ? 1.0f : x; }
inline float __fadd_rn(float a, float b) { return a + b; }
inline float __fsub_rn(float a, float b) { return a - b; }
inline float __fmul_rn(float a, float b) { return a * b; }
inline float __fdiv_rn(float a, float b) { return a / b; }
inline float __fmaf_rn(float a, float b, float c) { return fmaf(a, b, c); }
inline float __frcp_rn(float a) { return 1.0f / a; }
inline float __fsqrt_rn(float a) { return sqrtf(a); }
inline double __dadd_rn(double a, double b) { return a + b; }
inline double __dmul_rn(double a, double b) { return a * b; }
inline double __fma_rn(double a, double b, double c) { return fma(a, b, c); }

namespace porter_ref {
// float -> integer as cvt.*.s32.f32 does it: NaN gives 0, out-of-range values saturate.
template <class I> inline I saturate(double rounded) {
  if (std::isnan(rounded)) return 0;
  if (rounded <= static_cast<double>(std::numeric_limits<I>::min())) return std::numeric_limits<I>::min();
  if (rounded >= static_cast<double>(std::numeric_limits<I>::max())) return std::numeric_limits<I>::max();
  return static_cast<I>(rounded);
}
}  // namespace porter_ref
inline int __float2int_rn(float x) { return porter_ref::saturate<int>(std::nearbyint(static_cast<double>(x))); }
inline int __float2int_rz(float x) { return porter_ref::saturate<int>(std::trunc(static_cast<double>(x))); }
inline int __float2int_rd(float x) { return porter_ref::saturate<int>(std::floor(static_cast<double>(x))); }
inline int __float2int_ru(float x) { return porter_ref::saturate<int>(std::ceil(static_cast<double>(x))); }
inline unsigned __float2uint_rn(float x) { return porter_ref::saturate<unsigned>(std::nearbyint(static_cast<double>(x))); }
inline unsigned __float2uint_rz(float x) { return porter_ref::saturate<unsigned>(std::trunc(static_cast<double>(x))); }
inline long long __float2ll_rn(float x) { return porter_ref::saturate<long long>(std::nearbyint(static_cast<double>(x))); }
inline long long __float2ll_rz(float x) { return porter_ref::saturate<long long>(std::trunc(static_cast<double>(x))); }
inline int __double2int_rn(double x) { return porter_ref::saturate<int>(std::nearbyint(x)); }
inline int __double2int_rz(double x) { return porter_ref::saturate<int>(std::trunc(x)); }
inline float __int2float_rn(int x) { return static_cast<float>(x); }
inline float __uint2float_rn(unsigned x) { return static_cast<float>(x); }
inline float __ll2float_rn(long long x) { return static_cast<float>(x); }
inline double __int2double_rn(int x) { return x; }
inline float __double2float_rn(double x) { return static_cast<float>(x); }

template <class To, class From> inline To porter_bits(From v) {
  static_assert(sizeof(To) == sizeof(From));
  To out;
  std::memcpy(&out, &v, sizeof out);
  return out;
}
inline int __float_as_int(float x) { return porter_bits<int>(x); }
inline unsigned __float_as_uint(float x) { return porter_bits<unsigned>(x); }
inline float __int_as_float(int x) { return porter_bits<float>(x); }
inline float __uint_as_float(unsigned x) { return porter_bits<float>(x); }
inline long long __double_as_longlong(double x) { return porter_bits<long long>(x); }
inline double __longlong_as_double(long long x) { return porter_bits<double>(x); }

inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(static_cast<unsigned>(x)); }
inline int __clzll(long long x) { return x == 0 ? 64 : __builtin_clzll(static_cast<unsigned long long>(x)); }
inline int __ffs(int x) { return __builtin_ffs(x); }
inline int __ffsll(long long x) { return __builtin_ffsll(x); }
inline unsigned __brev(unsigned x) {
  unsigned r = 0;
  for (int i = 0; i < 32; ++i) r |= ((x >> i) & 1u) << (31 - i);
  return r;
}
inline int __mul24(int a, int b) { return (a << 8 >> 8) * (b << 8 >> 8); }
inline unsigned __umul24(unsigned a, unsigned b) { return (a & 0xffffffu) * (b & 0xffffffu); }
inline int __mulhi(int a, int b) { return static_cast<int>((static_cast<long long>(a) * b) >> 32); }
inline unsigned __umulhi(unsigned a, unsigned b) {
  return static_cast<unsigned>((static_cast<unsigned long long>(a) * b) >> 32);
}
inline int __hadd(int a, int b) { return static_cast<int>((static_cast<long long>(a) + b) >> 1); }
inline int __rhadd(int a, int b) { return static_cast<int>((static_cast<long long>(a) + b + 1) >> 1); }
inline unsigned __sad(int a, int b, unsigned c) { return (a > b ? a - b : b - a) + c; }

template <class T> inline T __ldg(const T* p) { return *p; }
template <class T> inline T __ldcg(const T* p) { return *p; }
template <class T> inline T __ldca(const T* p) { return *p; }
template <class T> inline T __ldcs(const T* p) { return *p; }
template <class T> inline T __ldlu(const T* p) { return *p; }
template <class T> inline void __stcg(T* p, T v) { *p = v; }
template <class T> inline void __stcs(T* p, T v) { *p = v; }
template <class T> inline void __stwb(T* p, T v) { *p = v; }
inline long long clock64() { return static_cast<long long>(__builtin_ia32_rdtsc()); }
inline void __nanosleep(unsigned) {}

// ---------------------------------------------------------------- half and bfloat16
// Storage is the 16-bit pattern; arithmetic goes through float or double and rounds once to
// the 16-bit type (round to nearest even), as the hardware's cvt.rn does.
namespace porter_ref {
inline unsigned short f64_to_f16(double v) { return porter_bits<unsigned short>(static_cast<_Float16>(v)); }
inline float f16_to_f32(unsigned short bits) { return static_cast<float>(porter_bits<_Float16>(bits)); }
inline unsigned short f32_to_bf16(float v) {
  unsigned u = porter_bits<unsigned>(v);
  if ((u & 0x7fffffffu) > 0x7f800000u) return 0x7fff;
  return static_cast<unsigned short>((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}
inline unsigned short f64_to_bf16(double v) { return f32_to_bf16(static_cast<float>(v)); }
inline float bf16_to_f32(unsigned short bits) { return porter_bits<float>(static_cast<unsigned>(bits) << 16); }
}  // namespace porter_ref

struct __half {
  unsigned short __x;
  __half() = default;
  __half(float v) : __x(porter_ref::f64_to_f16(v)) {}
  __half(double v) : __x(porter_ref::f64_to_f16(v)) {}
  __half(int v) : __x(porter_ref::f64_to_f16(v)) {}
  operator float() const { return porter_ref::f16_to_f32(__x); }
};
struct __nv_bfloat16 {
  unsigned short __x;
  __nv_bfloat16() = default;
  __nv_bfloat16(float v) : __x(porter_ref::f32_to_bf16(v)) {}
  __nv_bfloat16(double v) : __x(porter_ref::f64_to_bf16(v)) {}
  __nv_bfloat16(int v) : __x(porter_ref::f64_to_bf16(v)) {}
  operator float() const { return porter_ref::bf16_to_f32(__x); }
};
struct alignas(4) __half2 { __half x, y; };
struct alignas(4) __nv_bfloat162 { __nv_bfloat16 x, y; };
using half = __half;
using half2 = __half2;
using nv_bfloat16 = __nv_bfloat16;
using nv_bfloat162 = __nv_bfloat162;

namespace porter_ref {
template <class H> inline H round16(double v) {
  H h;
  h.__x = std::is_same_v<H, __half> ? f64_to_f16(v) : f64_to_bf16(v);
  return h;
}
}  // namespace porter_ref

#define PORTER_HALF_OPS(H, H2, SUFFIX)                                                                        \
  inline H operator+(H a, H b) { return porter_ref::round16<H>(double(float(a)) + double(float(b))); }        \
  inline H operator-(H a, H b) { return porter_ref::round16<H>(double(float(a)) - double(float(b))); }        \
  inline H operator*(H a, H b) { return porter_ref::round16<H>(double(float(a)) * double(float(b))); }        \
  inline H operator/(H a, H b) { return porter_ref::round16<H>(double(float(a)) / double(float(b))); }        \
  inline H operator-(H a) { H r = a; r.__x ^= 0x8000; return r; }                                             \
  inline H& operator+=(H& a, H b) { return a = a + b; }                                                      \
  inline H& operator-=(H& a, H b) { return a = a - b; }                                                      \
  inline H& operator*=(H& a, H b) { return a = a * b; }                                                      \
  inline H& operator/=(H& a, H b) { return a = a / b; }                                                      \
  inline bool operator==(H a, H b) { return float(a) == float(b); }                                          \
  inline bool operator!=(H a, H b) { return float(a) != float(b); }                                          \
  inline bool operator<(H a, H b) { return float(a) < float(b); }                                            \
  inline bool operator>(H a, H b) { return float(a) > float(b); }                                            \
  inline bool operator<=(H a, H b) { return float(a) <= float(b); }                                          \
  inline bool operator>=(H a, H b) { return float(a) >= float(b); }                                          \
  inline H __hadd(H a, H b) { return a + b; }                                                                \
  inline H __hsub(H a, H b) { return a - b; }                                                                \
  inline H __hmul(H a, H b) { return a * b; }                                                                \
  inline H __hdiv(H a, H b) { return a / b; }                                                                \
  inline H __hneg(H a) { return -a; }                                                                        \
  inline H __habs(H a) { H r = a; r.__x &= 0x7fff; return r; }                                               \
  inline H __hfma(H a, H b, H c) { return porter_ref::round16<H>(std::fma(double(float(a)), double(float(b)), double(float(c)))); } \
  inline H __hmax(H a, H b) { return porter_ref::round16<H>(std::fmax(float(a), float(b))); }                 \
  inline H __hmin(H a, H b) { return porter_ref::round16<H>(std::fmin(float(a), float(b))); }                 \
  inline bool __heq(H a, H b) { return a == b; }                                                             \
  inline bool __hne(H a, H b) { return a != b; }                                                             \
  inline bool __hlt(H a, H b) { return a < b; }                                                              \
  inline bool __hle(H a, H b) { return a <= b; }                                                             \
  inline bool __hgt(H a, H b) { return a > b; }                                                              \
  inline bool __hge(H a, H b) { return a >= b; }                                                             \
  inline bool __hisnan(H a) { return std::isnan(float(a)); }                                                 \
  inline int __hisinf(H a) { float f = float(a); return std::isinf(f) ? (f > 0 ? 1 : -1) : 0; }              \
  inline H2 operator+(H2 a, H2 b) { return H2{a.x + b.x, a.y + b.y}; }                                        \
  inline H2 operator-(H2 a, H2 b) { return H2{a.x - b.x, a.y - b.y}; }                                        \
  inline H2 operator*(H2 a, H2 b) { return H2{a.x * b.x, a.y * b.y}; }                                        \
  inline H2 operator/(H2 a, H2 b) { return H2{a.x / b.x, a.y / b.y}; }                                        \
  inline H2 __hadd2(H2 a, H2 b) { return a + b; }                                                            \
  inline H2 __hsub2(H2 a, H2 b) { return a - b; }                                                            \
  inline H2 __hmul2(H2 a, H2 b) { return a * b; }                                                            \
  inline H2 __h2div(H2 a, H2 b) { return a / b; }                                                            \
  inline H2 __hneg2(H2 a) { return H2{-a.x, -a.y}; }                                                         \
  inline H2 __hfma2(H2 a, H2 b, H2 c) { return H2{__hfma(a.x, b.x, c.x), __hfma(a.y, b.y, c.y)}; }          \
  inline H2 __hmax2(H2 a, H2 b) { return H2{__hmax(a.x, b.x), __hmax(a.y, b.y)}; }                           \
  inline H2 __hmin2(H2 a, H2 b) { return H2{__hmin(a.x, b.x), __hmin(a.y, b.y)}; }                           \
  inline H __low2##SUFFIX(H2 a) { return a.x; }                                                              \
  inline H __high2##SUFFIX(H2 a) { return a.y; }                                                             \
  inline float __low2float(H2 a) { return float(a.x); }                                                      \
  inline float __high2float(H2 a) { return float(a.y); }                                                     \
  inline H2 __halves2##SUFFIX##2(H a, H b) { return H2{a, b}; }                                               \
  inline H2 __lows2##SUFFIX##2(H2 a, H2 b) { return H2{a.x, b.x}; }                                           \
  inline H2 __highs2##SUFFIX##2(H2 a, H2 b) { return H2{a.y, b.y}; }                                          \
  inline H2 __low2##SUFFIX##2(H2 a) { return H2{a.x, a.x}; }                                                 \
  inline H2 __high2##SUFFIX##2(H2 a) { return H2{a.y, a.y}; }                                                \
  inline H2 __lowhigh2highlow(H2 a) { return H2{a.y, a.x}; }
PORTER_HALF_OPS(__half, __half2, half)
PORTER_HALF_OPS(__nv_bfloat16, __nv_bfloat162, bfloat16)
#undef PORTER_HALF_OPS

inline __half __float2half(float v) { return __half(v); }
inline __half __float2half_rn(float v) { return __half(v); }
inline __half __double2half(double v) { return __half(v); }
inline float __half2float(__half h) { return float(h); }
inline __half2 __half2half2(__half h) { return __half2{h, h}; }
inline __half2 __float2half2_rn(float v) { return __half2{__half(v), __half(v)}; }
inline __half2 __floats2half2_rn(float a, float b) { return __half2{__half(a), __half(b)}; }
inline __half2 __float22half2_rn(float2 v) { return __half2{__half(v.x), __half(v.y)}; }
inline float2 __half22float2(__half2 h) { return float2{float(h.x), float(h.y)}; }
inline unsigned short __half_as_ushort(__half h) { return h.__x; }
inline short __half_as_short(__half h) { return static_cast<short>(h.__x); }
inline __half __ushort_as_half(unsigned short v) { __half h; h.__x = v; return h; }
inline __half __short_as_half(short v) { __half h; h.__x = static_cast<unsigned short>(v); return h; }
inline __half hexp(__half h) { return __half(expf(float(h))); }
inline __half hlog(__half h) { return __half(logf(float(h))); }
inline __half hsqrt(__half h) { return __half(sqrtf(float(h))); }
inline __half hrsqrt(__half h) { return __half(1.0f / sqrtf(float(h))); }

inline __nv_bfloat16 __float2bfloat16(float v) { return __nv_bfloat16(v); }
inline __nv_bfloat16 __float2bfloat16_rn(float v) { return __nv_bfloat16(v); }
inline float __bfloat162float(__nv_bfloat16 h) { return float(h); }
inline __nv_bfloat162 __bfloat162bfloat162(__nv_bfloat16 h) { return __nv_bfloat162{h, h}; }
inline __nv_bfloat162 __float2bfloat162_rn(float v) { return __nv_bfloat162{__nv_bfloat16(v), __nv_bfloat16(v)}; }
inline __nv_bfloat162 __floats2bfloat162_rn(float a, float b) { return __nv_bfloat162{__nv_bfloat16(a), __nv_bfloat16(b)}; }
inline __nv_bfloat162 __float22bfloat162_rn(float2 v) { return __nv_bfloat162{__nv_bfloat16(v.x), __nv_bfloat16(v.y)}; }
inline float2 __bfloat1622float2(__nv_bfloat162 h) { return float2{float(h.x), float(h.y)}; }
inline unsigned short __bfloat16_as_ushort(__nv_bfloat16 h) { return h.__x; }
inline __nv_bfloat16 __ushort_as_bfloat16(unsigned short v) { __nv_bfloat16 h; h.__x = v; return h; }

// ---------------------------------------------------------------- the runtime API the launcher uses
enum cudaError_t { cudaSuccess = 0, cudaErrorMemoryAllocation = 2 };
enum cudaMemcpyKind { cudaMemcpyHostToHost, cudaMemcpyHostToDevice, cudaMemcpyDeviceToHost, cudaMemcpyDeviceToDevice };
enum cudaFuncAttribute { cudaFuncAttributeMaxDynamicSharedMemorySize = 8 };
struct cudaDeviceProp { char name[256]; int major, minor, multiProcessorCount; };

namespace porter_ref {
struct Allocation { char* start; char* base; size_t total; size_t bytes; size_t used; };
inline std::vector<Allocation>& allocations() {
  static std::vector<Allocation> table;
  return table;
}
// The byte the padding after each buffer holds ($PORTER_REFERENCE_PADDING, 0 to 255).
inline unsigned char padding_byte() {
  static const unsigned char value = [] {
    const char* text = std::getenv("PORTER_REFERENCE_PADDING");
    return static_cast<unsigned char>(text ? std::strtoul(text, nullptr, 0) : 0);
  }();
  return value;
}
inline bool holds_padding(const char* from, const char* to) {
  for (const char* p = from; p < to; ++p)
    if (static_cast<unsigned char>(*p) != padding_byte()) return false;
  return true;
}
// Stop the run when a kernel wrote into the padding before or after a buffer.
inline void check_padding() {
  for (const Allocation& a : allocations()) {
    if (!holds_padding(a.base + kPage, a.start))
      stop(kFault, "fault", "invalid memory access (a write before the start of a buffer, into its padding)");
    if (!holds_padding(a.start + a.bytes, a.start + a.used))
      stop(kFault, "fault", "invalid memory access (a write past the end of a buffer, into its padding)");
  }
}
}  // namespace porter_ref

// Each buffer starts 16-byte aligned and ends right below an inaccessible page, or in padding
// (see check_padding) when its size is not a multiple of 16.
inline cudaError_t cudaMalloc(void** pointer, size_t bytes) {
  using namespace porter_ref;
  size_t used = round_up(bytes ? bytes : 1, 16);
  size_t total = round_up(used, kPage) + 2 * kPage;
  char* base = map_pages(total);
  mprotect(base, kPage, PROT_NONE);
  mprotect(base + total - kPage, kPage, PROT_NONE);
  char* start = base + total - kPage - used;
  std::memset(base + kPage, padding_byte(), static_cast<size_t>(start - base) - kPage);
  std::memset(start + bytes, padding_byte(), used - bytes);
  allocations().push_back({start, base, total, bytes, used});
  *pointer = start;
  return cudaSuccess;
}
inline cudaError_t cudaFree(void* pointer) {
  auto& table = porter_ref::allocations();
  for (size_t i = 0; i < table.size(); ++i)
    if (table[i].start == pointer) {
      munmap(table[i].base, table[i].total);
      table.erase(table.begin() + static_cast<long>(i));
      break;
    }
  return cudaSuccess;
}
inline cudaError_t cudaMemcpy(void* to, const void* from, size_t bytes, cudaMemcpyKind kind) {
  if (kind == cudaMemcpyDeviceToHost) porter_ref::check_padding();
  if (bytes) std::memmove(to, from, bytes);
  return cudaSuccess;
}
inline cudaError_t cudaMemset(void* to, int value, size_t bytes) {
  std::memset(to, value, bytes);
  return cudaSuccess;
}
// __constant__ is plain global memory here: a symbol write is a copy into the variable.
template <class T>
inline cudaError_t cudaMemcpyToSymbol(T& symbol, const void* from, size_t bytes, size_t offset = 0,
                                      cudaMemcpyKind = cudaMemcpyHostToDevice) {
  if (offset + bytes > sizeof(T)) return cudaErrorMemoryAllocation;
  if (bytes) std::memmove(reinterpret_cast<char*>(&symbol) + offset, from, bytes);
  return cudaSuccess;
}
inline cudaError_t cudaGetLastError() { return cudaSuccess; }
inline cudaError_t cudaDeviceSynchronize() { return cudaSuccess; }
inline const char* cudaGetErrorString(cudaError_t) { return "error"; }
inline cudaError_t cudaGetDevice(int* device) { *device = 0; return cudaSuccess; }
inline cudaError_t cudaGetDeviceProperties(cudaDeviceProp* prop, int) {
  std::snprintf(prop->name, sizeof prop->name, "porter CPU reference");
  prop->major = 9;
  prop->minor = 0;
  prop->multiProcessorCount = 1;  // blocks run one after another; porter binds sm_count itself
  return cudaSuccess;
}
inline cudaError_t cudaDriverGetVersion(int* v) { *v = 0; return cudaSuccess; }
inline cudaError_t cudaRuntimeGetVersion(int* v) { *v = 0; return cudaSuccess; }
inline cudaError_t cudaFuncSetAttribute(const void*, cudaFuncAttribute, int) { return cudaSuccess; }
