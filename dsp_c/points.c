/* points.c -- FastTracker II's drawn envelopes and auto-vibrato, stepped a tick at a time.
 *
 * Positions are in ticks from the note's start. While the key is held an envelope stops at
 * its sustain point; its loop sends it from the loop's end point back to its start point,
 * and keeps doing so after the release unless the loop ends on the sustain point (FT2).
 */
#include <math.h>
#include "tk_internal.h"

float tk_points_value(const tk_env_points *env, uint32_t pos)
{
    uint32_t last = env->count - 1u;
    if (pos <= env->tick[0])
        return env->value[0];
    if (pos >= env->tick[last])
        return env->value[last];
    uint32_t i = 0;
    while (env->tick[i + 1] <= pos)
        i++;
    float span = (float)(env->tick[i + 1] - env->tick[i]);
    float share = (float)(pos - env->tick[i]) / span;
    return env->value[i] + (env->value[i + 1] - env->value[i]) * share;
}

void tk_points_advance(const tk_env_points *env, uint32_t *pos, int released)
{
    if (!released && env->sustain < env->count && *pos == env->tick[env->sustain])
        return;
    uint32_t end = env->tick[env->count - 1];
    if (*pos < end)
        (*pos)++;
    int loops = env->loop_start < env->count && env->loop_end < env->count;
    if (loops && *pos >= env->tick[env->loop_end] && !(released && env->sustain == env->loop_end))
        *pos = env->tick[env->loop_start];
}

/* The auto-vibrato wave at pos (256 steps a cycle), -64..64, as FT2 computes it. */
static int32_t vibrato_wave(uint8_t wave, uint8_t pos)
{
    switch (wave) {
    case TK_VIB_SQUARE: return pos > 127 ? 64 : -64;
    case TK_VIB_RAMP_UP: return (((pos >> 1) + 64) & 127) - 64;
    case TK_VIB_RAMP_DOWN: return (((0 - (pos >> 1)) + 64) & 127) - 64;
    default: /* FT2's table goes negative first: added to the period, the pitch goes up */
        return -(int32_t)lrintf(64.0f * sinf((float)pos * (6.2831853f / 256.0f)));
    }
}

void tk_autovibrato_start(const tk_instrument *ins, tk_autovibrato *vib)
{
    vib->pos = 0;
    if (ins->vibrato_sweep_ticks) {
        vib->amp = 0;
        vib->sweep = ((uint32_t)ins->vibrato_depth << 8) / ins->vibrato_sweep_ticks;
    } else {
        vib->amp = (uint32_t)ins->vibrato_depth << 8;
        vib->sweep = 0;
    }
}

float tk_autovibrato_step(const tk_instrument *ins, tk_autovibrato *vib, int released)
{
    if (vib->sweep && !released) {
        vib->amp += vib->sweep;
        if ((vib->amp >> 8) >= ins->vibrato_depth) {
            vib->amp = (uint32_t)ins->vibrato_depth << 8;
            vib->sweep = 0;
        }
    }
    vib->pos = (uint8_t)(vib->pos + ins->vibrato_rate);
    /* FT2 adds this to a period: 1/64 semitone in linear mode, and a longer period is lower */
    int32_t period = vibrato_wave(ins->vibrato_wave, vib->pos) * (int32_t)vib->amp / (1 << 14);
    return -(float)period;
}
