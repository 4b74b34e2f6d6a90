// opaque_constructs: what the IR keeps as opaque nodes, each with a diagnostic.
__device__ unsigned lane_id_asm() {
    unsigned id;
    asm volatile("mov.u32 %0, %%laneid;" : "=r"(id));
    return id;
}

__global__ void opaque_kernel(int* out, int mode) {
    int v = 0;
    switch (mode) {
        case 0: v = 1; break;
        default: v = 2; break;
    }
    out[threadIdx.x] = v + lane_id_asm();
}
