/* porter golden capture: an LD_PRELOAD shim over the CUDA runtime's exported functions.
 *
 * Records, for each sampled launch of the selected kernels, the launch's geometry, stream and raw
 * argument bytes, and the contents of every live allocation a pointer argument points into (from
 * the pointer to the allocation's end) before and after the launch, plus the __constant__ symbols
 * the program wrote. Configuration comes from the environment (set by porter.golden.capture):
 *   PORTER_CAPTURE_DIR         the capture folder (index.jsonl + blobs/)
 *   PORTER_CAPTURE_SIGNATURES  a file of lines "KERNEL SIZE[p] SIZE[p] ...": parameter sizes, p = pointer
 *   PORTER_CAPTURE_KERNELS     comma-separated globs of kernel names (default: every kernel)
 *   PORTER_CAPTURE_LAUNCHES    capture at most this many launches per kernel (default 1)
 *   PORTER_CAPTURE_EVERY       capture every k-th launch of a kernel (default 1: each)
 *   PORTER_CAPTURE_MAX_BYTES   stop capturing once the dumps reach this many bytes
 * Compiled by porter at capture time with the system C compiler; needs no CUDA headers.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fnmatch.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ctype.h>

typedef int cudaError_t;
typedef void *cudaStream_t;
typedef struct { unsigned x, y, z; } dim3;
enum { CUDA_MEMCPY_DEFAULT = 4, MAX_PARAMS = 64, MAX_NAME = 256 };

struct alloc { uintptr_t base; size_t size; const char *kind; struct alloc *next; };
struct function { const void *stub; char name[MAX_NAME]; char mangled[MAX_NAME]; long launches; long captured;
                  struct function *next; };
struct symbol { const void *host; char name[MAX_NAME]; size_t size; int constant; int written; struct symbol *next; };
struct signature { char name[MAX_NAME]; int count; size_t size[MAX_PARAMS]; int pointer[MAX_PARAMS];
                   struct signature *next; };

static pthread_mutex_t lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static struct alloc *allocs;
static struct function *functions;
static struct symbol *symbols;
static struct signature *signatures;
static FILE *index_file;
static char folder[4096];
static char globs[4096];
static long max_launches = 1, every = 1, sequence;
static unsigned long long max_bytes = ~0ULL, bytes_written;
static void *streams[256];
static int stream_count;
static int configured, budget_noted;

/* The next definition of NAME (the CUDA runtime's), typed as NAME is declared here. */
#define REAL(name) static __typeof__(&name) real_##name; \
    if (!real_##name) real_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

cudaError_t cudaMemcpy(void *dst, const void *src, size_t count, int kind);
cudaError_t cudaMemcpyFromSymbol(void *dst, const void *symbol, size_t count, size_t offset, int kind);

static void configure(void) {
    if (configured) return;
    configured = 1;
    const char *dir = getenv("PORTER_CAPTURE_DIR");
    if (!dir) return;
    snprintf(folder, sizeof folder, "%s", dir);
    char path[4200];
    snprintf(path, sizeof path, "%s/index.jsonl", folder);
    index_file = fopen(path, "w");
    const char *value;
    if ((value = getenv("PORTER_CAPTURE_KERNELS"))) snprintf(globs, sizeof globs, "%s", value);
    if ((value = getenv("PORTER_CAPTURE_LAUNCHES"))) max_launches = atol(value);
    if ((value = getenv("PORTER_CAPTURE_EVERY"))) every = atol(value) > 0 ? atol(value) : 1;
    if ((value = getenv("PORTER_CAPTURE_MAX_BYTES"))) max_bytes = strtoull(value, NULL, 10);
    FILE *sigs = (value = getenv("PORTER_CAPTURE_SIGNATURES")) ? fopen(value, "r") : NULL;
    char line[8192];
    while (sigs && fgets(line, sizeof line, sigs)) {
        struct signature *s = calloc(1, sizeof *s);
        char *token = strtok(line, " \n");
        if (!token) { free(s); continue; }
        snprintf(s->name, sizeof s->name, "%s", token);
        while ((token = strtok(NULL, " \n")) && s->count < MAX_PARAMS) {
            s->pointer[s->count] = strchr(token, 'p') != NULL;
            s->size[s->count++] = strtoul(token, NULL, 10);
        }
        s->next = signatures;
        signatures = s;
    }
    if (sigs) fclose(sigs);
}

/* The kernel's base name from its mangled device name: _Z5saxpyifPfS_ -> saxpy,
 * _ZN2ns4stepEPf -> step (the last component), _Z6reduceILi256EEvPf -> reduce; else as given. */
static void base_name(const char *mangled, char *out, size_t size) {
    const char *p = mangled;
    snprintf(out, size, "%s", mangled);
    if (strncmp(p, "_Z", 2) != 0) return;
    p += 2;
    int nested = *p == 'N';
    if (nested) p++;
    while (*p == 'L' || *p == 'K' || *p == 'V') p++;
    while (isdigit((unsigned char)*p)) {
        long length = strtol(p, (char **)&p, 10);
        if ((long)strlen(p) < length) return;
        snprintf(out, size, "%.*s", (int)length, p);
        p += length;
        if (!nested || *p == 'I' || *p == 'E') return;
    }
}

void __cudaRegisterFunction(void **module, const char *stub, char *device_function, const char *device_name,
                            int thread_limit, void *tid, void *bid, void *block, void *grid, int *warp_size) {
    REAL(__cudaRegisterFunction);
    pthread_mutex_lock(&lock);
    struct function *f = calloc(1, sizeof *f);
    f->stub = stub;
    snprintf(f->mangled, sizeof f->mangled, "%s", device_name);
    base_name(device_name, f->name, sizeof f->name);
    f->next = functions;
    functions = f;
    pthread_mutex_unlock(&lock);
    real___cudaRegisterFunction(module, stub, device_function, device_name, thread_limit, tid, bid, block, grid,
                                warp_size);
}

void __cudaRegisterVar(void **module, char *host, char *device_address, const char *device_name, int ext,
                       size_t size, int constant, int global) {
    REAL(__cudaRegisterVar);
    pthread_mutex_lock(&lock);
    struct symbol *s = calloc(1, sizeof *s);
    s->host = host;
    snprintf(s->name, sizeof s->name, "%s", device_name);
    s->size = size;
    s->constant = constant;
    s->next = symbols;
    symbols = s;
    pthread_mutex_unlock(&lock);
    real___cudaRegisterVar(module, host, device_address, device_name, ext, size, constant, global);
}

static void remember(void *pointer, size_t size, const char *kind) {
    struct alloc *a = calloc(1, sizeof *a);
    a->base = (uintptr_t)pointer;
    a->size = size;
    a->kind = kind;
    pthread_mutex_lock(&lock);
    a->next = allocs;
    allocs = a;
    pthread_mutex_unlock(&lock);
}

static void forget(void *pointer) {
    pthread_mutex_lock(&lock);
    for (struct alloc **a = &allocs; *a; a = &(*a)->next) {
        if ((*a)->base == (uintptr_t)pointer) { struct alloc *gone = *a; *a = gone->next; free(gone); break; }
    }
    pthread_mutex_unlock(&lock);
}

cudaError_t cudaMalloc(void **pointer, size_t size) {
    REAL(cudaMalloc);
    cudaError_t error = real_cudaMalloc(pointer, size);
    if (error == 0) remember(*pointer, size, "device");
    return error;
}

cudaError_t cudaMallocManaged(void **pointer, size_t size, unsigned flags) {
    REAL(cudaMallocManaged);
    cudaError_t error = real_cudaMallocManaged(pointer, size, flags);
    if (error == 0) remember(*pointer, size, "managed");
    return error;
}

cudaError_t cudaMallocAsync(void **pointer, size_t size, cudaStream_t stream) {
    REAL(cudaMallocAsync);
    cudaError_t error = real_cudaMallocAsync(pointer, size, stream);
    if (error == 0) remember(*pointer, size, "async");
    return error;
}

cudaError_t cudaMallocPitch(void **pointer, size_t *pitch, size_t width, size_t height) {
    REAL(cudaMallocPitch);
    cudaError_t error = real_cudaMallocPitch(pointer, pitch, width, height);
    if (error == 0) remember(*pointer, *pitch * height, "pitched");
    return error;
}

cudaError_t cudaFree(void *pointer) {
    REAL(cudaFree);
    if (pointer) forget(pointer);
    return real_cudaFree(pointer);
}

cudaError_t cudaFreeAsync(void *pointer, cudaStream_t stream) {
    REAL(cudaFreeAsync);
    if (pointer) forget(pointer);
    return real_cudaFreeAsync(pointer, stream);
}

static void mark_written(const void *host) {
    pthread_mutex_lock(&lock);
    for (struct symbol *s = symbols; s; s = s->next)
        if (s->host == host) s->written = 1;
    pthread_mutex_unlock(&lock);
}

cudaError_t cudaMemcpyToSymbol(const void *symbol, const void *source, size_t count, size_t offset, int kind) {
    REAL(cudaMemcpyToSymbol);
    mark_written(symbol);
    return real_cudaMemcpyToSymbol(symbol, source, count, offset, kind);
}

cudaError_t cudaMemcpyToSymbolAsync(const void *symbol, const void *source, size_t count, size_t offset, int kind,
                                    cudaStream_t stream) {
    REAL(cudaMemcpyToSymbolAsync);
    mark_written(symbol);
    return real_cudaMemcpyToSymbolAsync(symbol, source, count, offset, kind, stream);
}

static struct function *function_of(const void *stub) {
    for (struct function *f = functions; f; f = f->next)
        if (f->stub == stub) return f;
    return NULL;
}

static struct signature *signature_of(const char *name) {
    for (struct signature *s = signatures; s; s = s->next)
        if (strcmp(s->name, name) == 0) return s;
    return NULL;
}

static int selected(const char *name) {
    if (!globs[0]) return 1;
    char copy[4096];
    snprintf(copy, sizeof copy, "%s", globs);
    for (char *glob = strtok(copy, ","); glob; glob = strtok(NULL, ","))
        if (fnmatch(glob, name, 0) == 0) return 1;
    return 0;
}

static int stream_index(void *stream) {
    if (!stream) return 0;
    for (int i = 0; i < stream_count; i++)
        if (streams[i] == stream) return i + 1;
    if (stream_count < 256) streams[stream_count++] = stream;
    return stream_count;
}

static struct alloc *alloc_of(uintptr_t address) {
    for (struct alloc *a = allocs; a; a = a->next)
        if (address >= a->base && address < a->base + a->size) return a;
    return NULL;
}

/* Copy [address, address + size) of device (or managed) memory into FOLDER/blobs/NAME. */
static int dump(const char *name, const void *address, size_t size, int device) {
    REAL(cudaMemcpy);
    REAL(cudaMemcpyFromSymbol);
    void *host = malloc(size ? size : 1);
    cudaError_t error = device ? real_cudaMemcpy(host, address, size, CUDA_MEMCPY_DEFAULT)
                               : real_cudaMemcpyFromSymbol(host, address, size, 0, CUDA_MEMCPY_DEFAULT);
    char path[4400];
    snprintf(path, sizeof path, "%s/blobs/%s", folder, name);
    FILE *out = error == 0 ? fopen(path, "wb") : NULL;
    int ok = out && fwrite(host, 1, size, out) == size;
    if (out) fclose(out);
    free(host);
    bytes_written += size;
    return ok ? 0 : (error ? error : -1);
}

static cudaError_t capture(const char *real_name, const void *stub, dim3 grid, dim3 block, void **args,
                           size_t shared, cudaStream_t stream) {
    typedef cudaError_t (*launch_t)(const void *, dim3, dim3, void **, size_t, cudaStream_t);
    static launch_t launches[2];
    static cudaError_t (*synchronize)(void);
    int which = strcmp(real_name, "cudaLaunchKernel") != 0;
    if (!launches[which]) launches[which] = (launch_t)dlsym(RTLD_NEXT, real_name);
    if (!synchronize) synchronize = (cudaError_t (*)(void))dlsym(RTLD_NEXT, "cudaDeviceSynchronize");
    launch_t launch = launches[which];
    pthread_mutex_lock(&lock);
    configure();
    struct function *f = function_of(stub);
    struct signature *sig = f ? signature_of(f->name) : NULL;
    long number = f ? f->launches++ : -1;
    int wanted = index_file && f && selected(f->name) && number % every == 0 && f->captured < max_launches;
    if (wanted && bytes_written >= max_bytes) {
        if (!budget_noted) fprintf(index_file, "{\"event\":\"budget\",\"kernel\":\"%s\",\"launch\":%ld}\n", f->name, number);
        budget_noted = 1;
        wanted = 0;
    }
    if (!wanted) {
        pthread_mutex_unlock(&lock);
        return launch(stub, grid, block, args, shared, stream);
    }
    long seq = sequence++;
    f->captured++;
    fprintf(index_file, "{\"event\":\"launch\",\"seq\":%ld,\"kernel\":\"%s\",\"mangled\":\"%s\",\"launch\":%ld,"
            "\"grid\":[%u,%u,%u],\"block\":[%u,%u,%u],\"shared\":%zu,\"stream\":%d,\"signature\":%s,\"args\":[",
            seq, f->name, f->mangled, number, grid.x, grid.y, grid.z, block.x, block.y, block.z, shared,
            stream_index(stream), sig ? "true" : "false");
    for (int i = 0; sig && i < sig->count; i++) {
        fprintf(index_file, "%s\"", i ? "," : "");
        for (size_t b = 0; b < sig->size[i]; b++) fprintf(index_file, "%02x", ((unsigned char *)args[i])[b]);
        fprintf(index_file, "\"");
    }
    fprintf(index_file, "],\"buffers\":[");
    struct { struct alloc *a; uintptr_t at; int arg; } reach[MAX_PARAMS];
    int reached = 0;
    synchronize();
    for (int i = 0; sig && i < sig->count; i++) {
        if (!sig->pointer[i] || sig->size[i] != sizeof(void *)) continue;
        uintptr_t address = *(uintptr_t *)args[i];
        struct alloc *a = alloc_of(address);
        fprintf(index_file, "%s{\"arg\":%d,\"address\":%llu", reached ? "," : "", i, (unsigned long long)address);
        if (a) {
            char name[128];
            snprintf(name, sizeof name, "%ld.%d.before", seq, i);
            int error = dump(name, (void *)address, a->base + a->size - address, 1);
            fprintf(index_file, ",\"alloc\":%llu,\"alloc_bytes\":%zu,\"offset\":%zu,\"kind\":\"%s\",\"before\":\"%s\","
                    "\"error\":%d", (unsigned long long)a->base, a->size, (size_t)(address - a->base), a->kind, name, error);
        }
        fprintf(index_file, "}");
        reach[reached].a = a;
        reach[reached].at = address;
        reach[reached++].arg = i;
    }
    fprintf(index_file, "],\"symbols\":[");
    int listed = 0;
    for (struct symbol *s = symbols; s; s = s->next) {
        if (!s->constant || !s->written) continue;
        char name[MAX_NAME + 64];
        snprintf(name, sizeof name, "%ld.sym.%s", seq, s->name);
        int error = dump(name, s->host, s->size, 0);
        fprintf(index_file, "%s{\"name\":\"%s\",\"bytes\":%zu,\"file\":\"%s\",\"error\":%d}", listed++ ? "," : "",
                s->name, s->size, name, error);
    }
    fprintf(index_file, "]");
    fflush(index_file);
    cudaError_t result = launch(stub, grid, block, args, shared, stream);
    cudaError_t after = synchronize();
    fprintf(index_file, ",\"result\":%d,\"sync\":%d,\"after\":[", result, after);
    for (int r = 0; r < reached; r++) {
        char name[128];
        int error = -1;
        snprintf(name, sizeof name, "%ld.%d.after", seq, reach[r].arg);
        if (reach[r].a) error = dump(name, (void *)reach[r].at, reach[r].a->base + reach[r].a->size - reach[r].at, 1);
        fprintf(index_file, "%s{\"arg\":%d,\"file\":\"%s\",\"error\":%d}", r ? "," : "", reach[r].arg,
                reach[r].a ? name : "", error);
    }
    fprintf(index_file, "]}\n");
    fflush(index_file);
    pthread_mutex_unlock(&lock);
    return result;
}

cudaError_t cudaLaunchKernel(const void *stub, dim3 grid, dim3 block, void **args, size_t shared,
                             cudaStream_t stream) {
    return capture("cudaLaunchKernel", stub, grid, block, args, shared, stream);
}

cudaError_t cudaLaunchKernel_ptsz(const void *stub, dim3 grid, dim3 block, void **args, size_t shared,
                                  cudaStream_t stream) {
    return capture("cudaLaunchKernel_ptsz", stub, grid, block, args, shared, stream);
}

__attribute__((destructor)) static void finish(void) {
    pthread_mutex_lock(&lock);
    if (index_file) {
        for (struct function *f = functions; f; f = f->next)
            if (f->launches)
                fprintf(index_file, "{\"event\":\"kernel\",\"kernel\":\"%s\",\"mangled\":\"%s\",\"launches\":%ld,"
                        "\"captured\":%ld}\n", f->name, f->mangled, f->launches, f->captured);
        for (struct symbol *s = symbols; s; s = s->next)
            if (!s->constant)
                fprintf(index_file, "{\"event\":\"global\",\"name\":\"%s\",\"bytes\":%zu}\n", s->name, s->size);
        fclose(index_file);
        index_file = NULL;
    }
    pthread_mutex_unlock(&lock);
}
