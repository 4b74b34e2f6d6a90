// porter-options: hip_version=5.2 offload_arch=gfx1100
// Shuffle loops over lane offsets run over the whole wavefront; other loops stay.
__device__ float reduce(float v) {
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_down_sync(0xffffffff, v, offset);
  return v;
}
__device__ float scan(float v, int lane) {
  for (int d = 1; d < 32; d *= 2) {
    float up = __shfl_up_sync(0xffffffff, v, d);
    if (lane >= d) v += up;
  }
  for (int i = 16; i > 0; i /= 2) v += i;
  return v;
}
