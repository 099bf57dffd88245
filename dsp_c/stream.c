/* stream.c -- the real-time edge: the host's callback and a silent clock-driven output.
 *
 * PortAudio calls tk_stream_callback directly from its audio thread, so no
 * Python (and no GIL) is ever between the sound card and the kernel. The null
 * stream runs the same callback from a thread of its own, paced by the
 * monotonic clock, for machines with no sound card. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "tk_internal.h"

double tk_stream_clock_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);  /* a vDSO read: no system call, no lock */
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint32_t float_bits(float x)
{
    uint32_t bits;
    memcpy(&bits, &x, sizeof bits);
    return bits;
}

static void publish_clock(tk_engine *e, uint64_t frame, double time_s)
{
    uint64_t time_bits;
    memcpy(&time_bits, &time_s, sizeof time_bits);
    uint32_t seq = atomic_load_explicit(&e->clock_seq, memory_order_relaxed);
    atomic_store_explicit(&e->clock_seq, seq + 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_release);
    atomic_store_explicit(&e->clock_frame, frame, memory_order_relaxed);
    atomic_store_explicit(&e->clock_time_bits, time_bits, memory_order_relaxed);
    atomic_store_explicit(&e->clock_seq, seq + 2, memory_order_release);
}

static void record_load(tk_engine *e, float load)
{
    uint64_t n = atomic_load_explicit(&e->callbacks, memory_order_relaxed);
    e->load_history[n % TK_LOAD_HISTORY] = load;
    atomic_store_explicit(&e->load_last_bits, float_bits(load), memory_order_relaxed);
    /* positive floats order like their bit patterns; only this thread raises the max */
    if (float_bits(load) > atomic_load_explicit(&e->load_max_bits, memory_order_relaxed))
        atomic_store_explicit(&e->load_max_bits, float_bits(load), memory_order_relaxed);
    atomic_store_explicit(&e->callbacks, n + 1, memory_order_release);
}

int tk_stream_callback(const void *input, void *output, unsigned long frames,
                       const tk_stream_time *time, unsigned long status_flags, void *user)
{
    (void)input;
    tk_engine *e = user;
    double start_s = tk_stream_clock_now_s();
    if (status_flags & TK_STATUS_OUTPUT_UNDERFLOW)
        atomic_fetch_add_explicit(&e->underflows, 1, memory_order_relaxed);

    /* Some host APIs leave the DAC time at 0; the current time is then the best guess. */
    double heard_s = start_s;
    if (time && time->output_dac_s > 0.0)
        heard_s = time->output_dac_s;
    else if (time && time->current_s > 0.0)
        heard_s = time->current_s;
    e->anchor_frame = e->frame;
    e->anchor_time_s = heard_s;
    publish_clock(e, e->frame, heard_s);

    float *out = output;
    unsigned long done = 0;
    while (done < frames) {  /* render takes uint32_t frames; hosts never come close, but be exact */
        unsigned long n = frames - done > 1u << 20 ? 1u << 20 : frames - done;
        tk_engine_render(e, out + 2 * done, (uint32_t)n);
        done += n;
    }

    double block_s = (double)frames / e->rate_hz;
    if (block_s > 0.0)
        record_load(e, (float)((tk_stream_clock_now_s() - start_s) / block_s));
    return 0;
}

int tk_engine_get_clock(const tk_engine *engine, uint64_t *frame, double *time_s)
{
    tk_engine *e = (tk_engine *)engine; /* atomic loads need a non-const object in C11 */
    uint32_t before, after;
    uint64_t f, bits;
    do {
        before = atomic_load_explicit(&e->clock_seq, memory_order_acquire);
        f = atomic_load_explicit(&e->clock_frame, memory_order_relaxed);
        bits = atomic_load_explicit(&e->clock_time_bits, memory_order_relaxed);
        atomic_thread_fence(memory_order_acquire);
        after = atomic_load_explicit(&e->clock_seq, memory_order_relaxed);
    } while (before != after || (before & 1u));
    *frame = f;
    memcpy(time_s, &bits, sizeof *time_s);
    return before != 0;
}

uint32_t tk_engine_read_loads(const tk_engine *engine, uint64_t *since, float *out, uint32_t max)
{
    tk_engine *e = (tk_engine *)engine;
    uint64_t newest = atomic_load_explicit(&e->callbacks, memory_order_acquire);
    /* keep a margin: the audio thread may be overwriting the oldest slots right now */
    uint64_t oldest = newest > TK_LOAD_HISTORY / 2 ? newest - TK_LOAD_HISTORY / 2 : 0;
    uint64_t from = *since < oldest ? oldest : *since;
    uint32_t copied = 0;
    for (uint64_t n = from; n < newest && copied < max; n++)
        out[copied++] = e->load_history[n % TK_LOAD_HISTORY];
    *since = from + copied;
    return copied;
}

void tk_engine_reset_load_max(tk_engine *e)
{
    atomic_store_explicit(&e->load_max_bits, 0, memory_order_relaxed);
}

/* ---- the null stream ------------------------------------------------------ */

struct tk_null_stream {
    pthread_t thread;
    tk_engine *engine;
    uint32_t block_frames;
    _Atomic int running;
    float *buffer;                  /* 2 * block_frames; the audio goes nowhere */
};

static void add_seconds(struct timespec *ts, double seconds)
{
    double ns = (double)ts->tv_nsec + seconds * 1e9;
    long whole = (long)(ns / 1e9);
    ts->tv_sec += whole;
    ts->tv_nsec = (long)(ns - (double)whole * 1e9);
}

static void *null_stream_run(void *arg)
{
    tk_null_stream *s = arg;
    double period_s = (double)s->block_frames / s->engine->rate_hz;
    struct timespec deadline;
    clock_gettime(CLOCK_MONOTONIC, &deadline);
    while (atomic_load_explicit(&s->running, memory_order_acquire)) {
        double now_s = tk_stream_clock_now_s();
        tk_stream_time t = { 0.0, now_s, now_s + period_s };
        tk_stream_callback(NULL, s->buffer, s->block_frames, &t, 0, s->engine);
        add_seconds(&deadline, period_s);
        double late_s = tk_stream_clock_now_s() -
                        ((double)deadline.tv_sec + (double)deadline.tv_nsec * 1e-9);
        if (late_s > 4 * period_s) /* suspended or starved: resume from now rather than race */
            clock_gettime(CLOCK_MONOTONIC, &deadline);
        while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, NULL) == EINTR) {
        }
    }
    return NULL;
}

tk_null_stream *tk_null_stream_start(tk_engine *engine, uint32_t block_frames)
{
    if (block_frames == 0 || block_frames > 1u << 16)
        return NULL;
    tk_null_stream *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->buffer = calloc(2 * (size_t)block_frames, sizeof(float));
    s->engine = engine;
    s->block_frames = block_frames;
    atomic_store(&s->running, 1);
    if (!s->buffer || pthread_create(&s->thread, NULL, null_stream_run, s) != 0) {
        free(s->buffer);
        free(s);
        return NULL;
    }
    return s;
}

void tk_null_stream_stop(tk_null_stream *s)
{
    if (!s)
        return;
    atomic_store_explicit(&s->running, 0, memory_order_release);
    pthread_join(s->thread, NULL);
    free(s->buffer);
    free(s);
}
