// 38_thrust_algorithms.cu
// Exercises: Thrust: thrust::host_vector / thrust::device_vector, sequence,
// fill, transform with __host__ __device__ functor structs, reduce,
// transform_reduce, inclusive_scan, sort and sort_by_key,
// count_if, thrust::raw_pointer_cast to pass device_vector storage to a
// hand-written kernel, and thrust::cuda::par.on(stream) execution policy.
// Thrust ships with the CUDA toolkit. Warp-size hazards: none.

#include <cstdio>
#include <thrust/count.h>
#include <thrust/device_vector.h>
#include <thrust/execution_policy.h>
#include <thrust/fill.h>
#include <thrust/functional.h>
#include <thrust/host_vector.h>
#include <thrust/reduce.h>
#include <thrust/scan.h>
#include <thrust/sequence.h>
#include <thrust/sort.h>
#include <thrust/transform.h>
#include <thrust/transform_reduce.h>
#include <cuda_runtime.h>

struct saxpy_functor {
    float a;
    explicit saxpy_functor(float a_) : a(a_) {}
    __host__ __device__ float operator()(float x, float y) const { return a * x + y; }
};

struct square {
    __host__ __device__ float operator()(float x) const { return x * x; }
};

struct is_odd {
    __host__ __device__ bool operator()(int v) const { return v & 1; }
};

__global__ void negate_in_place(float* p, int n)
{
    int i = blockIdx.x * blockDim.x + threadIdx.x;
    if (i < n) p[i] = -p[i];
}

int main()
{
    const int n = 1 << 16;
    thrust::device_vector<float> x(n), y(n, 1.0f), z(n);
    thrust::sequence(x.begin(), x.end(), 0.0f, 0.5f);

    thrust::transform(x.begin(), x.end(), y.begin(), z.begin(), saxpy_functor(2.0f));
    float total = thrust::reduce(z.begin(), z.end(), 0.0f, thrust::plus<float>());
    float sumsq = thrust::transform_reduce(x.begin(), x.end(), square(), 0.0f, thrust::plus<float>());

    // Hand the raw storage to an ordinary kernel.
    float* raw = thrust::raw_pointer_cast(z.data());
    negate_in_place<<<(n + 255) / 256, 256>>>(raw, n);
    cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess) {
        printf("negate_in_place: %s\n", cudaGetErrorString(err));
        return 1;
    }

    thrust::inclusive_scan(y.begin(), y.end(), y.begin());
    thrust::sort(z.begin(), z.end());

    thrust::host_vector<int> h_keys(n);
    for (int i = 0; i < n; ++i) h_keys[i] = (i * 37) % 101;
    thrust::device_vector<int> keys = h_keys;
    thrust::device_vector<int> vals(n);
    thrust::sequence(vals.begin(), vals.end());

    cudaStream_t s;
    cudaStreamCreate(&s);
    thrust::sort_by_key(thrust::cuda::par.on(s), keys.begin(), keys.end(), vals.begin());
    int odd = thrust::count_if(thrust::cuda::par.on(s), keys.begin(), keys.end(), is_odd());
    thrust::fill(thrust::cuda::par.on(s), vals.begin(), vals.begin() + 10, -1);
    cudaStreamSynchronize(s);

    thrust::host_vector<float> h_z = z;
    printf("sum %.1f, sumsq %.1f, min(z) %.1f, y[n-1] %.1f, odd keys %d\n", total, sumsq,
           static_cast<float>(h_z[0]), static_cast<float>(y[n - 1]), odd);
    cudaStreamDestroy(s);
    return 0;
}
