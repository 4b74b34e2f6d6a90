// 07_graph_explicit_api.cu
// Exercises: the explicit CUDA graph API: cudaGraphCreate, cudaKernelNodeParams
// with a void* argument array, cudaGraphAddKernelNode with dependencies,
// cudaGraphAddMemcpyNode1D, cudaGraphAddMemsetNode with cudaMemsetParams,
// cudaGraphInstantiateWithFlags, cudaGraphExecKernelNodeSetParams to update a
// kernel argument without re-instantiating, and cudaGraphLaunch.
// Warp-size hazards: none.

#include <cstdio>
#include <hip/hip_runtime.h>

#define GCHECK(call)                                                         \
    do {                                                                     \
        hipError_t err = (call);                                            \
        if (err != hipSuccess) {                                            \
            printf("graph error at line %d: %s\n", __LINE__,                 \
                   hipGetErrorString(err));                                 \
            return 1;                                                        \
        }                                                                    \
    } while (0)

__global__ void fill_ramp(int* out, int base, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) out[i] += base + i;
}

int main()
{
    const int n = 4096;
    int *d_buf = nullptr, *h_buf = nullptr;
    GCHECK(hipMalloc(&d_buf, n * sizeof(int)));
    GCHECK(hipHostMalloc(&h_buf, n * sizeof(int)));

    hipGraph_t graph;
    GCHECK(hipGraphCreate(&graph, 0));

    // Node 1: zero the buffer.
    hipMemsetParams mset = {};
    mset.dst = d_buf;
    mset.value = 0;
    mset.elementSize = sizeof(int);
    mset.width = n;
    mset.height = 1;
    mset.pitch = 0;
    hipGraphNode_t memset_node;
    GCHECK(hipGraphAddMemsetNode(&memset_node, graph, nullptr, 0, &mset));

    // Node 2: the kernel, after the memset.
    int base = 100;
    int count = n;
    void* args[] = {&d_buf, &base, &count};
    hipKernelNodeParams kp = {};
    kp.func = reinterpret_cast<void*>(fill_ramp);
    kp.gridDim = dim3((n + 127) / 128);
    kp.blockDim = dim3(128);
    kp.sharedMemBytes = 0;
    kp.kernelParams = args;
    kp.extra = nullptr;
    hipGraphNode_t kernel_node;
    GCHECK(hipGraphAddKernelNode(&kernel_node, graph, &memset_node, 1, &kp));

    // Node 3: copy the result back, after the kernel.
    hipGraphNode_t copy_node;
    GCHECK(hipGraphAddMemcpyNode1D(&copy_node, graph, &kernel_node, 1, h_buf, d_buf,
                                    n * sizeof(int), hipMemcpyDeviceToHost));

    hipGraphExec_t exec;
    GCHECK(hipGraphInstantiateWithFlags(&exec, graph, 0));

    hipStream_t s;
    GCHECK(hipStreamCreate(&s));
    GCHECK(hipGraphLaunch(exec, s));
    GCHECK(hipStreamSynchronize(s));
    printf("first launch: h_buf[10] = %d (expect 110)\n", h_buf[10]);

    // Change the kernel argument in the instantiated graph and run again.
    base = 1000;
    GCHECK(hipGraphExecKernelNodeSetParams(exec, kernel_node, &kp));
    GCHECK(hipGraphLaunch(exec, s));
    GCHECK(hipStreamSynchronize(s));
    printf("second launch: h_buf[10] = %d (expect 1010)\n", h_buf[10]);

    GCHECK(hipGraphExecDestroy(exec));
    GCHECK(hipGraphDestroy(graph));
    GCHECK(hipStreamDestroy(s));
    GCHECK(hipFree(d_buf));
    GCHECK(hipHostFree(h_buf));
    return 0;
}
