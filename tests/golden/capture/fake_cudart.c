/* A fake CUDA runtime for testing porter golden capture without a GPU (built as libcudart.so.12).
 *
 * Device memory is host memory (cudaMalloc = malloc, copies = memcpy), streams are tags, and
 * cudaLaunchKernel calls the kernel's host stub as a CPU function: the test program registers a
 * C implementation of each "kernel" as its stub, with the signature void (dim3, dim3, void **).
 * __constant__ symbols live in their host shadows. Every launch runs at once, so synchronizing is free.
 */
#include <stdlib.h>
#include <string.h>

typedef int cudaError_t;
typedef void *cudaStream_t;
typedef struct { unsigned x, y, z; } dim3;
typedef void (*host_kernel)(dim3 grid, dim3 block, void **args);

static int streams;

void **__cudaRegisterFatBinary(void *fatbin) { static void *handle; (void)fatbin; return &handle; }
void __cudaRegisterFatBinaryEnd(void **handle) { (void)handle; }
void __cudaUnregisterFatBinary(void **handle) { (void)handle; }
void __cudaRegisterFunction(void **module, const char *stub, char *device_function, const char *device_name,
                            int thread_limit, void *tid, void *bid, void *block, void *grid, int *warp_size) {
    (void)module; (void)stub; (void)device_function; (void)device_name; (void)thread_limit;
    (void)tid; (void)bid; (void)block; (void)grid; (void)warp_size;
}
void __cudaRegisterVar(void **module, char *host, char *device_address, const char *device_name, int ext,
                       size_t size, int constant, int global) {
    (void)module; (void)host; (void)device_address; (void)device_name; (void)ext; (void)size; (void)constant;
    (void)global;
}
cudaError_t cudaMalloc(void **pointer, size_t size) { *pointer = malloc(size); return *pointer ? 0 : 2; }
cudaError_t cudaMallocManaged(void **pointer, size_t size, unsigned flags) { (void)flags; return cudaMalloc(pointer, size); }
cudaError_t cudaMallocAsync(void **pointer, size_t size, cudaStream_t s) { (void)s; return cudaMalloc(pointer, size); }
cudaError_t cudaFree(void *pointer) { free(pointer); return 0; }
cudaError_t cudaFreeAsync(void *pointer, cudaStream_t s) { (void)s; free(pointer); return 0; }
cudaError_t cudaMemcpy(void *dst, const void *src, size_t count, int kind) { (void)kind; memmove(dst, src, count); return 0; }
cudaError_t cudaMemcpyAsync(void *dst, const void *src, size_t count, int kind, cudaStream_t s) {
    (void)s; return cudaMemcpy(dst, src, count, kind);
}
cudaError_t cudaMemset(void *dst, int value, size_t count) { memset(dst, value, count); return 0; }
cudaError_t cudaMemcpyToSymbol(const void *symbol, const void *src, size_t count, size_t offset, int kind) {
    (void)kind; memcpy((char *)symbol + offset, src, count); return 0;
}
cudaError_t cudaMemcpyFromSymbol(void *dst, const void *symbol, size_t count, size_t offset, int kind) {
    (void)kind; memcpy(dst, (const char *)symbol + offset, count); return 0;
}
cudaError_t cudaStreamCreate(cudaStream_t *stream) { *stream = (void *)(long)(++streams * 16); return 0; }
cudaError_t cudaStreamDestroy(cudaStream_t stream) { (void)stream; return 0; }
cudaError_t cudaStreamSynchronize(cudaStream_t stream) { (void)stream; return 0; }
cudaError_t cudaDeviceSynchronize(void) { return 0; }
cudaError_t cudaLaunchKernel(const void *stub, dim3 grid, dim3 block, void **args, size_t shared, cudaStream_t s) {
    (void)shared; (void)s;
    ((host_kernel)stub)(grid, block, args);
    return 0;
}
