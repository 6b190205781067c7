// gen.c writes ggml_golden.bin: inputs and what llama.cpp's own binaries
// (node-llama-cpp 3.21.1: libggml-base.so and the AVX-512 CPU variant
// libggml-cpu-zen4.so) compute from them: reference weight quantization,
// dequantization, activation conversion (from_float of the vec_dot_type) and
// vec_dot. Build and run with gen.sh. Not part of the Go build.
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dlfcn.h>

#include "ggml.h"
#include "ggml-alloc.h"
#include "ggml-backend.h"
#include "ggml-cpu.h"

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next_u64(void) { // splitmix64
    uint64_t z = (rng += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static double uniform(void) { return (next_u64() >> 11) * (1.0 / 9007199254740992.0); }
static float gauss(void) {
    double u1 = uniform(), u2 = uniform();
    if (u1 < 1e-300) u1 = 1e-300;
    return (float)(sqrt(-2 * log(u1)) * cos(6.283185307179586 * u2));
}

// fill writes row r of a test matrix: special rows first, then Gaussians.
static void fill(float * x, int n, int r, int act) {
    for (int i = 0; i < n; i++) {
        switch (r) {
        case 0: x[i] = 0; break;                                         // all zero
        case 1: x[i] = act ? -0.37f : 0.37f; break;                      // all equal
        case 2: x[i] = (i % 32 == 0) ? -127.0f : (float)((i % 64) - 32) + 0.5f; break; // scale 1: x.5 ties
        case 3: x[i] = (i % 32 == 0) ? 63.5f : ((float)((i * 7) % 127) - 63.0f) * 0.25f; break; // scale 2: ties
        case 4: x[i] = 1e-30f * gauss(); break;                          // underflows a half scale
        case 5: x[i] = 6e4f * gauss(); break;                            // overflows F16
        case 6: x[i] = (i % 97 == 3) ? 100.0f : 0.01f * gauss(); break;  // outliers
        case 7: x[i] = fabsf(gauss()) + 0.1f; break;                     // positive only
        case 8: x[i] = -fabsf(gauss()) - 0.1f; break;                    // negative only
        case 9: x[i] = (i % 32 == 0) ? -3.0f : (i % 32 == 5) ? 3.0f : gauss(); break; // ±amax tie
        case 10: x[i] = (i < n/2) ? 0.0f : gauss(); break;               // zero half
        default: x[i] = gauss() * (float)(0.02 * r * r); break;
        }
    }
}

static void put_u32(FILE * f, uint32_t v) { fwrite(&v, 4, 1, f); }

// fnv64 hashes a dequantized row (stored instead of the floats to keep the
// file small).
static uint64_t fnv64(const void * p, size_t len) {
    const uint8_t * b = p;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < len; i++) { h ^= b[i]; h *= 0x100000001b3ull; }
    return h;
}

// section writes one input set (rows x n weights W and activations A, shared
// by all types) and, per type, ggml's results. F32 rows are the inputs
// themselves and are not repeated.
static void section(FILE * f, const enum ggml_type * types, int ntypes, int rows, int n) {
    float * w = malloc(sizeof(float) * rows * n);
    float * a = malloc(sizeof(float) * rows * n);
    float * deq = malloc(sizeof(float) * n);
    for (int r = 0; r < rows; r++) {
        fill(w + (size_t)r * n, n, r, 0);
        fill(a + (size_t)r * n, n, (r * 5 + 3) % rows, 1);
    }
    put_u32(f, rows); put_u32(f, n); put_u32(f, ntypes);
    fwrite(w, sizeof(float), (size_t)rows * n, f);
    fwrite(a, sizeof(float), (size_t)rows * n, f);
    for (int k = 0; k < ntypes; k++) {
        enum ggml_type t = types[k];
        const struct ggml_type_traits_cpu * tc = ggml_get_type_traits_cpu(t);
        enum ggml_type at = tc->vec_dot_type;
        const struct ggml_type_traits_cpu * ac = ggml_get_type_traits_cpu(at);
        size_t wrs = ggml_row_size(t, n), ars = ggml_row_size(at, n);
        uint8_t * wq = calloc(rows, wrs);
        uint8_t * aq = calloc(rows, ars);
        uint64_t * hashes = malloc(sizeof(uint64_t) * rows);
        float * dots = malloc(sizeof(float) * rows);
        for (int r = 0; r < rows; r++) {
            // one row per call, as llama-quantize's rows are independent
            ggml_quantize_chunk(t, w + (size_t)r * n, wq + r * wrs, 0, 1, n, NULL);
            if (t == GGML_TYPE_F32) {
                memcpy(deq, wq + r * wrs, wrs);
            } else {
                ggml_get_type_traits(t)->to_float(wq + r * wrs, deq, n);
            }
            hashes[r] = fnv64(deq, sizeof(float) * n);
            ac->from_float(a + (size_t)r * n, aq + r * ars, n);
            tc->vec_dot(n, &dots[r], 0, wq + r * wrs, 0, aq + r * ars, 0, 1);
        }
        put_u32(f, t); put_u32(f, at);
        if (t != GGML_TYPE_F32) {
            fwrite(wq, 1, rows * wrs, f);
            fwrite(aq, 1, rows * ars, f);
        }
        fwrite(hashes, sizeof(uint64_t), rows, f);
        fwrite(dots, sizeof(float), rows, f);
        free(wq); free(aq); free(hashes); free(dots);
    }
    free(w); free(a); free(deq);
}

// gen_row fills a row from a generator Go reproduces bit for bit (only
// integer ops and exact float32 arithmetic): Irwin-Hall sums of 4 uniforms
// with 24-bit resolution, a per-row scale, and a few outliers.
static void gen_row(uint64_t * st, float * x, int n, int r) {
    const float scale = (float)(1 << (r % 7)) / 64.0f;
    for (int i = 0; i < n; i++) {
        float s = 0.0f;
        uint64_t o = 0;
        for (int k = 0; k < 4; k++) {
            *st = *st * 6364136223846793005ull + 1442695040888963407ull;
            s += (float)(*st >> 40) * 0x1p-24f;
            o ^= *st;
        }
        float v = (s - 2.0f) * scale;
        if ((o >> 20 & 255) == 0) v *= 16.0f;
        x[i] = v;
    }
}

// hashed writes FNV-1a 64 hashes of ggml's outputs over generated rows:
// quantized weights, dequantized weights, activations, dot products.
static void hashed(FILE * f, const enum ggml_type * types, int ntypes, int rows, int n, uint64_t seed) {
    float * w = malloc(sizeof(float) * rows * n);
    float * a = malloc(sizeof(float) * rows * n);
    uint64_t st = seed;
    for (int r = 0; r < rows; r++) gen_row(&st, w + (size_t)r * n, n, r);
    for (int r = 0; r < rows; r++) gen_row(&st, a + (size_t)r * n, n, r + 3);
    put_u32(f, rows); put_u32(f, n); put_u32(f, ntypes);
    fwrite(&seed, 8, 1, f);
    float * deq = malloc(sizeof(float) * rows * n);
    float * dots = malloc(sizeof(float) * rows);
    for (int k = 0; k < ntypes; k++) {
        enum ggml_type t = types[k];
        const struct ggml_type_traits_cpu * tc = ggml_get_type_traits_cpu(t);
        enum ggml_type at = tc->vec_dot_type;
        size_t wrs = ggml_row_size(t, n), ars = ggml_row_size(at, n);
        uint8_t * wq = calloc(rows, wrs);
        uint8_t * aq = calloc(rows, ars);
        for (int r = 0; r < rows; r++) {
            ggml_quantize_chunk(t, w + (size_t)r * n, wq + r * wrs, 0, 1, n, NULL);
            if (t == GGML_TYPE_F32) memcpy(deq + (size_t)r * n, wq + r * wrs, wrs);
            else ggml_get_type_traits(t)->to_float(wq + r * wrs, deq + (size_t)r * n, n);
            ggml_get_type_traits_cpu(at)->from_float(a + (size_t)r * n, aq + r * ars, n);
            tc->vec_dot(n, &dots[r], 0, wq + r * wrs, 0, aq + r * ars, 0, 1);
        }
        uint64_t h[4] = { fnv64(wq, rows * wrs), fnv64(deq, sizeof(float) * rows * n),
                          fnv64(aq, rows * ars), fnv64(dots, sizeof(float) * rows) };
        put_u32(f, t);
        fwrite(h, 8, 4, f);
        free(wq); free(aq);
    }
    free(w); free(a); free(deq); free(dots);
}

// mul_mat runs W (rows x n, type t, quantized by ggml) times one column x
// through ggml's graph on the CPU backend (1 thread), with W in the plain
// CPU buffer (vec_dot path) or in the REPACK buffer (what llama.cpp uses
// for Q4_0/Q4_K on AVX2+ machines), and writes the rows' results.
static void mul_mat(ggml_backend_t be, ggml_backend_buffer_type_t buft, enum ggml_type t,
                    const uint8_t * wq, int rows, int n, const float * x, float * out) {
    struct ggml_init_params p = { 1 << 20, NULL, true };
    struct ggml_context * cw = ggml_init(p);
    struct ggml_tensor * W = ggml_new_tensor_2d(cw, t, n, rows);
    ggml_backend_buffer_t bw = ggml_backend_alloc_ctx_tensors_from_buft(cw, buft);
    ggml_backend_tensor_set(W, wq, 0, ggml_row_size(t, n) * rows);
    struct ggml_context * cx = ggml_init(p);
    struct ggml_tensor * X = ggml_new_tensor_2d(cx, GGML_TYPE_F32, n, 1);
    struct ggml_tensor * Y = ggml_mul_mat(cx, W, X);
    struct ggml_cgraph * g = ggml_new_graph(cx);
    ggml_build_forward_expand(g, Y);
    ggml_backend_buffer_t bx = ggml_backend_alloc_ctx_tensors_from_buft(cx, ggml_backend_cpu_buffer_type());
    ggml_backend_tensor_set(X, x, 0, sizeof(float) * n);
    if (ggml_backend_graph_compute(be, g) != GGML_STATUS_SUCCESS) { fprintf(stderr, "graph failed\n"); exit(1); }
    ggml_backend_tensor_get(Y, out, 0, sizeof(float) * rows);
    ggml_backend_buffer_free(bx); ggml_backend_buffer_free(bw);
    ggml_free(cx); ggml_free(cw);
}

// matvec writes hashes of ggml's mul_mat over generated rows, plain and
// repacked: W rows x n and one activation column.
static void matvec(FILE * f, ggml_backend_t be, ggml_backend_buffer_type_t repack,
                   const enum ggml_type * types, int ntypes, int rows, int n, uint64_t seed) {
    float * w = malloc(sizeof(float) * rows * n);
    float * x = malloc(sizeof(float) * n);
    float * out = malloc(sizeof(float) * rows);
    uint64_t st = seed;
    for (int r = 0; r < rows; r++) gen_row(&st, w + (size_t)r * n, n, r);
    gen_row(&st, x, n, 5);
    put_u32(f, rows); put_u32(f, n); put_u32(f, ntypes);
    fwrite(&seed, 8, 1, f);
    for (int k = 0; k < ntypes; k++) {
        enum ggml_type t = types[k];
        size_t rs = ggml_row_size(t, n);
        uint8_t * wq = malloc(rs * rows);
        ggml_quantize_chunk(t, w, wq, 0, rows, n, NULL);
        put_u32(f, t);
        mul_mat(be, ggml_backend_cpu_buffer_type(), t, wq, rows, n, x, out);
        uint64_t h = fnv64(out, sizeof(float) * rows);
        fwrite(&h, 8, 1, f);
        // only Q4_0 and Q4_K have an x86 repack (ggml_repack_get_optimal_repack_type);
        // llama.cpp keeps the other types in the plain buffer
        if (t == GGML_TYPE_Q4_0 || t == GGML_TYPE_Q4_K) {
            mul_mat(be, repack, t, wq, rows, n, x, out);
            h = fnv64(out, sizeof(float) * rows);
        }
        fwrite(&h, 8, 1, f);
        free(wq);
    }
    free(w); free(x); free(out);
}

int main(int argc, char ** argv) {
    if (argc != 2) { fprintf(stderr, "usage: gen out.bin\n"); return 2; }
    ggml_cpu_init();
    FILE * f = fopen(argv[1], "wb");
    if (!f) { perror(argv[1]); return 1; }
    fwrite("QGLD", 1, 4, f);
    put_u32(f, 4); // version
    put_u32(f, 2); // stored sections
    const enum ggml_type all[] = { GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_BF16, GGML_TYPE_Q4_0,
                                   GGML_TYPE_Q8_0, GGML_TYPE_Q4_K, GGML_TYPE_Q5_K, GGML_TYPE_Q6_K };
    section(f, all, 8, 12, 512);
    // rows whose length is not a multiple of 64: the float kernels' tails
    const enum ggml_type small[] = { GGML_TYPE_F32, GGML_TYPE_F16, GGML_TYPE_BF16, GGML_TYPE_Q4_0, GGML_TYPE_Q8_0 };
    section(f, small, 5, 12, 352);
    // generated sections, hashes only: Mistral 7B row lengths
    put_u32(f, 3);
    hashed(f, all, 8, 64, 4096, 1);
    hashed(f, all, 8, 8, 14336, 2);
    hashed(f, small, 5, 16, 4160, 3);

    // mul_mat through the graph, plain and repacked (generation: one column)
    ggml_backend_t be = ggml_backend_cpu_init();
    ggml_backend_cpu_set_n_threads(be, 1);
    void * cpu = dlopen("libggml-cpu-zen4.so", RTLD_NOW | RTLD_NOLOAD);
    ggml_backend_buffer_type_t (*repack_buft)(void) =
        cpu ? (ggml_backend_buffer_type_t (*)(void)) dlsym(cpu, "_Z35ggml_backend_cpu_repack_buffer_typev") : NULL;
    if (!repack_buft) { fprintf(stderr, "no repack buffer type in libggml-cpu-zen4.so\n"); return 1; }
    put_u32(f, 1);
    matvec(f, be, repack_buft(), all, 8, 64, 4096, 4);
    ggml_backend_free(be);
    fclose(f);
    return 0;
}
