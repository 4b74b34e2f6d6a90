// 06_graph_stream_capture.cu
// Exercises: CUDA graphs built by stream capture (cudaStreamBeginCapture with
// cudaStreamCaptureModeGlobal, cudaStreamEndCapture), cudaStreamIsCapturing,
// cudaGraphInstantiate in its CUDA 12+ form and (inactive branch) its pre-12
// form, cudaGraphLaunch, cudaGraphExecDestroy and cudaGraphDestroy.
// Uses CUDART_VERSION in #if/#else with CUDA code on both sides.
// Warp-size hazards: none.

#include <cstdio>
#include <cuda_runtime.h>

#define CHECK_CUDA(x)                                                        \
    do {                                                                     \
        cudaError_t e_ = (x);                                                \
        if (e_ != cudaSuccess) {                                             \
            fprintf(stderr, "%s failed: %s\n", #x, cudaGetErrorString(e_));  \
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
    CHECK_CUDA(cudaMalloc(&d_v, n * sizeof(float)));
    CHECK_CUDA(cudaMemset(d_v, 0, n * sizeof(float)));

    cudaStream_t stream;
    CHECK_CUDA(cudaStreamCreateWithFlags(&stream, cudaStreamNonBlocking));

    cudaGraph_t graph;
    cudaGraphExec_t exec;

    CHECK_CUDA(cudaStreamBeginCapture(stream, cudaStreamCaptureModeGlobal));
    for (int step = 0; step < 8; ++step) {
        add_scalar<<<blocks, threads, 0, stream>>>(d_v, 1.0f, n);
        mul_scalar<<<blocks, threads, 0, stream>>>(d_v, 0.5f, n);
    }
    cudaStreamCaptureStatus cap_status;
    CHECK_CUDA(cudaStreamIsCapturing(stream, &cap_status));
    if (cap_status != cudaStreamCaptureStatusActive) {
        fprintf(stderr, "stream is not capturing\n");
    }
    CHECK_CUDA(cudaStreamEndCapture(stream, &graph));

#if CUDART_VERSION >= 12000
    CHECK_CUDA(cudaGraphInstantiate(&exec, graph, 0));
#else
    cudaGraphNode_t error_node = nullptr;
    char log[512];
    CHECK_CUDA(cudaGraphInstantiate(&exec, graph, &error_node, log, sizeof(log)));
#endif

    size_t num_nodes = 0;
    CHECK_CUDA(cudaGraphGetNodes(graph, nullptr, &num_nodes));
    printf("captured graph has %zu nodes\n", num_nodes);

    for (int iter = 0; iter < 100; ++iter) {
        CHECK_CUDA(cudaGraphLaunch(exec, stream));
    }
    CHECK_CUDA(cudaStreamSynchronize(stream));

    float first = 0.0f;
    CHECK_CUDA(cudaMemcpy(&first, d_v, sizeof(float), cudaMemcpyDeviceToHost));
    printf("v[0] after 100 graph launches = %f\n", first);

    CHECK_CUDA(cudaGraphExecDestroy(exec));
    CHECK_CUDA(cudaGraphDestroy(graph));
    CHECK_CUDA(cudaStreamDestroy(stream));
    CHECK_CUDA(cudaFree(d_v));
    return 0;
}
