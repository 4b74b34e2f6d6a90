import pytest

from porter.profile.names import base_name


@pytest.mark.parametrize("reported, bare", [
    ("void reduce_sum<256>(float const*, float*, int)", "reduce_sum"),
    ("saxpy(int, float, const float *, float *)", "saxpy"),
    ("ampere_sgemm_128x64_tn", "ampere_sgemm_128x64_tn"),
    ("add_kernel", "add_kernel"),
    ("void at::native::vectorized_elementwise_kernel<4, at::native::CUDAFunctor_add<float>, "
     "std::array<char*, 3ul> >(int, at::native::CUDAFunctor_add<float>, std::array<char*, 3ul>)",
     "vectorized_elementwise_kernel"),
    ("void (anonymous namespace)::softmax_warp_forward<float, float, float, 9, false>(float*, float const*, int)",
     "softmax_warp_forward"),
])
def test_base_name_is_the_name_of_the_global_definition(reported, bare):
    assert base_name(reported) == bare
