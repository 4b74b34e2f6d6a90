// porter: HIP -> CUDA (checking only). HIP 5's hip_bfloat16 class: constructible from float,
// convertible to float, which is what porter's HIP 5 output uses.
#pragma once
#include "hip_runtime.h"
#include <cuda_bf16.h>
typedef __nv_bfloat16 hip_bfloat16;
