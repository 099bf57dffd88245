/* filter.c -- resonant state-variable filter with input drive.
 *
 * Andrew Simper's (Cytomic) trapezoidal SVF, "SvfLinearTrapOptimised2":
 * two integrators whose states ic1eq/ic2eq are the trapezoidal
 * "equivalent currents". It keeps its tuning and resonance up to Nyquist and
 * does not blow up when the cutoff moves every control block.
 */
#include <float.h>
#include <math.h>
#include "tk_units.h"

#define PI_F 3.14159265358979f

#define MIN_CUTOFF_HZ      10.0f
#define MAX_CUTOFF_RATIO   0.49f    /* of the sample rate */
#define MIN_DAMPING        0.02f    /* k at resonance 1: Q = 50, just short of oscillation */
#define MAX_DRIVE_GAIN     8.0f
#define DENORMAL_FLOOR     1e-15f

/* lo..hi, and lo for a NaN, like fminf(fmaxf(x, lo), hi); written out because
 * without -ffinite-math-only those two are calls into libm. */
static inline float clamp_to(float x, float lo, float hi)
{
    x = x > lo ? x : lo;
    return x < hi ? x : hi;
}

void tk_filter_init(tk_filter *f)
{
    f->ic1eq = 0.0f;
    f->ic2eq = 0.0f;
    /* g = 0, k = 2: a filter that is closed but consistent. */
    f->g = 0.0f;
    f->k = 2.0f;
    f->a1 = 1.0f;
    f->a2 = 0.0f;
    f->a3 = 0.0f;
    f->drive_gain = 1.0f;
    f->type = TK_FILTER_OFF;
}

void tk_filter_set(tk_filter *f, uint8_t type, float cutoff_hz, float resonance,
                   float drive, float sample_rate_hz)
{
    /* A NaN control lands on the lower limit. */
    float cutoff = clamp_to(cutoff_hz, MIN_CUTOFF_HZ, MAX_CUTOFF_RATIO * sample_rate_hz);
    float res = clamp_to(resonance, 0.0f, 1.0f);
    float amount = clamp_to(drive, 0.0f, 1.0f);
    float g = tanf(PI_F * cutoff / sample_rate_hz);
    float k = clamp_to(2.0f - 2.0f * res, MIN_DAMPING, 2.0f);

    f->type = type;
    f->g = g;
    f->k = k;
    f->a1 = 1.0f / (1.0f + g * (g + k));
    f->a2 = g * f->a1;
    f->a3 = g * f->a2;
    f->drive_gain = 1.0f + (MAX_DRIVE_GAIN - 1.0f) * amount;
}

/* Rational tanh: x(27 + x^2) / (27 + 9x^2), exact 1 with zero slope at |x| = 3. */
static inline float soft_clip(float x)
{
    x = clamp_to(x, -3.0f, 3.0f);
    float x2 = x * x;
    return x * (27.0f + x2) / (27.0f + 9.0f * x2);
}

/* Drive shapes rather than boosts: the gain that takes a peak of 1 back to 1
 * follows the clipper, so a full-scale oscillator keeps its level and only
 * grows squarer as the drive goes up. */
static void saturate(float *buf, uint32_t n, float gain)
{
    float makeup = 1.0f / soft_clip(gain);
    for (uint32_t i = 0; i < n; i++)
        buf[i] = soft_clip(buf[i] * gain) * makeup;
}

static inline float flush(float x)
{
    return fabsf(x) >= DENORMAL_FLOOR && fabsf(x) <= FLT_MAX ? x : 0.0f;
}

/* Simper's step multiplied out into state-space form:
 *   ic1eq' = (2 a1 - 1) ic1eq - 2 a2 ic2eq + 2 a2 v0
 *   ic2eq' = 2 a2 ic1eq + (1 - 2 a3) ic2eq + 2 a3 v0
 * The sample loop is bound by the chain from one state to the next, here a
 * multiply and two adds against five dependent operations the usual way
 * (v3 = v0 - ic2eq, v1 = a1 ic1eq + a2 v3, ic1eq = 2 v1 - ic1eq, ...). The
 * trapezoidal states give the outputs for free: band v1 is the mean of ic1eq
 * before and after the step, low v2 the mean of ic2eq. `type` is a constant
 * at each call, so each type gets its own loop computing only its output. */
static inline void run_svf(tk_filter *f, float *buf, uint32_t n, uint8_t type)
{
    const float a1 = f->a1, a2 = f->a2, a3 = f->a3, k = f->k;
    const float s11 = 2.0f * a1 - 1.0f, s12 = -2.0f * a2, u1 = 2.0f * a2;
    const float s21 = 2.0f * a2, s22 = 1.0f - 2.0f * a3, u2 = 2.0f * a3;
    float ic1eq = f->ic1eq, ic2eq = f->ic2eq;
    for (uint32_t i = 0; i < n; i++) {
        float v0 = buf[i];
        float next1 = s11 * ic1eq + (s12 * ic2eq + u1 * v0);
        float next2 = s21 * ic1eq + (s22 * ic2eq + u2 * v0);
        float band = 0.5f * (ic1eq + next1), low = 0.5f * (ic2eq + next2);
        buf[i] = type == TK_FILTER_LOWPASS    ? low
                 : type == TK_FILTER_BANDPASS ? band
                                              : v0 - k * band - low;
        ic1eq = next1;
        ic2eq = next2;
    }
    f->ic1eq = ic1eq;
    f->ic2eq = ic2eq;
}

void tk_filter_process(tk_filter *f, float *buf, uint32_t n)
{
    if (f->type != TK_FILTER_LOWPASS && f->type != TK_FILTER_BANDPASS &&
        f->type != TK_FILTER_HIGHPASS)
        return;
    if (f->drive_gain > 1.0f)
        saturate(buf, n, f->drive_gain);
    switch (f->type) {
    case TK_FILTER_LOWPASS: run_svf(f, buf, n, TK_FILTER_LOWPASS); break;
    case TK_FILTER_BANDPASS: run_svf(f, buf, n, TK_FILTER_BANDPASS); break;
    default: run_svf(f, buf, n, TK_FILTER_HIGHPASS); break;
    }
}

/* Not in tk_filter_process: its calls end wherever the host's blocks do, and
 * a flush there would make a decaying tail depend on the block size. */
void tk_filter_flush(tk_filter *f)
{
    f->ic1eq = flush(f->ic1eq);
    f->ic2eq = flush(f->ic2eq);
}
