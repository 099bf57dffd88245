/* osc.c -- the synth oscillator: sine, triangle, saw, pulse, noise, wavetable.
 *
 * Saw, triangle and pulse are all straight lines between two corners, so one
 * loop renders the three of them and band-limits every corner it passes: a
 * jump in value gets a PolyBLEP, a jump in slope a PolyBLAMP, each spread
 * over the two samples around it. That covers the wrap, the pulse edge, the
 * triangle's peak and the hard-sync reset alike, at whatever height the
 * reset happens to cut the wave.
 *
 * The half of a correction that falls on the sample after a call's last one
 * is carried in osc->last_triangle (the struct's one float of wave state), so
 * a corner at a block edge is corrected exactly like one inside a block.
 *
 * Sine, noise and the wavetable reset plainly under sync (no band-limiting).
 * sync_out marks a sync reset like a wrap: either way a new cycle starts.
 */
#include <math.h>
#include "tk_units.h"

void tk_osc_init(tk_osc *osc, uint32_t seed)
{
    osc->phase = 0.0;
    osc->noise_state = tk_rng_seed(seed);
    osc->last_triangle = 0.0f;
}

/* ---- straight-line waves, band-limited ---------------------------------- */

/* value(p) = y0 + slope0 * p below the corner, y1 + slope1 * p from it on.
 * Slopes are per cycle. */
typedef struct line_wave {
    double corner;                  /* 0..1, cycles */
    float y0, slope0;
    float y1, slope1;
} line_wave;

static inline float line_value(const line_wave *w, double p)
{
    return p < w->corner ? w->y0 + w->slope0 * (float)p : w->y1 + w->slope1 * (float)p;
}

static inline float line_slope(const line_wave *w, double p)
{
    return p < w->corner ? w->slope0 : w->slope1;
}

/* Correct the two samples around a corner: `step` is its jump in value,
 * `kink` its jump in slope (per sample), and t (0..1 samples) how long before
 * the end of the current interval it happened. `now` is the sample at the
 * start of the interval, `owed` the one at its end. */
static inline void add_corner(float step, float kink, float t, float *now, float *owed)
{
    float u = 1.0f - t;
    *now += step * 0.5f * t * t + kink * (1.0f / 6.0f) * t * t * t;
    *owed += -step * 0.5f * u * u + kink * (1.0f / 6.0f) * u * u * u;
}

/* The jumps in value (step) and slope per sample (kink) at the wave's corner
 * and at its wrap from phase 1 back to 0. */
typedef struct line_jumps {
    float corner_step, corner_kink, wrap_step, wrap_kink;
} line_jumps;

static inline line_jumps jumps_of(const line_wave *w, double dt)
{
    float corner = (float)w->corner;
    line_jumps j = {
        (w->y1 + w->slope1 * corner) - (w->y0 + w->slope0 * corner),
        (w->slope1 - w->slope0) * (float)dt,
        w->y0 - (w->y1 + w->slope1),
        (w->slope0 - w->slope1) * (float)dt,
    };
    return j;
}

/* render_lines without hard sync: the common case, kept to the few
 * operations a sample needs when no corner falls inside it. */
static void render_lines_free(tk_osc *osc, const line_wave *w, double dt, float *out, uint32_t n)
{
    const double corner = w->corner;
    const line_jumps j = jumps_of(w, dt);
    const float corner_step = j.corner_step, corner_kink = j.corner_kink;
    const float wrap_step = j.wrap_step, wrap_kink = j.wrap_kink;
    double p = osc->phase;
    float owed = osc->last_triangle;

    for (uint32_t i = 0; i < n; i++) {
        float now = line_value(w, p) + owed;
        owed = 0.0f;
        double end = p + dt;
        /* the next corner ahead: the wave's own, or the wrap at 1 */
        if (end >= (p < corner ? corner : 1.0)) {
            if (p < corner && corner <= end)
                add_corner(corner_step, corner_kink, (float)((end - corner) / dt), &now, &owed);
            if (end >= 1.0) {
                end -= 1.0;
                add_corner(wrap_step, wrap_kink, (float)(end / dt), &now, &owed);
                if (corner <= end)
                    add_corner(corner_step, corner_kink, (float)((end - corner) / dt), &now, &owed);
            }
        }
        p = end;
        out[i] = now;
    }
    osc->phase = p;
    osc->last_triangle = owed;
}

static void render_lines(tk_osc *osc, const line_wave *w, double dt,
                         float *out, float *sync_out, const float *sync_in, uint32_t n)
{
    if (!sync_out && !sync_in) {
        render_lines_free(osc, w, dt, out, n);
        return;
    }
    const double corner = w->corner;
    const line_jumps j = jumps_of(w, dt);
    const float corner_step = j.corner_step, corner_kink = j.corner_kink;
    const float wrap_step = j.wrap_step, wrap_kink = j.wrap_kink;
    double p = osc->phase;
    float owed = osc->last_triangle;

    for (uint32_t i = 0; i < n; i++) {
        float now = line_value(w, p) + owed;
        float wrapped_at = -1.0f;
        owed = 0.0f;
        if (sync_in && sync_in[i] >= 0.0f) {
            double f = sync_in[i] < 1.0f ? (double)sync_in[i] : 1.0;
            double end = p + dt;    /* where the phase would have got to */
            double q = p + f * dt;  /* where the reset finds it */
            if (q >= 1.0) {
                if (p < corner)
                    add_corner(corner_step, corner_kink, (float)((end - corner) / dt), &now, &owed);
                add_corner(wrap_step, wrap_kink, (float)((end - 1.0) / dt), &now, &owed);
                q -= 1.0;
                end -= 1.0;
                if (corner <= q)
                    add_corner(corner_step, corner_kink, (float)((end - corner) / dt), &now, &owed);
            } else if (p < corner && corner <= q) {
                add_corner(corner_step, corner_kink, (float)((end - corner) / dt), &now, &owed);
            }
            add_corner(w->y0 - line_value(w, q), (w->slope0 - line_slope(w, q)) * (float)dt,
                       (float)(1.0 - f), &now, &owed);
            p = (1.0 - f) * dt;
            if (corner <= p)
                add_corner(corner_step, corner_kink, (float)((p - corner) / dt), &now, &owed);
            wrapped_at = (float)f;
        } else {
            double end = p + dt;
            if (p < corner && corner <= end)
                add_corner(corner_step, corner_kink, (float)((end - corner) / dt), &now, &owed);
            if (end >= 1.0) {
                end -= 1.0;
                add_corner(wrap_step, wrap_kink, (float)(end / dt), &now, &owed);
                if (corner <= end)
                    add_corner(corner_step, corner_kink, (float)((end - corner) / dt), &now, &owed);
                wrapped_at = (float)(1.0 - end / dt);
            }
            p = end;
        }
        out[i] = now;
        if (sync_out)
            sync_out[i] = wrapped_at;
    }
    osc->phase = p;
    osc->last_triangle = owed;
}

/* ---- smooth waves: phase first, then shape ------------------------------ */

/* Phase at each sample (before it advances); returns the phase after n. */
static double fill_phases(double p, double dt, double *phase, float *sync_out,
                          const float *sync_in, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        float wrapped_at = -1.0f;
        phase[i] = p;
        if (sync_in && sync_in[i] >= 0.0f) {
            double f = sync_in[i] < 1.0f ? (double)sync_in[i] : 1.0;
            p = (1.0 - f) * dt;
            wrapped_at = (float)f;
        } else {
            p += dt;
            if (p >= 1.0) {
                p -= 1.0;
                wrapped_at = (float)(1.0 - p / dt);
            }
        }
        if (sync_out)
            sync_out[i] = wrapped_at;
    }
    return p;
}

/* sin(2 pi p) for p in 0..1: fold to a quarter wave, then Taylor to z^11
 * (within 3e-7 of sin once the float phase is counted). Cheaper than sinf,
 * and the same bits on every libm. The fold is the distance from the peak,
 * |p + 0.25 (mod 1) - 0.5|, written as the nearer of the two unwrapped
 * candidates: a float min vectorises where a wrap of p would not. */
static inline float sine_cycle(double p)
{
    float before_wrap = fabsf((float)(p + 0.25) - 0.5f);
    float after_wrap = fabsf((float)(p - 0.75) - 0.5f);
    float z = 6.28318530718f * (0.25f - (before_wrap < after_wrap ? before_wrap : after_wrap));
    float z2 = z * z;
    return z * (1.0f + z2 * (-1.0f / 6.0f + z2 * (1.0f / 120.0f + z2 * (-1.0f / 5040.0f +
           z2 * (1.0f / 362880.0f + z2 * (-1.0f / 39916800.0f))))));
}

static float table_read(const float *table, uint32_t frames, double p)
{
    double x = p * (double)frames;
    uint32_t j = (uint32_t)x;
    if (j >= frames)        /* p just below 1 can round up to the last frame + 1 */
        j = frames - 1;
    uint32_t k = j + 1 < frames ? j + 1 : 0;
    float frac = (float)(x - (double)j);
    return table[j] + (table[k] - table[j]) * frac;
}

static void render_smooth(tk_osc *osc, uint8_t wave, double dt, const float *table,
                          uint32_t table_frames, float *out, float *sync_out,
                          const float *sync_in, uint32_t n)
{
    double phase[TK_CONTROL_FRAMES];
    /* Noise never reads its phase; it keeps one only to mark or take a sync. */
    if (wave != TK_WAVE_NOISE || sync_out || sync_in)
        osc->phase = fill_phases(osc->phase, dt, phase, sync_out, sync_in, n);

    switch (wave) {
    case TK_WAVE_SINE:
        for (uint32_t i = 0; i < n; i++)
            out[i] = sine_cycle(phase[i]);
        break;
    case TK_WAVE_NOISE: {
        uint32_t state = osc->noise_state;
        for (uint32_t i = 0; i < n; i++)
            out[i] = tk_rng_bipolar(&state);
        osc->noise_state = state;
        break;
    }
    case TK_WAVE_TABLE:
        for (uint32_t i = 0; i < n; i++)
            out[i] = table_read(table, table_frames, phase[i]);
        break;
    default:
        for (uint32_t i = 0; i < n; i++)
            out[i] = 0.0f;
        break;
    }
}

/* ---- one call ------------------------------------------------------------ */

void tk_osc_render(tk_osc *osc, uint8_t wave, double freq, float pulse_width,
                   const float *table, uint32_t table_frames,
                   float *out, float *sync_out, const float *sync_in, uint32_t n)
{
    /* Clamping keeps the phase in 0..1 with one wrap per sample at most. */
    double dt = freq > 0.0 ? (freq < 0.5 ? freq : 0.5) : 0.0;
    float width = pulse_width > 0.01f ? (pulse_width < 0.99f ? pulse_width : 0.99f) : 0.01f;
    line_wave w;

    if (!(osc->phase >= 0.0 && osc->phase < 1.0))
        osc->phase = 0.0;
    if (wave == TK_WAVE_TABLE && !(table && table_frames > 0))
        wave = TK_WAVE_OFF;

    switch (wave) {
    case TK_WAVE_SAW:       /* -1 rising to +1; the corner is only a placeholder */
        w = (line_wave){ 0.5, -1.0f, 2.0f, -1.0f, 2.0f };
        break;
    case TK_WAVE_TRIANGLE:  /* -1 at phase 0, +1 at phase 0.5 */
        w = (line_wave){ 0.5, -1.0f, 4.0f, 3.0f, -4.0f };
        break;
    case TK_WAVE_PULSE:     /* +1 until the width, then -1; DC is left in, as on analog */
        w = (line_wave){ width, 1.0f, 0.0f, -1.0f, 0.0f };
        break;
    default:
        /* A control block at a time, so the phase buffer fits on the stack. */
        while (n > 0) {
            uint32_t m = n < TK_CONTROL_FRAMES ? n : TK_CONTROL_FRAMES;
            render_smooth(osc, wave, dt, table, table_frames, out, sync_out, sync_in, m);
            out += m;
            sync_out = sync_out ? sync_out + m : NULL;
            sync_in = sync_in ? sync_in + m : NULL;
            n -= m;
        }
        return;
    }
    render_lines(osc, &w, dt, out, sync_out, sync_in, n);
}
