/* voice.c -- one sounding note: sample playback or the two-oscillator synth,
 * through the filter and a per-sample gain ramp into its track's buffer. */
#include <math.h>
#include <string.h>
#include "tk_internal.h"

#define FP_SHIFT 32
#define FP_ONE ((int64_t)1 << FP_SHIFT)
#define FP_FRAC_SCALE (1.0f / 4294967296.0f)

static float clampf(float x, float lo, float hi) { return x < lo ? lo : (x > hi ? hi : x); }

float tk_pitch_to_hz(float pitch_units)
{
    return 440.0f * exp2f((pitch_units - 57.0f * 64.0f) / 768.0f);
}

tk_voice *tk_voice_alloc(tk_engine *e)
{
    tk_voice *oldest_fading = NULL, *oldest = NULL;
    for (uint32_t i = 0; i < TK_MAX_VOICES; i++) {
        tk_voice *v = &e->voice[i];
        if (!v->active)
            return v;
        if (v->fading && (!oldest_fading || v->serial < oldest_fading->serial))
            oldest_fading = v;
        if (!oldest || v->serial < oldest->serial)
            oldest = v;
    }
    /* Out of voices: steal, preferring one that is already on its way out. */
    tk_voice *v = oldest_fading ? oldest_fading : oldest;
    for (uint32_t t = 0; t < TK_MAX_TRACKS; t++)
        if (e->channel[t].voice == (int16_t)(v - e->voice))
            e->channel[t].voice = -1;
    return v;
}

uint8_t tk_zone_number(const tk_instrument *ins, uint8_t note)
{
    if (!ins->zone_count || note > TK_NOTE_MAX)
        return 0;
    uint8_t k = ins->keymap[note];
    return k <= ins->zone_count ? k : 0;
}

const tk_instrument *tk_instrument_zone(const tk_instrument *ins, uint8_t zone)
{
    return zone && zone <= ins->zone_count ? &ins->zones[zone - 1] : ins;
}

#define FADE_SILENT (1.0f / 512.0f)

/* Frames in a tick at the song's tempo (FastTracker II envelopes step once a tick). */
static uint32_t tick_frames(const tk_engine *e)
{
    uint32_t frames = (uint32_t)(e->tick_frames_fp >> 32);
    return frames ? frames : (uint32_t)(e->rate_hz / 50.0f); /* no song yet: 125 BPM */
}

static int steps_per_tick(const tk_instrument *ins)
{
    return ins->volume_points.count || ins->pan_points.count || ins->vibrato_rate || ins->fadeout > 0.0f;
}

static void read_points(tk_voice *v)
{
    const tk_instrument *ins = v->ins;
    v->points_amp = (ins->volume_points.count ? tk_points_value(&ins->volume_points, v->volume_pos) : 1.0f) *
                    v->fade;
    v->points_pan = ins->pan_points.count ? tk_points_value(&ins->pan_points, v->pan_pos) : 0.5f;
}

/* One tick of FastTracker II's instrument: fadeout, envelopes, auto-vibrato. */
void tk_voice_step_tick(tk_voice *v)
{
    const tk_instrument *ins = v->ins;
    if (!steps_per_tick(ins))
        return;
    /* FT2 mixes in integers: a fadeout left under this is silence (NoteOffFade.xm) */
    if (v->released && v->fading_out)
        v->fade = v->fade - ins->fadeout > FADE_SILENT ? v->fade - ins->fadeout : 0.0f;
    if (ins->volume_points.count && !v->volume_hold)
        tk_points_advance(&ins->volume_points, &v->volume_pos, v->released);
    if (ins->pan_points.count)
        tk_points_advance(&ins->pan_points, &v->pan_pos, v->released);
    v->volume_hold = 0;
    read_points(v);
    if (ins->vibrato_rate && ins->vibrato_depth)
        v->vibrato_units = tk_autovibrato_step(ins, &v->vibrato, v->released);
}

void tk_voice_restart_instrument(tk_voice *v)
{
    v->fade = 1.0f;
    v->volume_pos = v->pan_pos = 0;
    read_points(v);
    tk_autovibrato_start(v->ins, &v->vibrato);
    v->fresh = 1; /* this tick shows the envelopes' start, as on a new note */
}

void tk_voice_set_points(tk_voice *v, uint32_t pos, int pan_too)
{
    v->volume_pos = pos;
    if (pan_too)
        v->pan_pos = pos;
    read_points(v);
    v->fresh = 1;
}

void tk_voice_start(tk_engine *e, tk_voice *v, const tk_instrument *ins, uint8_t number,
                    uint8_t track, float pitch_units, uint32_t offset_frames)
{
    memset(v, 0, sizeof *v);
    v->serial = ++e->voice_serial;
    v->ins = ins;
    v->instrument_number = number;
    v->track = track;
    v->live_note = TK_NOTE_NONE;
    v->pitch_units = pitch_units;
    v->volume = 1.0f;
    v->velocity = 1.0f;
    v->pan = ins->pan;
    v->cutoff_scale = 1.0f;
    if (ins->kind == TK_KIND_SAMPLE) {
        /* FastTracker II: an offset past the end plays nothing. */
        if (!ins->sample_data || ins->sample_frames == 0 || offset_frames >= ins->sample_frames)
            return;
        v->pos_fp = (int64_t)offset_frames << FP_SHIFT;
        v->step_fp = 1;
    }
    uint32_t seed = (uint32_t)(v->serial * 2654435761u) | 1u;
    tk_osc_init(&v->osc[0], seed);
    tk_osc_init(&v->osc[1], seed ^ 0x9e3779b9u);
    tk_filter_init(&v->filter[0]);
    tk_filter_init(&v->filter[1]);
    tk_env_init(&v->amp_env);
    tk_env_init(&v->filter_env);
    tk_env_gate_on(&v->amp_env);
    tk_env_gate_on(&v->filter_env);
    tk_lfo_init(&v->lfo, seed ^ 0x85ebca6bu);
    v->fade = 1.0f;
    v->tick_frames_left = tick_frames(e) + tk_frames_to_control(e); /* the first update's advance */
    read_points(v);
    tk_autovibrato_start(ins, &v->vibrato);
    if (ins->vibrato_rate && ins->vibrato_depth) /* FT2 steps it on the note's own tick too */
        v->vibrato_units = tk_autovibrato_step(ins, &v->vibrato, 0);
    v->active = 1;
    uint32_t index = (uint32_t)(v - e->voice);
    if (index >= e->voice_high)
        e->voice_high = index + 1;
}

void tk_voice_legato(tk_engine *e, tk_voice *v, float new_pitch_units)
{
    float glide_blocks = v->ins->glide_s * e->rate_hz / TK_CONTROL_FRAMES;
    v->glide_units = v->pitch_units + v->glide_units - new_pitch_units;
    v->glide_step_units = glide_blocks > 1.0f ? -v->glide_units / glide_blocks : -v->glide_units;
    v->pitch_units = new_pitch_units;
}

static int on_a_point(const tk_env_points *env, uint32_t pos)
{
    for (uint32_t i = 0; i < env->count; i++)
        if (env->tick[i] == pos)
            return 1;
    return 0;
}

void tk_voice_release(tk_voice *v)
{
    v->released = 1;
    v->fading_out = 1;
    tk_env_gate_off(&v->amp_env);
    tk_env_gate_off(&v->filter_env);
    /* FT2 steps its volume envelope's counter back a tick at the release when it sits on a
     * point, so that point (the sustain) sounds one tick longer (EnvOff.xm) */
    v->volume_hold = v->ins->volume_points.count && on_a_point(&v->ins->volume_points, v->volume_pos);
}

static void set_gain_target(tk_voice *v, float left, float right, uint32_t ramp_frames)
{
    v->target_l = left;
    v->target_r = right;
    if (ramp_frames == 0) {
        v->gain_l = left;
        v->gain_r = right;
        v->ramp_frames = 0;
        return;
    }
    v->step_l = (left - v->gain_l) / (float)ramp_frames;
    v->step_r = (right - v->gain_r) / (float)ramp_frames;
    v->ramp_frames = ramp_frames;
}

void tk_voice_fade(tk_engine *e, tk_voice *v)
{
    if (!v->active || v->fading)
        return;
    v->fading = 1;
    set_gain_target(v, 0.0f, 0.0f, e->declick_frames);
}

void tk_voice_kill(tk_voice *v)
{
    v->active = 0;
}

/* Whether render_synth runs oscillator i: osc 1 also runs silent to drive
 * hard sync or ring modulation. */
static int osc_runs(const tk_instrument *ins, int i)
{
    if (i == 1)
        return ins->osc[1].wave != TK_WAVE_OFF;
    return ins->osc[0].wave != TK_WAVE_OFF || ins->osc_mode == TK_OSC_SYNC ||
           ins->osc_mode == TK_OSC_RING;
}

void tk_voice_update(tk_engine *e, tk_voice *v, uint32_t advance_frames, uint32_t ramp_frames)
{
    if (!v->active || v->fading)
        return;
    /* Not cut where the sample ran out: that is wherever the host's block
     * ended, and the filter may still be ringing. */
    if (v->sample_ended) {
        tk_voice_fade(e, v);
        return;
    }
    const tk_instrument *ins = v->ins;
    float rate = e->rate_hz;

    /* Only a filter that runs can hold a denormal or a NaN. */
    if (ins->filter_type != TK_FILTER_OFF) {
        tk_filter_flush(&v->filter[0]);
        if (ins->kind == TK_KIND_SAMPLE && ins->sample_channels == 2)
            tk_filter_flush(&v->filter[1]);
    }
    /* A voice the replayer plays is stepped by its ticks; a live note by the clock. */
    if (advance_frames && !v->replayer_ticks && steps_per_tick(ins)) {
        uint32_t left = advance_frames;
        while (left >= v->tick_frames_left) {
            left -= v->tick_frames_left;
            v->tick_frames_left = tick_frames(e);
            tk_voice_step_tick(v);
        }
        v->tick_frames_left -= left;
    }
    if (advance_frames) {
        float amp = tk_env_next(&v->amp_env, &ins->amp_env, advance_frames, rate);
        if (ins->volume_points.count) /* the drawn envelope replaces the ADSR */
            amp = v->points_amp;
        else
            amp *= v->fade;
        (void)tk_env_next(&v->filter_env, &ins->filter_env, advance_frames, rate);
        float lfo = ins->lfo_dest != TK_LFO_OFF
                        ? tk_lfo_next(&v->lfo, ins->lfo_shape, ins->lfo_rate_hz, advance_frames, rate)
                        : 0.0f;
        if (ins->lfo_dest == TK_LFO_AMP)
            amp *= 1.0f - ins->lfo_depth * 0.5f * (1.0f - lfo);
        v->amp_level = amp;
        v->lfo_value = lfo;
        if (v->glide_units != 0.0f) {
            float next = v->glide_units + v->glide_step_units * (float)advance_frames / TK_CONTROL_FRAMES;
            v->glide_units = (next > 0.0f) == (v->glide_units > 0.0f) ? next : 0.0f;
        }
        /* Finished its release, or decayed to a silent sustain (or faded out): free it
         * after a short ramp. */
        int done = (v->released && v->fade <= 0.0f) ||
                   (!ins->volume_points.count && tk_env_done(&v->amp_env));
        if (done) {
            tk_voice_fade(e, v);
            return;
        }
    }

    float lfo_pitch = ins->lfo_dest == TK_LFO_PITCH ? v->lfo_value * ins->lfo_depth * 768.0f : 0.0f;
    float pitch = v->pitch_units + v->glide_units + lfo_pitch + v->vibrato_units;
    if (v->live_note != TK_NOTE_NONE) /* bend and mod wheel play on what is played live */
        pitch += e->live_bend_units + e->mod_units;

    if (ins->kind == TK_KIND_SAMPLE) {
        double ratio = (double)ins->sample_rate_hz / rate *
                       exp2((double)(pitch - (float)ins->base_note * 64.0f) / 768.0);
        int64_t step = (int64_t)(ratio * (double)FP_ONE);
        if (step < 1)
            step = 1;
        if (step > 64 * FP_ONE)
            step = 64 * FP_ONE;
        v->step_fp = v->step_fp < 0 ? -step : step;
    } else {
        for (int i = 0; i < 2; i++) {
            if (!osc_runs(ins, i))
                continue; /* spares an exp2f per block for one-oscillator sounds */
            const tk_osc_params *o = &ins->osc[i];
            float semis = (float)o->coarse_semitones + o->fine_cents * 0.01f;
            double f = tk_pitch_to_hz(pitch + semis * 64.0f) / rate;
            v->osc_freq[i] = f > 0.49 ? 0.49 : f;
            float width = o->pulse_width;
            if (ins->lfo_dest == TK_LFO_PULSE_WIDTH)
                width += v->lfo_value * ins->lfo_depth * 0.49f;
            v->osc_width[i] = clampf(width, 0.01f, 0.99f);
        }
    }

    if (ins->filter_type != TK_FILTER_OFF) {
        float octaves = ins->filter_env_octaves * v->filter_env.level;
        if (ins->lfo_dest == TK_LFO_CUTOFF)
            octaves += v->lfo_value * ins->lfo_depth * 4.0f;
        float cutoff = ins->cutoff_hz * v->cutoff_scale * exp2f(octaves);
        float resonance = clampf(ins->resonance + v->resonance_offset, 0.0f, 1.0f);
        tk_filter_set(&v->filter[0], ins->filter_type, cutoff, resonance, ins->drive, rate);
        v->filter[1].g = v->filter[0].g;
        v->filter[1].k = v->filter[0].k;
        v->filter[1].a1 = v->filter[0].a1;
        v->filter[1].a2 = v->filter[0].a2;
        v->filter[1].a3 = v->filter[0].a3;
        v->filter[1].drive_gain = v->filter[0].drive_gain;
        v->filter[1].type = v->filter[0].type;
    }

    /* Balance pan law: the centre is unity on both sides. */
    /* In a module's song the sample's volume already is the channel's (replayer.c). */
    float gain = e->song && e->song->playback != TK_PLAY_NATIVE && v->live_note == TK_NOTE_NONE
                     ? 1.0f : ins->volume;
    float amp = gain * v->volume * v->velocity * v->amp_level;
    float pan = clampf(v->pan, -1.0f, 1.0f);
    if (ins->pan_points.count) /* FT2: the envelope swings as far as the pan leaves room */
        pan += (v->points_pan * 2.0f - 1.0f) * (1.0f - fabsf(pan));
    float left = pan > 0.0f ? 1.0f - pan : 1.0f, right = pan < 0.0f ? 1.0f + pan : 1.0f;
    if (e->song && e->song->playback == TK_PLAY_FASTTRACKER2) {
        /* FT2's square-root law: -3 dB each side in the centre (FT2PanLaw.xm) */
        left = sqrtf(0.5f * (1.0f - pan));
        right = sqrtf(0.5f * (1.0f + pan));
    }
    set_gain_target(v, amp * left, amp * right, ramp_frames);
}

/* ---- sample reading ------------------------------------------------------ */

static inline float cubic(float xm1, float x0, float x1, float x2, float t)
{
    /* Catmull-Rom */
    float c1 = 0.5f * (x1 - xm1);
    float c2 = xm1 - 2.5f * x0 + 2.0f * x1 - 0.5f * x2;
    float c3 = 0.5f * (x2 - xm1) + 1.5f * (x0 - x1);
    return ((c3 * t + c2) * t + c1) * t + x0;
}

static void read_frames(const float *d, uint32_t channels, uint8_t interp, int64_t *pos_io,
                        int64_t step, float *left, float *right, uint32_t n)
{
    int64_t pos = *pos_io;
    if (channels == 1 && interp == TK_INTERP_LINEAR) {
        for (uint32_t j = 0; j < n; j++) {
            const float *s = d + (pos >> FP_SHIFT);
            float t = (float)(pos & (FP_ONE - 1)) * FP_FRAC_SCALE;
            left[j] = s[0] + (s[1] - s[0]) * t;
            pos += step;
        }
    } else if (channels == 1) {
        for (uint32_t j = 0; j < n; j++) {
            const float *s = d + (pos >> FP_SHIFT);
            float t = (float)(pos & (FP_ONE - 1)) * FP_FRAC_SCALE;
            left[j] = cubic(s[-1], s[0], s[1], s[2], t);
            pos += step;
        }
    } else if (interp == TK_INTERP_LINEAR) {
        for (uint32_t j = 0; j < n; j++) {
            const float *s = d + 2 * (pos >> FP_SHIFT);
            float t = (float)(pos & (FP_ONE - 1)) * FP_FRAC_SCALE;
            left[j] = s[0] + (s[2] - s[0]) * t;
            right[j] = s[1] + (s[3] - s[1]) * t;
            pos += step;
        }
    } else {
        for (uint32_t j = 0; j < n; j++) {
            const float *s = d + 2 * (pos >> FP_SHIFT);
            float t = (float)(pos & (FP_ONE - 1)) * FP_FRAC_SCALE;
            left[j] = cubic(s[-2], s[0], s[2], s[4], t);
            right[j] = cubic(s[-1], s[1], s[3], s[5], t);
            pos += step;
        }
    }
    *pos_io = pos;
}

/* The sample's loop mode, or none for a zero-length or broken loop (it plays once). */
static uint8_t loop_of(const tk_instrument *ins)
{
    if (ins->loop_end_frames <= ins->loop_start_frames || ins->loop_end_frames > ins->sample_frames)
        return TK_LOOP_NONE;
    return ins->loop_mode;
}

/* Fill n frames from the sample, handling loop ends between reads. Returns
 * the frames produced; fewer than n when a one-shot sample ran out. */
static uint32_t render_sample(tk_engine *e, tk_voice *v, float *left, float *right, uint32_t n)
{
    const tk_instrument *ins = v->ins;
    uint8_t interp = e->song ? e->song->interpolation : TK_INTERP_LINEAR;
    uint8_t loop = loop_of(ins);
    int64_t start = (int64_t)ins->loop_start_frames << FP_SHIFT;
    int64_t end = (int64_t)ins->loop_end_frames << FP_SHIFT;
    if (loop == TK_LOOP_NONE)
        end = (int64_t)ins->sample_frames << FP_SHIFT;

    uint32_t done = 0;
    while (done < n) {
        int64_t step = v->step_fp;
        int64_t count;
        if (step > 0)
            count = v->pos_fp >= end ? 0 : (end - v->pos_fp + step - 1) / step;
        else
            count = v->pos_fp < start ? 0 : (v->pos_fp - start) / -step + 1;
        uint32_t k = count < (int64_t)(n - done) ? (uint32_t)count : n - done;
        read_frames(ins->sample_data, ins->sample_channels, interp, &v->pos_fp, step,
                    left + done, right + done, k);
        done += k;
        if (done == n && count > (int64_t)k)
            break;
        /* at a boundary */
        if (step > 0 && v->swap_ins) {
            /* ProTracker's Paula reloads the new sample's loop here (PTInstrSwap.mod); a new
             * sample without a loop plays its silent one-shot loop: silence. */
            ins = v->ins = v->swap_ins;
            v->instrument_number = v->swap_number;
            v->swap_ins = NULL;
            loop = ins->kind == TK_KIND_SAMPLE ? loop_of(ins) : TK_LOOP_NONE;
            if (loop == TK_LOOP_NONE)
                return done;
            start = (int64_t)ins->loop_start_frames << FP_SHIFT;
            end = (int64_t)ins->loop_end_frames << FP_SHIFT;
            v->pos_fp = start;
            if (v->step_fp < 0)
                v->step_fp = -v->step_fp;
            continue;
        }
        if (step > 0) {
            if (loop == TK_LOOP_NONE)
                return done;
            if (loop == TK_LOOP_FORWARD) {
                v->pos_fp = start + (v->pos_fp - start) % (end - start);
            } else {
                v->pos_fp = 2 * end - v->pos_fp - 1;
                if (v->pos_fp < start)
                    v->pos_fp = start;
                v->step_fp = -step;
            }
        } else {
            v->pos_fp = 2 * start - v->pos_fp;
            if (v->pos_fp >= end)
                v->pos_fp = end - 1;
            v->step_fp = -step;
        }
    }
    return done;
}

/* ---- synth --------------------------------------------------------------- */

static void render_synth(tk_voice *v, float *out, uint32_t n)
{
    const tk_instrument *ins = v->ins;
    float a[TK_CONTROL_FRAMES], b[TK_CONTROL_FRAMES], sync[TK_CONTROL_FRAMES];
    uint8_t w0 = ins->osc[0].wave, w1 = ins->osc[1].wave;
    int hard_sync = ins->osc_mode == TK_OSC_SYNC;
    float l0 = ins->osc[0].level, l1 = ins->osc[1].level;
    const float *table = ins->wavetable;
    uint32_t table_frames = table ? ins->wavetable_frames : 0;

    if (osc_runs(ins, 0))
        tk_osc_render(&v->osc[0], w0, v->osc_freq[0], v->osc_width[0], table, table_frames, a,
                      hard_sync ? sync : NULL, NULL, n);
    else
        memset(a, 0, n * sizeof *a);
    if (!osc_runs(ins, 1)) {
        for (uint32_t j = 0; j < n; j++)
            out[j] = a[j] * l0;
        return;
    }
    tk_osc_render(&v->osc[1], w1, v->osc_freq[1], v->osc_width[1], table, table_frames, b, NULL,
                  hard_sync ? sync : NULL, n);
    if (ins->osc_mode == TK_OSC_RING)
        for (uint32_t j = 0; j < n; j++)
            out[j] = a[j] * l0 + a[j] * b[j] * l1;
    else
        for (uint32_t j = 0; j < n; j++)
            out[j] = a[j] * l0 + b[j] * l1;
}

/* ---- gain into the track buffer ---------------------------------------- */

static void add_gained(tk_voice *v, const float *left, const float *right, float *out, uint32_t n)
{
    float gl = v->gain_l, gr = v->gain_r;
    uint32_t j = 0;
    uint32_t ramped = v->ramp_frames < n ? v->ramp_frames : n;
    float sl = v->step_l, sr = v->step_r;
    for (; j < ramped; j++) {
        gl += sl;
        gr += sr;
        out[2 * j] += left[j] * gl;
        out[2 * j + 1] += right[j] * gr;
    }
    v->ramp_frames -= ramped;
    if (ramped && v->ramp_frames == 0) {
        gl = v->target_l; /* land exactly, whatever rounding did on the way */
        gr = v->target_r;
    }
    for (; j < n; j++) {
        out[2 * j] += left[j] * gl;
        out[2 * j + 1] += right[j] * gr;
    }
    v->gain_l = gl;
    v->gain_r = gr;
}

void tk_voice_render(tk_engine *e, tk_voice *v, float *out, uint32_t n)
{
    float left[TK_CONTROL_FRAMES], right[TK_CONTROL_FRAMES];
    const tk_instrument *ins = v->ins;
    int stereo = 0;
    uint32_t produced = n;

    if (ins->kind == TK_KIND_SAMPLE) {
        stereo = ins->sample_channels == 2;
        produced = render_sample(e, v, left, right, n);
        for (uint32_t j = produced; j < n; j++)
            left[j] = right[j] = 0.0f;
    } else {
        render_synth(v, left, n);
    }
    if (ins->filter_type != TK_FILTER_OFF) {
        tk_filter_process(&v->filter[0], left, n);
        if (stereo)
            tk_filter_process(&v->filter[1], right, n);
    }
    add_gained(v, left, stereo ? right : left, out, n);

    if (produced < n)
        v->sample_ended = 1;
    if (v->fading && v->ramp_frames == 0)
        v->active = 0;
}
