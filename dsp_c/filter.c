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
    /* fmaxf first: a NaN control lands on the lower limit. */
    float cutoff = fminf(fmaxf(cutoff_hz, MIN_CUTOFF_HZ), MAX_CUTOFF_RATIO * sample_rate_hz);
    float res = fminf(fmaxf(resonance, 0.0f), 1.0f);
    float amount = fminf(fmaxf(drive, 0.0f), 1.0f);
    float g = tanf(PI_F * cutoff / sample_rate_hz);
    float k = fmaxf(2.0f - 2.0f * res, MIN_DAMPING);

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
    x = fminf(fmaxf(x, -3.0f), 3.0f);
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

void tk_filter_process(tk_filter *f, float *buf, uint32_t n)
{
    /* output = m0 * input + m1 * band + m2 * low */
    float m0, m1, m2;
    switch (f->type) {
    case TK_FILTER_LOWPASS:  m0 = 0.0f; m1 = 0.0f;   m2 = 1.0f;  break;
    case TK_FILTER_BANDPASS: m0 = 0.0f; m1 = 1.0f;   m2 = 0.0f;  break;
    case TK_FILTER_HIGHPASS: m0 = 1.0f; m1 = -f->k;  m2 = -1.0f; break;
    default: return;
    }

    if (f->drive_gain > 1.0f)
        saturate(buf, n, f->drive_gain);

    const float a1 = f->a1, a2 = f->a2, a3 = f->a3;
    float ic1eq = f->ic1eq, ic2eq = f->ic2eq;
    for (uint32_t i = 0; i < n; i++) {
        float v0 = buf[i];
        float v3 = v0 - ic2eq;
        float v1 = a1 * ic1eq + a2 * v3;
        float v2 = ic2eq + a2 * ic1eq + a3 * v3;
        ic1eq = 2.0f * v1 - ic1eq;
        ic2eq = 2.0f * v2 - ic2eq;
        buf[i] = m0 * v0 + m1 * v1 + m2 * v2;
    }
    f->ic1eq = ic1eq;
    f->ic2eq = ic2eq;
}

/* Not in tk_filter_process: its calls end wherever the host's blocks do, and
 * a flush there would make a decaying tail depend on the block size. */
void tk_filter_flush(tk_filter *f)
{
    f->ic1eq = flush(f->ic1eq);
    f->ic2eq = flush(f->ic2eq);
}
