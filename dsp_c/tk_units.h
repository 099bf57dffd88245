/* tk_units.h -- the synth's building blocks: oscillators, filter, envelopes, LFO.
 *
 * Internal to the kernel. Every unit follows the same shape: a state struct,
 * tk_<unit>_init() to reset it, and a render or next function that the voice
 * calls from the audio thread. All functions are audio-safe: no allocation,
 * no locks, no I/O, bounded time. Control values (frequencies, widths,
 * coefficients) are held constant over one call; the voice calls at most
 * TK_CONTROL_FRAMES frames at a time and updates controls between calls, at
 * absolute frame positions, so the output never depends on the host's block
 * size. Nothing here keeps hidden state outside its struct.
 */
#ifndef TK_UNITS_H
#define TK_UNITS_H

#include <stdint.h>
#include "tk_dsp.h"

/* ---- deterministic random numbers ----------------------------------------
 * xorshift32, seeded through lowbias32 (Chris Wellons) so neighbouring seeds
 * give unrelated streams. A state of 0 would stick at 0, so it is never 0.
 */
static inline uint32_t tk_rng_seed(uint32_t x)
{
    x ^= x >> 16;
    x *= 0x7feb352du;
    x ^= x >> 15;
    x *= 0x846ca68bu;
    x ^= x >> 16;
    return x ? x : 0x6d2b79f5u;
}

static inline uint32_t tk_rng_next(uint32_t *state)
{
    uint32_t x = *state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    *state = x;
    return x;
}

/* -1..+1 */
static inline float tk_rng_bipolar(uint32_t *state)
{
    return (float)tk_rng_next(state) * (1.0f / 2147483648.0f) - 1.0f;
}

/* ---- oscillator (osc.c) --------------------------------------------------
 * Sine, triangle, band-limited saw and pulse (PolyBLEP), noise (xorshift32,
 * deterministic from its seed), and a single-cycle wavetable read with linear
 * interpolation. Output range about -1..+1.
 */
typedef struct tk_osc {
    double phase;                   /* 0..1, cycles */
    uint32_t noise_state;           /* xorshift32 state, never 0 */
    float last_triangle;            /* band-limiting residual carried to the next sample */
} tk_osc;

void tk_osc_init(tk_osc *osc, uint32_t seed);

/* Render n frames (n <= TK_CONTROL_FRAMES) into out.
 *   freq: cycles per sample (frequency_hz / sample_rate_hz), 0..0.5
 *   pulse_width: 0.01..0.99, used by TK_WAVE_PULSE
 *   table, table_frames: the single cycle for TK_WAVE_TABLE (may be NULL otherwise)
 *   sync_out: if not NULL, sync_out[i] is set to the fraction (0..1) of sample
 *             i at which this oscillator wrapped, or -1 when it did not wrap
 *   sync_in:  if not NULL, this oscillator resets its phase where sync_in[i]
 *             >= 0 (hard sync), band-limited where the wave allows it. */
void tk_osc_render(tk_osc *osc, uint8_t wave, double freq, float pulse_width,
                   const float *table, uint32_t table_frames,
                   float *out, float *sync_out, const float *sync_in, uint32_t n);

/* ---- filter (filter.c) ---------------------------------------------------
 * A resonant state-variable filter (topology-preserving transform, trapezoidal
 * integration) with low-, band- and high-pass outputs and input drive
 * (soft saturation). Stable for every cutoff up to just below Nyquist and
 * resonance 0..1 (1 = self-oscillation edge); state is flushed to zero when
 * it becomes denormal or non-finite.
 */
typedef struct tk_filter {
    float ic1eq, ic2eq;             /* integrator states */
    float g, k;                     /* coefficients: tan(pi*fc/fs), damping 2-2*res */
    float a1, a2, a3;               /* derived coefficients */
    float drive_gain;               /* 1 = clean */
    uint8_t type;                   /* enum tk_filter_type */
} tk_filter;

void tk_filter_init(tk_filter *f);

/* Set coefficients. cutoff_hz is clamped to 10 Hz .. 0.49 * sample_rate_hz. */
void tk_filter_set(tk_filter *f, uint8_t type, float cutoff_hz, float resonance,
                   float drive, float sample_rate_hz);

/* Filter n frames in place (n <= TK_CONTROL_FRAMES). TK_FILTER_OFF passes through. */
void tk_filter_process(tk_filter *f, float *buf, uint32_t n);

/* Zero a state that has become denormal or non-finite. Call it at fixed frame
 * positions (control updates), never at block edges, so the output does not
 * depend on the host's block size; denormals then cost at most one control
 * block, and a NaN fed in once cannot stay in the state forever. */
void tk_filter_flush(tk_filter *f);

/* ---- ADSR envelope (envelope.c) ------------------------------------------
 * Evaluated at control rate: tk_env_next() advances by `frames` frames and
 * returns the level 0..1 at the end of that span. Attack is linear; decay and
 * release are exponential-shaped and reach their target in about the given
 * time. A zero time means an instant step.
 */
enum tk_env_stage { TK_ENV_IDLE = 0, TK_ENV_ATTACK, TK_ENV_DECAY, TK_ENV_SUSTAIN, TK_ENV_RELEASE };

typedef struct tk_env {
    float level;                    /* 0..1 */
    uint8_t stage;                  /* enum tk_env_stage */
} tk_env;

void tk_env_init(tk_env *env);
void tk_env_gate_on(tk_env *env);   /* restart from the current level (no click) */
void tk_env_gate_off(tk_env *env);  /* to release from wherever it is */
float tk_env_next(tk_env *env, const tk_adsr *adsr, uint32_t frames, float sample_rate_hz);
/* 1 when the envelope has finished its release (level below -100 dB) */
int tk_env_done(const tk_env *env);

/* ---- LFO (lfo.c) ---------------------------------------------------------
 * Control-rate LFO: tk_lfo_next() advances by `frames` and returns -1..+1.
 * TK_LFO_RANDOM is sample-and-hold, one new value per cycle, deterministic
 * from the seed.
 */
typedef struct tk_lfo {
    double phase;                   /* 0..1 */
    uint32_t rand_state;
    float held;                     /* current sample-and-hold value */
} tk_lfo;

void tk_lfo_init(tk_lfo *lfo, uint32_t seed);
float tk_lfo_next(tk_lfo *lfo, uint8_t shape, float rate_hz, uint32_t frames, float sample_rate_hz);

#endif
