// 50_plain_cpp_utility.cu
// Exercises: a .cu file with no CUDA in it at all: plain C++17 host code
// (a CRC-32 table, a 32-bit rotate-and-mix hash, a tiny key=value option
// parser, and running statistics). It contains literals such as 32, 31 and
// 0xffffffff that have nothing to do with warps; a porter should leave the
// file byte-for-byte unchanged.
// Warp-size hazards: none; SAFE lines for the look-alike literals.

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>

namespace util {

inline uint32_t rotl32(uint32_t x, unsigned r)
{
    r &= 31;  // SAFE(warp-size): rotate amount modulo the 32-bit word width
    return r ? (x << r) | (x >> (32 - r)) : x;  // SAFE(warp-size): 32-bit word width, not lanes
}

inline uint32_t mix32(uint32_t h)
{
    h ^= h >> 16;  // SAFE(warp-size): hash avalanche shift
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h = rotl32(h, 5);
    return h;
}

inline std::array<uint32_t, 256> make_crc_table()
{
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xedb88320u ^ (c >> 1) : (c >> 1);
        t[i] = c;
    }
    return t;
}

inline uint32_t crc32(const std::string& s)
{
    static const auto table = make_crc_table();
    uint32_t crc = 0xffffffff;  // SAFE(warp-size): CRC-32 initial value, not a lane mask
    for (unsigned char ch : s) crc = table[(crc ^ ch) & 0xff] ^ (crc >> 8);
    return crc ^ 0xffffffff;  // SAFE(warp-size): CRC-32 final xor, not a lane mask
}

struct RunningStats {
    long long n = 0;
    double mean = 0.0, m2 = 0.0;
    void push(double x)
    {
        ++n;
        double d = x - mean;
        mean += d / n;
        m2 += d * (x - mean);
    }
    double stddev() const { return n > 1 ? std::sqrt(m2 / (n - 1)) : 0.0; }
};

inline std::map<std::string, std::string> parse_options(int argc, char** argv)
{
    std::map<std::string, std::string> opts;
    for (int i = 1; i < argc; ++i) {
        std::string a = argv[i];
        auto eq = a.find('=');
        if (a.rfind("--", 0) == 0 && eq != std::string::npos) opts[a.substr(2, eq - 2)] = a.substr(eq + 1);
    }
    return opts;
}

}  // namespace util

int main(int argc, char** argv)
{
    auto opts = util::parse_options(argc, argv);
    int lanes = opts.count("lanes") ? std::stoi(opts["lanes"]) : 32;  // SAFE(warp-size): CLI default for a report column width
    util::RunningStats st;
    for (int i = 0; i < 1000; ++i) st.push(util::mix32(static_cast<uint32_t>(i)) % 1000);
    printf("crc32(\"hello\") = %08x, mean %.2f sd %.2f, width %d\n", util::crc32("hello"), st.mean,
           st.stddev(), lanes);
    return 0;
}
