// 06_graph_stream_capture.cu
// Exercises: CUDA graphs built by stream capture (cudaStreamBeginCapture with
// cudaStreamCaptureModeGlobal, cudaStreamEndCapture), cudaStreamIsCapturing,
// cudaGraphInstantiate in its CUDA 12+ form and (inactive branch) its pre-12
// form, cudaGraphLaunch, cudaGraphExecDestroy and cudaGraphDestroy.
// Uses CUDART_VERSION in #if/#else with CUDA code on both sides.
// Warp-size hazards: none.

#include <cstdio>
#include <hip/hip_runtime.h>

#define CHECK_CUDA(x)                                                        \
    do {                                                                     \
        hipError_t e_ = (x);                                                \
        if (e_ != hipSuccess) {                                             \
            fprintf(stderr, "%s failed: %s\n", #x, hipGetErrorString(e_));  \
            return 1;                                                        \
        }                                                                    \
    } while (0)

__global__ void add_scalar(float* v, float s, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) v[i] += s;
}

__global__ void mul_scalar(float* v, float s, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) v[i] *= s;
}

int main()
{
    const int n = 1 << 20;
    const int threads = 256;
    const int blocks = (n + threads - 1) / threads;

    float* d_v = nullptr;
    CHECK_CUDA(hipMalloc(&d_v, n * sizeof(float)));
    CHECK_CUDA(hipMemset(d_v, 0, n * sizeof(float)));

    hipStream_t stream;
    CHECK_CUDA(hipStreamCreateWithFlags(&stream, hipStreamNonBlocking));

    hipGraph_t graph;
    hipGraphExec_t exec;

    CHECK_CUDA(hipStreamBeginCapture(stream, hipStreamCaptureModeGlobal));
    for (int step = 0; step < 8; ++step) {
        add_scalar<<<blocks, threads, 0, stream>>>(d_v, 1.0f, n);
        mul_scalar<<<blocks, threads, 0, stream>>>(d_v, 0.5f, n);
    }
    hipStreamCaptureStatus cap_status;
    CHECK_CUDA(hipStreamIsCapturing(stream, &cap_status));
    if (cap_status != hipStreamCaptureStatusActive) {
        fprintf(stderr, "stream is not capturing\n");
    }
    CHECK_CUDA(hipStreamEndCapture(stream, &graph));

#if CUDART_VERSION >= 12000
    CHECK_CUDA(hipGraphInstantiate(&exec, graph, 0));
#else
    hipGraphNode_t error_node = nullptr;
    char log[512];
    CHECK_CUDA(hipGraphInstantiate(&exec, graph, &error_node, log, sizeof(log)));
#endif

    size_t num_nodes = 0;
    CHECK_CUDA(hipGraphGetNodes(graph, nullptr, &num_nodes));
    printf("captured graph has %zu nodes\n", num_nodes);

    for (int iter = 0; iter < 100; ++iter) {
        CHECK_CUDA(hipGraphLaunch(exec, stream));
    }
    CHECK_CUDA(hipStreamSynchronize(stream));

    float first = 0.0f;
    CHECK_CUDA(hipMemcpy(&first, d_v, sizeof(float), hipMemcpyDeviceToHost));
    printf("v[0] after 100 graph launches = %f\n", first);

    CHECK_CUDA(hipGraphExecDestroy(exec));
    CHECK_CUDA(hipGraphDestroy(graph));
    CHECK_CUDA(hipStreamDestroy(stream));
    CHECK_CUDA(hipFree(d_v));
    return 0;
}
