// Peer: a plain C byte loop over a text 0.0.4 body, the floor any parser is measured against.
// It finds each sample line's series (respecting quoted label values), converts the value with
// strtod, and does nothing else: no validation, no label handling, no series lookup.
// Output: one JSON line shaped like `vigil bench parse`.
// Build: cc -O2 -o byteloop byteloop.c    Run: ./byteloop FILE [RUNS] [WARMUP]
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static unsigned long long now(clockid_t clock) {
    struct timespec spec;
    clock_gettime(clock, &spec);
    return (unsigned long long)spec.tv_sec * 1000000000ull + (unsigned long long)spec.tv_nsec;
}

static int cmp(const void *a, const void *b) {
    unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;
    return x < y ? -1 : x > y;
}

static long pass(const char *body, size_t size, double *checksum) {
    long samples = 0;
    const char *p = body, *end = body + size;
    while (p < end) {
        if (*p == '#' || *p == '\n') {
            while (p < end && *p != '\n') p++;
            p++;
            continue;
        }
        int quoted = 0;
        while (p < end && *p != '\n') {
            char c = *p;
            if (quoted) {
                if (c == '\\') p++;
                else if (c == '"') quoted = 0;
            } else if (c == '"') {
                quoted = 1;
            } else if (c == ' ') {
                break;
            }
            p++;
        }
        char *after;
        *checksum += strtod(p, &after);
        samples++;
        p = after;
        while (p < end && *p != '\n') p++;
        p++;
    }
    return samples;
}

int main(int argc, char **argv) {
    if (argc < 2) { fprintf(stderr, "usage: byteloop FILE [RUNS] [WARMUP]\n"); return 2; }
    int runs = argc > 2 ? atoi(argv[2]) : 10, warmup = argc > 3 ? atoi(argv[3]) : 1;
    FILE *file = fopen(argv[1], "rb");
    if (!file) { perror(argv[1]); return 1; }
    fseek(file, 0, SEEK_END);
    size_t size = (size_t)ftell(file);
    fseek(file, 0, SEEK_SET);
    char *body = malloc(size + 1);
    if (fread(body, 1, size, file) != size) { perror("read"); return 1; }
    body[size] = 0;
    fclose(file);
    double checksum = 0;
    long samples = 0;
    for (int i = 0; i < warmup; i++) samples = pass(body, size, &checksum);
    unsigned long long *wall = calloc((size_t)runs, sizeof *wall), *cpu = calloc((size_t)runs, sizeof *cpu);
    for (int i = 0; i < runs; i++) {
        unsigned long long w = now(CLOCK_MONOTONIC), c = now(CLOCK_PROCESS_CPUTIME_ID);
        samples = pass(body, size, &checksum);
        cpu[i] = now(CLOCK_PROCESS_CPUTIME_ID) - c;
        wall[i] = now(CLOCK_MONOTONIC) - w;
    }
    printf("{\"peer\":\"c-byteloop\",\"impl\":\"plain C byte loop + strtod\",\"bytes\":%zu,\"samples\":%ld,\"runs_ns\":[", size, samples);
    for (int i = 0; i < runs; i++) printf(i ? ",%llu" : "%llu", wall[i]);
    printf("],\"cpu_ns\":[");
    for (int i = 0; i < runs; i++) printf(i ? ",%llu" : "%llu", cpu[i]);
    qsort(wall, (size_t)runs, sizeof *wall, cmp);
    unsigned long long median = wall[runs / 2];
    printf("],\"median_ns\":%llu,\"ns_per_sample\":%.3f,\"allocs_per_sample\":null,\"checksum\":%.3f}\n", median,
           (double)median / (double)(samples ? samples : 1), checksum);
    return 0;
}
