/* envelope.c -- ADSR at control rate.
 *
 * Attack rises at 1/attack_s per second, so from a level already above 0
 * (a retrigger) it arrives sooner; only the level is kept, never a start
 * point. Decay and release close 60 dB of their distance to the target in
 * their time (ln 1000 = 6.9 time constants), and a span that finishes the
 * attack spends its remaining frames in the decay, so the level does not
 * depend on where the control blocks fall.
 */
#include <math.h>
#include "tk_units.h"

#define TIME_CONSTANTS_60DB  6.9f   /* ln(1000) */
#define SILENT_LEVEL         1e-5f  /* -100 dB */

void tk_env_init(tk_env *env)
{
    env->level = 0.0f;
    env->stage = TK_ENV_IDLE;
}

void tk_env_gate_on(tk_env *env)
{
    env->stage = TK_ENV_ATTACK;
}

void tk_env_gate_off(tk_env *env)
{
    if (env->stage != TK_ENV_IDLE)
        env->stage = TK_ENV_RELEASE;
}

/* How much of the distance to the target is left after `frames`. */
static float remaining(float time_s, float frames, float sample_rate_hz)
{
    return expf(-frames * TIME_CONSTANTS_60DB / (time_s * sample_rate_hz));
}

float tk_env_next(tk_env *env, const tk_adsr *adsr, uint32_t frames, float sample_rate_hz)
{
    float left = (float)frames;
    float level = env->level;
    float sustain = fminf(fmaxf(adsr->sustain, 0.0f), 1.0f);

    /* `!(t > 0)` also catches NaN: a time that is not positive is instant. */
    if (env->stage == TK_ENV_ATTACK) {
        if (!(adsr->attack_s > 0.0f)) {
            level = 1.0f;
            env->stage = TK_ENV_DECAY;
        } else {
            float attack_frames = adsr->attack_s * sample_rate_hz;
            float to_peak = (1.0f - level) * attack_frames;
            if (left < to_peak) {
                level += left / attack_frames;
                left = 0.0f;
            } else {
                level = 1.0f;
                left -= to_peak;
                env->stage = TK_ENV_DECAY;
            }
        }
    }

    switch (env->stage) {
    case TK_ENV_DECAY:
    case TK_ENV_SUSTAIN:
        /* Sustain keeps following the target, so a changed sustain glides. */
        if (!(adsr->decay_s > 0.0f) || level == sustain)
            level = sustain; /* settled: skip the expf */
        else
            level = sustain + (level - sustain) * remaining(adsr->decay_s, left, sample_rate_hz);
        if (fabsf(level - sustain) < SILENT_LEVEL) {
            level = sustain;
            env->stage = TK_ENV_SUSTAIN;
        }
        /* A decay to a silent sustain is over, as a release would be:
         * a held drum hit frees its voice. */
        if (level < SILENT_LEVEL) {
            level = 0.0f;
            env->stage = TK_ENV_IDLE;
        }
        break;
    case TK_ENV_RELEASE:
        if (!(adsr->release_s > 0.0f))
            level = 0.0f;
        else
            level *= remaining(adsr->release_s, left, sample_rate_hz);
        if (level < SILENT_LEVEL) {
            level = 0.0f;
            env->stage = TK_ENV_IDLE;
        }
        break;
    case TK_ENV_IDLE:
        level = 0.0f;
        break;
    default:
        break;
    }

    env->level = level;
    return level;
}

int tk_env_done(const tk_env *env)
{
    return env->stage == TK_ENV_IDLE;
}
