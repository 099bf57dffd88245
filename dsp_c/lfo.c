/* lfo.c -- control-rate LFO.
 *
 * Every shape follows the sine: it rises through 0 at phase 0 (the square is
 * +1 for the first half cycle), so a key-synced LFO starts from no offset.
 * The saw ramps up. The random shape holds one value per cycle; a new value
 * is drawn at each wrap whatever the shape, so switching to random mid-note
 * gives the same values as having been on random all along.
 */
#include <math.h>
#include "tk_units.h"

void tk_lfo_init(tk_lfo *lfo, uint32_t seed)
{
    lfo->phase = 0.0;
    lfo->rand_state = tk_rng_seed(seed);
    lfo->held = tk_rng_bipolar(&lfo->rand_state);
}

float tk_lfo_next(tk_lfo *lfo, uint8_t shape, float rate_hz, uint32_t frames, float sample_rate_hz)
{
    double rate = rate_hz > 0.0f ? (double)rate_hz : 0.0;
    double p = lfo->phase + rate * (double)frames / (double)sample_rate_hz;
    if (!(p < 1.0)) {
        p -= floor(p);
        if (!(p >= 0.0 && p < 1.0))     /* a NaN or infinite advance */
            p = 0.0;
        lfo->held = tk_rng_bipolar(&lfo->rand_state);
    }
    lfo->phase = p;

    float x = (float)p;
    switch (shape) {
    case TK_LFO_SINE:
        return sinf(6.28318530718f * x);
    case TK_LFO_TRIANGLE:
        return x < 0.25f ? 4.0f * x : (x < 0.75f ? 2.0f - 4.0f * x : 4.0f * x - 4.0f);
    case TK_LFO_SAW:
        return x < 0.5f ? 2.0f * x : 2.0f * x - 2.0f;
    case TK_LFO_SQUARE:
        return x < 0.5f ? 1.0f : -1.0f;
    case TK_LFO_RANDOM:
        return lfo->held;
    default:
        return 0.0f;
    }
}
