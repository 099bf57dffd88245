/* engine.c -- the render loop: commands in, replayer ticks, voices, events out.
 *
 * A render call is cut into segments that end at the next tick or control
 * boundary (every TK_CONTROL_FRAMES frames of absolute time), whichever is
 * first. Ticks and control updates therefore happen at the same frames
 * whatever the host's block size, which keeps the output bit-identical. */
#include <math.h>
#include <string.h>
#if defined(__SSE__) || defined(__x86_64__)
#include <xmmintrin.h>
#define TK_HAVE_MXCSR 1
#endif
#include "tk_internal.h"

size_t tk_engine_size(void) { return sizeof(tk_engine); }

int tk_engine_init(tk_engine *e, float sample_rate_hz)
{
    if (!(sample_rate_hz >= 8000.0f && sample_rate_hz <= 384000.0f))
        return -1;
    memset(e, 0, sizeof *e);
    e->rate_hz = sample_rate_hz;
    e->global_volume = 64;
    e->commands.capacity = e->events.capacity = TK_QUEUE_CAPACITY;
    e->midi.capacity = TK_MIDI_QUEUE_CAPACITY;
    e->declick_frames = (uint32_t)(sample_rate_hz * 0.002f);   /* 2 ms: inaudible as a click */
    e->mix_ramp_frames = (uint32_t)(sample_rate_hz * 0.005f);  /* 5 ms for faders */
    e->master_gain = 1.0f;
    e->smooth_coef = 1.0f - expf(-(float)TK_CONTROL_FRAMES / (TK_SMOOTH_S * sample_rate_hz));
    for (uint32_t t = 0; t < TK_MAX_TRACKS; t++) {
        e->channel[t].voice = -1;
        e->channel[t].midi_note = TK_NOTE_NONE;
        e->channel[t].midi_program = 0xff;
        e->channel[t].midi_cc = 1;
        e->track_gain[t][0] = e->track_gain[t][1] = 1.0f;
    }
    e->next_order = e->next_row = e->loop_jump_row = -1;
    e->cue = TK_CUE_NONE;
    return 0;
}

/* ---- events -------------------------------------------------------------- */

void tk_emit_event(tk_engine *e, const tk_event *ev)
{
    tk_event stamped = *ev;
    stamped.time_s = e->anchor_time_s + ((double)ev->frame - (double)e->anchor_frame) / e->rate_hz;
    if (!tk_ring_push(&e->events, e->event_slots, sizeof(tk_event), &stamped))
        atomic_fetch_add_explicit(&e->events_dropped, 1, memory_order_relaxed);
}

void tk_emit(tk_engine *e, uint32_t type, uint64_t frame)
{
    tk_event ev = { .type = type, .frame = frame };
    tk_emit_event(e, &ev);
}

int tk_engine_pop_event(tk_engine *e, tk_event *ev)
{
    return tk_ring_pop(&e->events, e->event_slots, sizeof(tk_event), ev);
}

uint32_t tk_engine_pop_events(tk_engine *e, tk_event *out, uint32_t max)
{
    uint32_t n = 0;
    while (n < max && tk_ring_pop(&e->events, e->event_slots, sizeof(tk_event), &out[n]))
        n++;
    return n;
}

int tk_engine_push_command(tk_engine *e, const tk_command *cmd)
{
    return tk_ring_push(&e->commands, e->command_slots, sizeof(tk_command), cmd);
}

/* ---- mixer --------------------------------------------------------------- */

static int track_audible(const tk_engine *e, uint32_t t)
{
    const tk_song *s = e->song;
    if (!s || t >= s->tracks || s->track[t].mute)
        return 0;
    for (uint32_t i = 0; i < s->tracks; i++)
        if (s->track[i].solo)
            return s->track[t].solo;
    return 1;
}

void tk_mixer_update_track(tk_engine *e, uint32_t t)
{
    tk_mixer_ramp_track(e, t, e->mix_ramp_frames);
}

void tk_mixer_ramp_track(tk_engine *e, uint32_t t, uint32_t ramp_frames)
{
    const tk_song *s = e->song;
    float vol = 0.0f, pan = 0.0f;
    if (s && track_audible(e, t)) {
        vol = s->track[t].volume;
        pan = s->track[t].pan;
    }
    float target[2] = { vol * fminf(1.0f, 1.0f - pan), vol * fminf(1.0f, 1.0f + pan) };
    for (int c = 0; c < 2; c++)
        e->track_step[t][c] = (target[c] - e->track_gain[t][c]) / (float)ramp_frames;
    e->track_ramp[t] = ramp_frames;
    e->track_target[t][0] = target[0];
    e->track_target[t][1] = target[1];
}

void tk_mixer_update_all(tk_engine *e)
{
    for (uint32_t t = 0; t < TK_MAX_TRACKS; t++)
        tk_mixer_update_track(e, t);
}

void tk_mixer_set_master(tk_engine *e, float volume)
{
    tk_mixer_ramp_master(e, volume, e->mix_ramp_frames);
}

void tk_mixer_ramp_master(tk_engine *e, float volume, uint32_t ramp_frames)
{
    e->master_target = volume;
    e->master_step = (volume - e->master_gain) / (float)ramp_frames;
    e->master_ramp = ramp_frames;
}

/* Unity below the knee, then a smooth curve that never exceeds 1. */
static inline float soft_limit(float x)
{
    const float knee = 0.8f, room = 1.0f - 0.8f;
    float a = fabsf(x);
    if (a <= knee)
        return x;
    float over = (a - knee) / room;
    float y = knee + room * over / (1.0f + over);
    return x < 0.0f ? -y : y;
}

static void mix_track(tk_engine *e, uint32_t t, float *out, float *stem, uint32_t n)
{
    float *buf = e->track_buf[t];
    float gl = e->track_gain[t][0], gr = e->track_gain[t][1];
    float pl = e->peak[t][0], pr = e->peak[t][1];
    for (uint32_t j = 0; j < n; j++) {
        if (e->track_ramp[t]) {
            gl += e->track_step[t][0];
            gr += e->track_step[t][1];
            if (--e->track_ramp[t] == 0) {
                gl = e->track_target[t][0];
                gr = e->track_target[t][1];
            }
        }
        float l = buf[2 * j] * gl, r = buf[2 * j + 1] * gr;
        out[2 * j] += l;
        out[2 * j + 1] += r;
        if (stem) {
            stem[2 * j] = l;
            stem[2 * j + 1] = r;
        }
        /* plain compares: fmaxf is a libm call without -ffinite-math-only */
        float al = fabsf(l), ar = fabsf(r);
        pl = al > pl ? al : pl;
        pr = ar > pr ? ar : pr;
    }
    e->track_gain[t][0] = gl;
    e->track_gain[t][1] = gr;
    e->peak[t][0] = pl;
    e->peak[t][1] = pr;
}

static void publish_peak(tk_engine *e, uint32_t index, float left, float right)
{
    float values[2] = { left, right };
    for (int c = 0; c < 2; c++) {
        uint32_t bits;
        memcpy(&bits, &values[c], sizeof bits);
        /* positive floats order like their bit patterns */
        uint32_t old = atomic_load_explicit(&e->peak_bits[index][c], memory_order_relaxed);
        while (bits > old && !atomic_compare_exchange_weak_explicit(
                   &e->peak_bits[index][c], &old, bits, memory_order_relaxed, memory_order_relaxed)) {
        }
    }
}

static void send_levels(tk_engine *e)
{
    uint32_t tracks = e->song ? e->song->tracks : 0;
    for (uint32_t t = 0; t <= TK_MAX_TRACKS; t++) {
        if (t < TK_MAX_TRACKS && t >= tracks)
            continue;
        tk_event ev = { .type = TK_EVT_LEVELS, .frame = e->frame, .track = t,
                        .peak_left = e->peak[t][0], .peak_right = e->peak[t][1] };
        tk_emit_event(e, &ev);
        publish_peak(e, t, e->peak[t][0], e->peak[t][1]);
        e->peak[t][0] = e->peak[t][1] = 0.0f;
    }
}

/* ---- commands ------------------------------------------------------------ */

/* Where each TK_IP_* lives in an instrument, its range and whether it glides. */
static float *instrument_field(tk_instrument *ins, uint32_t param)
{
    switch (param) {
    case TK_IP_VOLUME: return &ins->volume;
    case TK_IP_PAN: return &ins->pan;
    case TK_IP_CUTOFF_HZ: return &ins->cutoff_hz;
    case TK_IP_RESONANCE: return &ins->resonance;
    case TK_IP_DRIVE: return &ins->drive;
    case TK_IP_FILTER_ENV_OCTAVES: return &ins->filter_env_octaves;
    case TK_IP_LFO_RATE_HZ: return &ins->lfo_rate_hz;
    case TK_IP_LFO_DEPTH: return &ins->lfo_depth;
    case TK_IP_OSC1_LEVEL: return &ins->osc[0].level;
    case TK_IP_OSC2_LEVEL: return &ins->osc[1].level;
    case TK_IP_OSC1_FINE_CENTS: return &ins->osc[0].fine_cents;
    case TK_IP_OSC2_FINE_CENTS: return &ins->osc[1].fine_cents;
    case TK_IP_OSC1_PULSE_WIDTH: return &ins->osc[0].pulse_width;
    case TK_IP_OSC2_PULSE_WIDTH: return &ins->osc[1].pulse_width;
    case TK_IP_AMP_ATTACK_S: return &ins->amp_env.attack_s;
    case TK_IP_AMP_DECAY_S: return &ins->amp_env.decay_s;
    case TK_IP_AMP_SUSTAIN: return &ins->amp_env.sustain;
    case TK_IP_AMP_RELEASE_S: return &ins->amp_env.release_s;
    case TK_IP_FILTER_ATTACK_S: return &ins->filter_env.attack_s;
    case TK_IP_FILTER_DECAY_S: return &ins->filter_env.decay_s;
    case TK_IP_FILTER_SUSTAIN: return &ins->filter_env.sustain;
    case TK_IP_FILTER_RELEASE_S: return &ins->filter_env.release_s;
    case TK_IP_GLIDE_S: return &ins->glide_s;
    default: return NULL;
    }
}

static const struct { float lo, hi; uint8_t glides; } param_range[TK_IP_COUNT] = {
    [TK_IP_VOLUME] = { 0.0f, 1.0f, 1 },          [TK_IP_PAN] = { -1.0f, 1.0f, 1 },
    [TK_IP_CUTOFF_HZ] = { 20.0f, 20000.0f, 1 },  [TK_IP_RESONANCE] = { 0.0f, 1.0f, 1 },
    [TK_IP_DRIVE] = { 0.0f, 1.0f, 1 },           [TK_IP_FILTER_ENV_OCTAVES] = { -8.0f, 8.0f, 1 },
    [TK_IP_LFO_RATE_HZ] = { 0.01f, 50.0f, 1 },   [TK_IP_LFO_DEPTH] = { 0.0f, 1.0f, 1 },
    [TK_IP_OSC1_LEVEL] = { 0.0f, 1.0f, 1 },      [TK_IP_OSC2_LEVEL] = { 0.0f, 1.0f, 1 },
    [TK_IP_OSC1_FINE_CENTS] = { -100.0f, 100.0f, 1 }, [TK_IP_OSC2_FINE_CENTS] = { -100.0f, 100.0f, 1 },
    [TK_IP_OSC1_PULSE_WIDTH] = { 0.01f, 0.99f, 1 }, [TK_IP_OSC2_PULSE_WIDTH] = { 0.01f, 0.99f, 1 },
    [TK_IP_AMP_ATTACK_S] = { 0.0f, 20.0f, 0 },   [TK_IP_AMP_DECAY_S] = { 0.0f, 20.0f, 0 },
    [TK_IP_AMP_SUSTAIN] = { 0.0f, 1.0f, 1 },     [TK_IP_AMP_RELEASE_S] = { 0.0f, 20.0f, 0 },
    [TK_IP_FILTER_ATTACK_S] = { 0.0f, 20.0f, 0 }, [TK_IP_FILTER_DECAY_S] = { 0.0f, 20.0f, 0 },
    [TK_IP_FILTER_SUSTAIN] = { 0.0f, 1.0f, 1 },  [TK_IP_FILTER_RELEASE_S] = { 0.0f, 20.0f, 0 },
    [TK_IP_OSC1_COARSE] = { -48.0f, 48.0f, 0 },  [TK_IP_OSC2_COARSE] = { -48.0f, 48.0f, 0 },
    [TK_IP_GLIDE_S] = { 0.0f, 10.0f, 0 },
};

/* An instrument's zones share its sound (filter, envelopes, LFO); volume and pan stay each
 * zone's own, as FastTracker II keeps them per sample. */
static void set_field(tk_instrument *ins, uint32_t param, float value)
{
    *instrument_field(ins, param) = value;
    if (param == TK_IP_VOLUME || param == TK_IP_PAN)
        return;
    for (uint32_t z = 0; z < ins->zone_count; z++)
        *instrument_field(&ins->zones[z], param) = value;
}

void tk_instrument_param_set(tk_engine *e, uint32_t number, uint32_t param, float value, int glide)
{
    tk_song *s = e->song;
    if (!s || number == 0 || number > s->instrument_count || param >= TK_IP_COUNT || !isfinite(value))
        return;
    tk_instrument *ins = &s->instruments[number - 1];
    value = fminf(fmaxf(value, param_range[param].lo), param_range[param].hi);
    if (param == TK_IP_OSC1_COARSE || param == TK_IP_OSC2_COARSE) {
        ins->osc[param == TK_IP_OSC2_COARSE].coarse_semitones = (int8_t)lrintf(value);
        return;
    }
    float *field = instrument_field(ins, param);
    if (!field)
        return;
    tk_smoother *free_slot = NULL;
    for (uint32_t i = 0; i < TK_MAX_SMOOTHERS; i++) {
        tk_smoother *sm = &e->smoother[i];
        if (sm->active && sm->instrument == number && sm->param == param) {
            if (glide && param_range[param].glides) {
                sm->target = value;
                return;
            }
            sm->active = 0; /* set outright: a glide still under way would undo it */
        }
        if (!sm->active && !free_slot)
            free_slot = sm;
    }
    if (!glide || !param_range[param].glides) {
        set_field(ins, param, value);
        return;
    }
    if (!free_slot) {
        set_field(ins, param, value); /* more knobs at once than slots: this one steps */
        return;
    }
    *free_slot = (tk_smoother){ .active = 1, .param = (uint8_t)param, .instrument = (uint8_t)number,
                                .target = value };
}

/* Move each gliding parameter one control block toward its target. */
static void run_smoothers(tk_engine *e)
{
    tk_song *s = e->song;
    for (uint32_t i = 0; i < TK_MAX_SMOOTHERS; i++) {
        tk_smoother *sm = &e->smoother[i];
        if (!sm->active)
            continue;
        if (!s || sm->instrument > s->instrument_count) {
            sm->active = 0;
            continue;
        }
        float *field = instrument_field(&s->instruments[sm->instrument - 1], sm->param);
        float now = *field, next;
        if (sm->param == TK_IP_CUTOFF_HZ) /* in octaves: equal turns are equal steps to the ear */
            next = now * exp2f(log2f(sm->target / now) * e->smooth_coef);
        else
            next = now + (sm->target - now) * e->smooth_coef;
        float span = param_range[sm->param].hi - param_range[sm->param].lo;
        if (fabsf(sm->target - next) <= span * 1e-5f) {
            next = sm->target;
            sm->active = 0;
        }
        set_field(&s->instruments[sm->instrument - 1], sm->param, next);
    }
}

/* Voices hold pointers into the song's instruments: move them to the new song
 * before the old one is handed back to be freed. */
static void rebind_voices(tk_engine *e, const tk_song *s)
{
    for (uint32_t i = 0; i < TK_MAX_VOICES; i++) {
        tk_voice *v = &e->voice[i];
        if (!v->active)
            continue;
        const tk_instrument *ins = v->instrument_number <= s->instrument_count
                                       ? &s->instruments[v->instrument_number - 1] : NULL;
        if (ins && v->zone) /* a zone of the old song's instrument: the same zone of the new */
            ins = v->zone <= ins->zone_count ? &ins->zones[v->zone - 1] : NULL;
        if (!ins || ins->kind != v->ins->kind || v->track >= s->tracks ||
            (ins->kind == TK_KIND_SAMPLE &&
             (ins->sample_channels != v->ins->sample_channels ||
              (v->pos_fp >> 32) >= (int64_t)ins->sample_frames))) {
            v->active = 0; /* cannot continue on different data; cut */
            continue;
        }
        v->ins = ins;
    }
}

static void note_on(tk_engine *e, uint32_t track, uint32_t note, uint32_t number, float velocity)
{
    tk_song *s = e->song;
    if (!s || track >= s->tracks || note > TK_NOTE_MAX || number == 0 || number > s->instrument_count)
        return;
    const tk_instrument *parent = &s->instruments[number - 1];
    uint8_t zone = tk_zone_number(parent, (uint8_t)note);
    const tk_instrument *ins = tk_instrument_zone(parent, zone);
    tk_voice *v = tk_voice_alloc(e);
    tk_voice_start(e, v, ins, (uint8_t)number, (uint8_t)track, (float)(note * 64 + ins->finetune / 2), 0);
    if (!v->active)
        return;
    v->zone = zone;
    v->live_note = (uint8_t)note;
    v->velocity = isfinite(velocity) ? fminf(fmaxf(velocity, 0.0f), 1.0f) : 1.0f;
    uint32_t to_control = tk_frames_to_control(e);
    tk_voice_update(e, v, to_control, to_control);
}

static void note_off(tk_engine *e, uint32_t track, uint32_t note)
{
    for (uint32_t i = 0; i < TK_MAX_VOICES; i++) {
        tk_voice *v = &e->voice[i];
        if (v->active && v->track == track && v->live_note != TK_NOTE_NONE &&
            (note == TK_NOTE_NONE || v->live_note == note))
            tk_voice_release(v);
    }
}

static void run_command(tk_engine *e, const tk_command *c)
{
    tk_song *s = e->song;
    switch (c->type) {
    case TK_CMD_SET_SONG: {
        tk_song *old = e->song;
        tk_song *next = (tk_song *)c->ptr;
        if (!next)
            break;
        rebind_voices(e, next);
        e->song = next;
        /* the new song's values are the model's, which already include the knobs' */
        memset(e->smoother, 0, sizeof e->smoother);
        tk_replayer_song_changed(e);
        tk_mixer_update_all(e);
        tk_mixer_set_master(e, next->master_volume); /* an undone fader move is heard at once */
        if (old) {
            tk_event ev = { .type = TK_EVT_SONG_RELEASED, .frame = e->frame, .ptr = old };
            tk_emit_event(e, &ev);
        }
        break;
    }
    case TK_CMD_PLAY_SONG: tk_replayer_start(e, c->a, c->b, TK_PLAY_SONG); break;
    case TK_CMD_PLAY_PATTERN: tk_replayer_start(e, c->a, c->b, TK_PLAY_PATTERN); break;
    case TK_CMD_STOP: tk_replayer_stop(e); break;
    case TK_CMD_SET_LOOP: e->loop_pattern = c->a != 0; break;
    case TK_CMD_SET_STOP_AT_END: e->stop_at_end = c->a != 0; break;
    case TK_CMD_SET_METERING: e->metering_off = c->a == 0; break;
    case TK_CMD_SET_TEMPO: if (c->a >= 32 && c->a <= 255) tk_replayer_set_tempo(e, c->a); break;
    case TK_CMD_SET_SPEED: if (c->a >= 1 && c->a <= 31) tk_replayer_set_speed(e, c->a); break;
    case TK_CMD_NOTE_ON: note_on(e, c->track, c->a, c->b, c->value); break;
    case TK_CMD_NOTE_OFF: note_off(e, c->track, c->a); break;
    case TK_CMD_SET_CELL:
        if (s && c->a < s->pattern_count && c->b < s->patterns[c->a].rows && c->track < s->tracks)
            s->patterns[c->a].cells[(size_t)c->b * s->tracks + c->track] = c->cell;
        break;
    case TK_CMD_TRACK_VOLUME:
    case TK_CMD_TRACK_PAN:
    case TK_CMD_TRACK_MUTE:
    case TK_CMD_TRACK_SOLO:
        if (!s || c->track >= s->tracks || !isfinite(c->value))
            break;
        if (c->type == TK_CMD_TRACK_VOLUME)
            s->track[c->track].volume = fminf(fmaxf(c->value, 0.0f), 1.0f);
        else if (c->type == TK_CMD_TRACK_PAN)
            s->track[c->track].pan = fminf(fmaxf(c->value, -1.0f), 1.0f);
        else if (c->type == TK_CMD_TRACK_MUTE)
            s->track[c->track].mute = c->a != 0;
        else
            s->track[c->track].solo = c->a != 0;
        tk_mixer_update_all(e);
        break;
    case TK_CMD_MASTER_VOLUME:
        if (s && isfinite(c->value)) {
            s->master_volume = fminf(fmaxf(c->value, 0.0f), 2.0f);
            tk_mixer_set_master(e, s->master_volume);
        }
        break;
    case TK_CMD_INSTRUMENT_PARAM: tk_instrument_param_set(e, c->a, c->b, c->value, 1); break;
    case TK_CMD_SET_MIDI_CLOCK: e->midi_clock = c->a != 0; break;
    case TK_CMD_CUE:
        e->cue = c->a;
        e->cue_at_bar = c->b != 0;
        break;
    case TK_CMD_CLOCK_FOLLOW:
        e->follow = c->a != 0;
        if (!e->follow && e->mode != TK_STOPPED)
            tk_replayer_set_tempo(e, e->tempo_bpm); /* back to the song's own */
        break;
    case TK_CMD_CLOCK_IN: tk_follow_pulse(e, (uint64_t)c->a | ((uint64_t)c->b << 32)); break;
    case TK_CMD_LIVE_BEND:
        if (isfinite(c->value))
            e->live_bend_units = fminf(fmaxf(c->value, -48.0f), 48.0f) * 64.0f;
        break;
    case TK_CMD_LIVE_MOD:
        if (isfinite(c->value))
            e->live_mod = fminf(fmaxf(c->value, 0.0f), 1.0f);
        break;
    default: break;
    }
}

void tk_engine_load_song(tk_engine *e, tk_song *song)
{
    e->song = song;
    tk_mixer_update_all(e);
    for (uint32_t t = 0; t < TK_MAX_TRACKS; t++) {
        /* no fade-in on a fresh load */
        e->track_gain[t][0] = e->track_target[t][0];
        e->track_gain[t][1] = e->track_target[t][1];
        e->track_ramp[t] = 0;
    }
    e->master_gain = e->master_target = song->master_volume;
    e->master_ramp = 0;
}

/* ---- render -------------------------------------------------------------- */

static void reset_after_fault(tk_engine *e)
{
    for (uint32_t i = 0; i < TK_MAX_VOICES; i++)
        e->voice[i].active = 0;
    for (uint32_t t = 0; t < TK_MAX_TRACKS; t++)
        e->channel[t].voice = -1;
    atomic_fetch_add_explicit(&e->faults, 1, memory_order_relaxed);
    tk_emit(e, TK_EVT_FAULT, e->frame);
}

static void render_segment(tk_engine *e, float *out, float *const *stems, uint32_t offset, uint32_t n)
{
    uint32_t tracks = e->song ? e->song->tracks : 0;
    for (uint32_t t = 0; t < tracks; t++)
        memset(e->track_buf[t], 0, 2 * n * sizeof(float));
    for (uint32_t i = 0; i < e->voice_high; i++) {
        tk_voice *v = &e->voice[i];
        if (v->active && v->track < tracks)
            tk_voice_render(e, v, e->track_buf[v->track], n);
    }
    float *mix = e->mix_buf;
    memset(mix, 0, 2 * n * sizeof(float));
    for (uint32_t t = 0; t < tracks; t++)
        mix_track(e, t, mix, stems ? stems[t] + 2 * offset : NULL, n);

    float *dst = out + 2 * offset;
    float g = e->master_gain, pl = e->peak[TK_MAX_TRACKS][0], pr = e->peak[TK_MAX_TRACKS][1];
    int finite = 1;
    for (uint32_t j = 0; j < n; j++) {
        if (e->master_ramp) {
            g += e->master_step;
            if (--e->master_ramp == 0)
                g = e->master_target;
        }
        float l = soft_limit(mix[2 * j] * g), r = soft_limit(mix[2 * j + 1] * g);
        finite &= isfinite(l) && isfinite(r);
        dst[2 * j] = l;
        dst[2 * j + 1] = r;
        float al = fabsf(l), ar = fabsf(r);
        pl = al > pl ? al : pl;
        pr = ar > pr ? ar : pr;
    }
    e->master_gain = g;
    if (!finite) {
        memset(dst, 0, 2 * n * sizeof(float));
        if (stems)
            for (uint32_t t = 0; t < tracks; t++)
                memset(stems[t] + 2 * offset, 0, 2 * n * sizeof(float));
        for (uint32_t t = 0; t < tracks; t++)
            e->peak[t][0] = e->peak[t][1] = 0.0f;
        pl = pr = 0.0f;
        reset_after_fault(e);
    }
    e->peak[TK_MAX_TRACKS][0] = pl;
    e->peak[TK_MAX_TRACKS][1] = pr;
}

/* The mod wheel's vibrato: one shared phase, so a chord wobbles together. */
#define TK_MOD_RATE_HZ 5.5f
#define TK_MOD_DEPTH_UNITS 32.0f   /* +-50 cents at full wheel */

static void control_update(tk_engine *e)
{
    run_smoothers(e);
    if (e->mode != TK_STOPPED && e->song)
        tk_automation_run(e);
    e->mod_phase += TK_MOD_RATE_HZ * (float)TK_CONTROL_FRAMES / e->rate_hz;
    e->mod_phase -= floorf(e->mod_phase);
    e->mod_units = e->live_mod * TK_MOD_DEPTH_UNITS * sinf(6.2831853f * e->mod_phase);
    uint32_t active = 0;
    for (uint32_t i = 0; i < e->voice_high; i++) {
        tk_voice *v = &e->voice[i];
        if (!v->active)
            continue;
        tk_voice_update(e, v, TK_CONTROL_FRAMES, TK_CONTROL_FRAMES);
        active++;
    }
    while (e->voice_high > 0 && !e->voice[e->voice_high - 1].active)
        e->voice_high--;
    atomic_store_explicit(&e->voices_active, active, memory_order_relaxed);
    if (e->frame % TK_LEVELS_PERIOD_FRAMES == 0 && !e->metering_off)
        send_levels(e);
}

static void render(tk_engine *e, float *out, float *const *stems, uint32_t frames)
{
#ifdef TK_HAVE_MXCSR
    /* Flush denormals to zero: decaying filters and envelopes must not stall the CPU. */
    unsigned int saved_csr = _mm_getcsr();
    _mm_setcsr(saved_csr | 0x8040);
#endif
    tk_command cmd;
    while (tk_ring_pop(&e->commands, e->command_slots, sizeof(tk_command), &cmd))
        run_command(e, &cmd);

    uint32_t done = 0;
    while (done < frames) {
        int playing = e->mode != TK_STOPPED && e->song;
        if (playing && e->frames_to_tick == 0)
            tk_replayer_tick(e);
        uint32_t n = frames - done;
        uint32_t to_control = tk_frames_to_control(e);
        if (n > to_control)
            n = to_control;
        if (playing && e->mode != TK_STOPPED && n > e->frames_to_tick)
            n = e->frames_to_tick;
        if (n == 0)
            continue; /* a zero-length tick: run the next one at the same frame */
        render_segment(e, out, stems, done, n);
        done += n;
        e->frame += n;
        if (playing && e->mode != TK_STOPPED)
            e->frames_to_tick -= n;
        if (e->frame % TK_CONTROL_FRAMES == 0)
            control_update(e);
    }
    atomic_store_explicit(&e->frames_rendered, e->frame, memory_order_relaxed);
#ifdef TK_HAVE_MXCSR
    _mm_setcsr(saved_csr);
#endif
}

void tk_engine_render(tk_engine *e, float *out, uint32_t frames)
{
    render(e, out, NULL, frames);
}

void tk_engine_render_stems(tk_engine *e, float *out, float *const *out_tracks, uint32_t frames)
{
    render(e, out, out_tracks, frames);
}

/* ---- queries ------------------------------------------------------------- */

void tk_engine_get_stats(const tk_engine *e, tk_engine_stats *stats)
{
    tk_engine *m = (tk_engine *)e; /* atomics loads need a non-const object in C11 */
    stats->frames_rendered = atomic_load_explicit(&m->frames_rendered, memory_order_relaxed);
    stats->faults = atomic_load_explicit(&m->faults, memory_order_relaxed);
    stats->events_dropped = atomic_load_explicit(&m->events_dropped, memory_order_relaxed);
    stats->midi_dropped = atomic_load_explicit(&m->midi_dropped, memory_order_relaxed);
    uint32_t bpm_bits = atomic_load_explicit(&m->follow_bpm_bits, memory_order_relaxed);
    memcpy(&stats->follow_bpm, &bpm_bits, sizeof bpm_bits);
    stats->voices_active = atomic_load_explicit(&m->voices_active, memory_order_relaxed);
    stats->playing = atomic_load_explicit(&m->playing, memory_order_relaxed);
    stats->callbacks = atomic_load_explicit(&m->callbacks, memory_order_relaxed);
    stats->underflows = atomic_load_explicit(&m->underflows, memory_order_relaxed);
    uint32_t last = atomic_load_explicit(&m->load_last_bits, memory_order_relaxed);
    uint32_t max = atomic_load_explicit(&m->load_max_bits, memory_order_relaxed);
    memcpy(&stats->load_last, &last, sizeof last);
    memcpy(&stats->load_max, &max, sizeof max);
}

void tk_engine_get_peak(tk_engine *e, uint32_t track, float *left, float *right)
{
    if (track > TK_MAX_TRACKS) {
        *left = *right = 0.0f;
        return;
    }
    uint32_t l = atomic_exchange_explicit(&e->peak_bits[track][0], 0, memory_order_relaxed);
    uint32_t r = atomic_exchange_explicit(&e->peak_bits[track][1], 0, memory_order_relaxed);
    memcpy(left, &l, sizeof *left);
    memcpy(right, &r, sizeof *right);
}

void tk_engine_get_position(const tk_engine *e, uint32_t *order, uint32_t *row, uint32_t *tick)
{
    tk_engine *m = (tk_engine *)e;
    *order = atomic_load_explicit(&m->pos_order, memory_order_relaxed);
    *row = atomic_load_explicit(&m->pos_row, memory_order_relaxed);
    *tick = atomic_load_explicit(&m->pos_tick, memory_order_relaxed);
}

uint32_t tk_engine_bench_voices(tk_engine *e, const tk_instrument *ins, uint32_t voices,
                                float *out, uint32_t frames)
{
    if (voices > TK_MAX_VOICES)
        voices = TK_MAX_VOICES;
    for (uint32_t i = 0; i < TK_MAX_VOICES; i++)
        e->voice[i].active = 0;
    for (uint32_t i = 0; i < voices; i++) {
        tk_voice *v = &e->voice[i];
        /* spread the pitches so no two voices run in lockstep */
        tk_voice_start(e, v, ins, 1, 0, (float)(48 * 64 + (int)(i % 24) * 64 + (int)i), 0);
        tk_voice_update(e, v, TK_CONTROL_FRAMES, TK_CONTROL_FRAMES);
    }
    uint32_t playing = 0;
    for (uint32_t i = 0; i < voices; i++)
        playing += e->voice[i].active;
    float *buf = e->track_buf[0];
    for (uint32_t done = 0; done < frames; done += TK_CONTROL_FRAMES) {
        uint32_t n = frames - done < TK_CONTROL_FRAMES ? frames - done : TK_CONTROL_FRAMES;
        memset(buf, 0, 2 * n * sizeof(float));
        for (uint32_t i = 0; i < voices; i++) {
            tk_voice *v = &e->voice[i];
            if (v->active) {
                tk_voice_render(e, v, buf, n);
                tk_voice_update(e, v, TK_CONTROL_FRAMES, TK_CONTROL_FRAMES);
            }
        }
        memcpy(out + 2 * done, buf, 2 * n * sizeof(float));
    }
    for (uint32_t i = 0; i < TK_MAX_VOICES; i++)
        e->voice[i].active = 0;
    return playing;
}
