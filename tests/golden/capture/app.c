/* The capture test program: calls the CUDA runtime as nvcc-generated code does (kernels registered
 * by host stub, launched with cudaLaunchKernel and an argument array), on the fake runtime, whose
 * launches run these stubs on the CPU. C versions of kernels.cu's kernels.
 * Usage: app STEPS N: a heat time loop of STEPS launches (two buffers swapped), a __constant__
 * table, managed memory scaled three times on stream 1, a vector sum on stream 2. Prints a checksum.
 */
#include <stdio.h>
#include <stdlib.h>

typedef int cudaError_t;
typedef void *cudaStream_t;
typedef struct { unsigned x, y, z; } dim3;

void **__cudaRegisterFatBinary(void *fatbin);
void __cudaRegisterFunction(void **module, const char *stub, char *device_function, const char *device_name,
                            int thread_limit, void *tid, void *bid, void *block, void *grid, int *warp_size);
void __cudaRegisterVar(void **module, char *host, char *device_address, const char *device_name, int ext,
                       size_t size, int constant, int global);
cudaError_t cudaMalloc(void **pointer, size_t size);
cudaError_t cudaMallocManaged(void **pointer, size_t size, unsigned flags);
cudaError_t cudaFree(void *pointer);
cudaError_t cudaMemcpy(void *dst, const void *src, size_t count, int kind);
cudaError_t cudaMemcpyToSymbol(const void *symbol, const void *src, size_t count, size_t offset, int kind);
cudaError_t cudaStreamCreate(cudaStream_t *stream);
cudaError_t cudaStreamSynchronize(cudaStream_t stream);
cudaError_t cudaDeviceSynchronize(void);
cudaError_t cudaLaunchKernel(const void *stub, dim3 grid, dim3 block, void **args, size_t shared, cudaStream_t s);

static float c_table[16];  /* the __constant__ symbol's host shadow */

#define FOR_EACH_THREAD(grid, block) \
    for (unsigned i = 0; i < (grid).x * (block).x; i++)

static void heat_step(dim3 grid, dim3 block, void **args) {
    const float *in = *(const float **)args[0];
    float *out = *(float **)args[1];
    int n = *(int *)args[2];
    float alpha = *(float *)args[3];
    FOR_EACH_THREAD(grid, block) {
        if ((int)i >= n) continue;
        if (i == 0 || (int)i == n - 1) { out[i] = in[i]; continue; }
        float left = in[i - 1], mid = in[i], right = in[i + 1];
        out[i] = mid + alpha * ((left - mid) + (right - mid));
    }
}

static void apply_table(dim3 grid, dim3 block, void **args) {
    const int *index = *(const int **)args[0];
    float *out = *(float **)args[1];
    int n = *(int *)args[2];
    FOR_EACH_THREAD(grid, block) if ((int)i < n) out[i] = c_table[index[i] & 15] * 2.0f;
}

static void scale(dim3 grid, dim3 block, void **args) {
    float *data = *(float **)args[0];
    int n = *(int *)args[1];
    float factor = *(float *)args[2];
    FOR_EACH_THREAD(grid, block) if ((int)i < n) data[i] = data[i] * factor;
}

static void add_vectors(dim3 grid, dim3 block, void **args) {
    const float *a = *(const float **)args[0], *b = *(const float **)args[1];
    float *c = *(float **)args[2];
    int n = *(int *)args[3];
    FOR_EACH_THREAD(grid, block) if ((int)i < n) c[i] = a[i] + b[i];
}

static void register_module(void) {
    void **module = __cudaRegisterFatBinary(NULL);
    __cudaRegisterFunction(module, (const char *)heat_step, "_Z9heat_stepPKfPfif", "_Z9heat_stepPKfPfif",
                           -1, 0, 0, 0, 0, 0);
    __cudaRegisterFunction(module, (const char *)apply_table, "_Z11apply_tablePKiPfi", "_Z11apply_tablePKiPfi",
                           -1, 0, 0, 0, 0, 0);
    __cudaRegisterFunction(module, (const char *)scale, "_Z5scalePfif", "_Z5scalePfif", -1, 0, 0, 0, 0, 0);
    __cudaRegisterFunction(module, (const char *)add_vectors, "_Z11add_vectorsPKfS0_Pfi", "_Z11add_vectorsPKfS0_Pfi",
                           -1, 0, 0, 0, 0, 0);
    __cudaRegisterVar(module, (char *)c_table, "c_table", "c_table", 0, sizeof c_table, 1, 0);
}

static dim3 d3(unsigned x) { dim3 d = {x, 1, 1}; return d; }

int main(int argc, char **argv) {
    int steps = argc > 1 ? atoi(argv[1]) : 5, n = argc > 2 ? atoi(argv[2]) : 300;
    register_module();
    size_t bytes = n * sizeof(float);
    float *host = malloc(bytes), *a, *b, *table_out, *managed, *c;
    int *index_host = malloc(n * sizeof(int)), *index;
    for (int i = 0; i < n; i++) { host[i] = (float)((i * 37) % 101) / 7.0f; index_host[i] = (i * 5 + 3) % 23; }
    cudaMalloc((void **)&a, bytes);
    cudaMalloc((void **)&b, bytes);
    cudaMemcpy(a, host, bytes, 1);
    cudaMemcpy(b, host, bytes, 1);
    float alpha = 0.25f;
    dim3 block = d3(64), grid = d3((n + 63) / 64);
    for (int step = 0; step < steps; step++) {
        void *args[] = {&a, &b, &n, &alpha};
        cudaLaunchKernel((const void *)heat_step, grid, block, args, 0, NULL);
        float *t = a; a = b; b = t;
    }
    float table[16];
    for (int i = 0; i < 16; i++) table[i] = 1.5f * i - 4.0f;
    cudaMemcpyToSymbol(c_table, table, sizeof table, 0, 1);
    cudaMalloc((void **)&index, n * sizeof(int));
    cudaMalloc((void **)&table_out, bytes);
    cudaMemcpy(index, index_host, n * sizeof(int), 1);
    void *table_args[] = {&index, &table_out, &n};
    cudaLaunchKernel((const void *)apply_table, grid, block, table_args, 0, NULL);

    cudaStream_t one, two;
    cudaStreamCreate(&one);
    cudaStreamCreate(&two);
    cudaMallocManaged((void **)&managed, bytes, 1);
    for (int i = 0; i < n; i++) managed[i] = host[i] - 3.0f;
    float factors[3] = {2.0f, 0.5f, 0.5f};
    for (int k = 0; k < 3; k++) {
        void *scale_args[] = {&managed, &n, &factors[k]};
        cudaLaunchKernel((const void *)scale, grid, block, scale_args, 0, one);
    }
    cudaMalloc((void **)&c, bytes);
    void *add_args[] = {&a, &table_out, &c, &n};
    cudaLaunchKernel((const void *)add_vectors, grid, block, add_args, 0, two);
    cudaStreamSynchronize(one);
    cudaStreamSynchronize(two);
    cudaMemcpy(host, c, bytes, 2);
    double sum = 0;
    for (int i = 0; i < n; i++) sum += host[i] + managed[i];
    printf("checksum %.6f\n", sum);
    cudaFree(a); cudaFree(b); cudaFree(index); cudaFree(table_out); cudaFree(managed); cudaFree(c);
    cudaDeviceSynchronize();
    return 0;
}
