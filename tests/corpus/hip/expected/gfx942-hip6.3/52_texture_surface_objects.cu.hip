// 52_texture_surface_objects.cu
// Exercises: CUDA arrays and bindless textures/surfaces: cudaCreateChannelDesc<float>,
// cudaMallocArray with cudaArraySurfaceLoadStore, cudaMemcpy2DToArray,
// cudaResourceDesc / cudaTextureDesc (linear filtering, clamp addressing,
// normalised coordinates), cudaCreateTextureObject, tex2D<float>,
// cudaCreateSurfaceObject + surf2Dwrite, cudaMallocPitch + cudaMemcpy2D for a
// pitched buffer, and the matching destroy/free calls.
// Warp-size hazards: none; a SAFE line for the 16x16 image tile.

#include <cstdio>
#include <vector>
#include <hip/hip_runtime.h>

#define CHECK(x)                                                             \
    do {                                                                     \
        hipError_t e = (x);                                                 \
        if (e != hipSuccess) {                                              \
            printf("%s: %s\n", #x, hipGetErrorString(e));                   \
            return 1;                                                        \
        }                                                                    \
    } while (0)

// Bilinear resize: sample the source texture at the centre of each output pixel.
__global__ void resize_bilinear(hipTextureObject_t src, float* dst, size_t dst_pitch, int out_w, int out_h)
{
    int x = blockIdx.x * blockDim.x + threadIdx.x;
    int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x >= out_w || y >= out_h) return;
    float u = (x + 0.5f) / out_w;
    float v = (y + 0.5f) / out_h;
    float* row = reinterpret_cast<float*>(reinterpret_cast<char*>(dst) + y * dst_pitch);
    row[x] = tex2D<float>(src, u, v);
}

// Write a gradient straight into a CUDA array through a surface.
__global__ void fill_surface(hipSurfaceObject_t surf, int w, int h)
{
    int x = blockIdx.x * blockDim.x + threadIdx.x;
    int y = blockIdx.y * blockDim.y + threadIdx.y;
    if (x < w && y < h) surf2Dwrite(static_cast<float>(x + y), surf, x * (int)sizeof(float), y);
}

int main()
{
    const int w = 640, h = 480, out_w = 1280, out_h = 960;
    std::vector<float> h_img((size_t)w * h, 1.0f);

    hipChannelFormatDesc desc = hipCreateChannelDesc<float>();
    hipArray_t arr;
    CHECK(hipMallocArray(&arr, &desc, w, h, hipArraySurfaceLoadStore));
    CHECK(hipMemcpy2DToArray(arr, 0, 0, h_img.data(), w * sizeof(float), w * sizeof(float), h,
                              hipMemcpyHostToDevice));

    hipResourceDesc res = {};
    res.resType = hipResourceTypeArray;
    res.res.array.array = arr;

    hipTextureDesc tdesc = {};
    tdesc.addressMode[0] = hipAddressModeClamp;
    tdesc.addressMode[1] = hipAddressModeClamp;
    tdesc.filterMode = hipFilterModeLinear;
    tdesc.readMode = hipReadModeElementType;
    tdesc.normalizedCoords = 1;

    hipTextureObject_t tex = 0;
    hipSurfaceObject_t surf = 0;
    CHECK(hipCreateSurfaceObject(&surf, &res));
    CHECK(hipCreateTextureObject(&tex, &res, &tdesc, nullptr));

    float* d_out = nullptr;
    size_t pitch = 0;
    CHECK(hipMallocPitch((void**)&d_out, &pitch, out_w * sizeof(float), out_h));

    dim3 block(16, 16);  // SAFE(warp-size): 2D image tile, not a lane count
    fill_surface<<<dim3((w + 15) / 16, (h + 15) / 16), block>>>(surf, w, h);
    resize_bilinear<<<dim3((out_w + 15) / 16, (out_h + 15) / 16), block>>>(tex, d_out, pitch, out_w, out_h);
    CHECK(hipGetLastError());

    std::vector<float> h_out((size_t)out_w * out_h);
    CHECK(hipMemcpy2D(h_out.data(), out_w * sizeof(float), d_out, pitch, out_w * sizeof(float), out_h,
                       hipMemcpyDeviceToHost));
    printf("resized %dx%d -> %dx%d, pitch %zu bytes, out[0] = %f\n", w, h, out_w, out_h, pitch, h_out[0]);

    CHECK(hipDestroyTextureObject(tex));
    CHECK(hipDestroySurfaceObject(surf));
    CHECK(hipFreeArray(arr));
    CHECK(hipFree(d_out));
    return 0;
}
