/* replayer.c -- orders, rows, ticks and effect commands.
 *
 * Semantics follow FastTracker II in linear-frequency mode: pitch is kept in
 * 1/64 semitone ("units"), slides move 4 units per parameter step and tick,
 * tick-0 effects run when the row is read and continuous effects on the ticks
 * after it. docs/effects.md lists every command and each deliberate
 * difference from FastTracker II. */
#include <math.h>
#include <string.h>
#include "tk_internal.h"

#define PITCH_MIN_UNITS (-12 * 64)
#define PITCH_MAX_UNITS (131 * 64)
#define FX(c) ((c) <= '9' ? (c) - '0' : (c) - 'A' + 10)

enum { FX_ARP = 0x0, FX_PORTA_UP, FX_PORTA_DOWN, FX_TONE_PORTA, FX_VIBRATO, FX_TONE_VOL,
       FX_VIB_VOL, FX_TREMOLO, FX_PAN, FX_OFFSET, FX_VOLSLIDE, FX_JUMP, FX_VOLUME, FX_BREAK,
       FX_EXTENDED, FX_SPEED };
#define FX_CUTOFF     FX('Z')
#define FX_RESONANCE  FX('Q')
#define FX_CUTOFF_SLIDE FX('W')
#define FX_RES_SLIDE  FX('Y')
#define FX_MIDI_BEND  FX('I')        /* external-synth tracks: pitch bend */
#define FX_MIDI_CC    FX('M')        /* external-synth tracks: controller value */
#define FX_MIDI_CC_NUMBER FX('N')    /* which controller M sends */
#define FX_GLOBAL_VOLUME FX('G')
#define FX_GLOBAL_SLIDE FX('H')
#define FX_KEY_OFF    FX('K')
#define FX_ENV_POS    FX('L')
#define FX_PAN_SLIDE  FX('P')
#define FX_MULTI_RETRIG FX('R')
#define FX_TREMOR     FX('T')
#define FX_VOLUME_COLUMN FX('V')     /* FastTracker II's volume-column commands 60..FF */
#define FX_EXTRA_FINE FX('X')
#define FX_FINE_VIBRATO FX('U')      /* Scream Tracker 3's Uxy */

static int32_t clampi(int32_t x, int32_t lo, int32_t hi) { return x < lo ? lo : (x > hi ? hi : x); }

/* Songs that follow ProTracker keep pitch as an Amiga period (periods.c). */
static int amiga(const tk_engine *e) { return e->song->playback == TK_PLAY_PROTRACKER; }
static int ft2(const tk_engine *e) { return e->song->playback == TK_PLAY_FASTTRACKER2; }
/* Scream Tracker 3 songs keep pitch as an ST3 period (a quarter of an Amiga one). */
static int st3(const tk_engine *e) { return e->song->playback == TK_PLAY_SCREAMTRACKER3; }
/* An XM with Amiga frequencies slides its period as ST3 does (in the same quarter units). */
static int ft2_periods(const tk_engine *e) { return ft2(e) && e->song->amiga_slides; }
static int st3_periods(const tk_engine *e) { return st3(e) || ft2_periods(e); }
/* Songs from other trackers: a sample's own volume becomes the channel's volume. */
static int module(const tk_engine *e) { return e->song->playback != TK_PLAY_NATIVE; }

static const tk_instrument *zone_of(const tk_instrument *ins, uint8_t note)
{
    return ins ? tk_instrument_zone(ins, tk_zone_number(ins, note)) : NULL;
}

static int visited(const tk_engine *e, uint32_t order, uint32_t row)
{
    return (e->visited[order & 255][(row & 255) >> 3] >> (row & 7)) & 1;
}

static void set_visited(tk_engine *e, uint32_t order, uint32_t row)
{
    e->visited[order & 255][(row & 255) >> 3] |= (uint8_t)(1u << (row & 7));
}

static void slide_period(tk_channel *ch, int32_t delta)
{
    /* ProTracker stops slides at its highest and lowest notes. */
    ch->period = clampi(ch->period + delta, TK_PERIOD_SLIDE_MIN, TK_PERIOD_SLIDE_MAX);
}

/* ST3 slides the channel's period up to 32767; one slid down to 0 stops (PeriodLimit.s3m). */
static void st3_slide(tk_engine *e, uint32_t track, int32_t delta)
{
    tk_channel *ch = &e->channel[track];
    ch->period = ch->period + delta > TK_ST3_PERIOD_MAX ? TK_ST3_PERIOD_MAX : ch->period + delta;
    if (ch->period <= 0) {
        ch->period = 0;
        tk_voice *v = tk_channel_voice(e, track);
        if (v)
            tk_voice_fade(e, v);
        ch->voice = -1;
    }
}

/* Up by `amount` FT2 units: 1/64 semitone in a linear song; in one with Amiga frequencies the
 * period goes down by as much (FastTracker II slides both by the same numbers). */
static void slide_up(tk_engine *e, uint32_t track, int32_t amount)
{
    if (ft2_periods(e))
        st3_slide(e, track, -amount);
    else
        e->channel[track].pitch_units += amount;
}

/* ST3's Dxy on a row's first tick: DxF slides up x, DFy down y, once. */
static void st3_fine_volume(tk_channel *ch, uint8_t p)
{
    uint8_t x = p >> 4, y = p & 15;
    if (y == 0xF && x)
        ch->volume = clampi(ch->volume + x, 0, 64);
    else if (x == 0xF && y)
        ch->volume = clampi(ch->volume - y, 0, 64);
}

/* ...and on the ticks after it: D0y down y, Dx0 up x; the fine forms wait. */
static void st3_volume_slide(tk_channel *ch, uint8_t p)
{
    uint8_t x = p >> 4, y = p & 15;
    if ((y == 0xF && x) || (x == 0xF && y))
        return;
    ch->volume = clampi(y ? ch->volume - y : ch->volume + x, 0, 64);
}

uint32_t tk_frames_to_control(const tk_engine *e)
{
    return TK_CONTROL_FRAMES - (uint32_t)(e->frame % TK_CONTROL_FRAMES);
}

tk_voice *tk_channel_voice(tk_engine *e, uint32_t track)
{
    tk_channel *ch = &e->channel[track];
    if (ch->voice < 0)
        return NULL;
    tk_voice *v = &e->voice[ch->voice];
    if (!v->active || v->serial != ch->voice_serial || v->fading || v->sample_ended) {
        ch->voice = -1;
        return NULL;
    }
    return v;
}

static const tk_instrument *instrument(const tk_engine *e, uint32_t number)
{
    if (number == TK_INSTR_NONE || number > e->song->instrument_count)
        return NULL;
    return &e->song->instruments[number - 1];
}

static const tk_cell *cell_at(const tk_engine *e, uint32_t track)
{
    static const tk_cell empty = { TK_NOTE_NONE, TK_INSTR_NONE, TK_VOL_NONE, 0,
                                   { { TK_FX_NONE, 0 }, { TK_FX_NONE, 0 }, { TK_FX_NONE, 0 }, { TK_FX_NONE, 0 } } };
    const tk_song *s = e->song;
    if (e->pattern >= s->pattern_count)
        return &empty;
    const tk_pattern *p = &s->patterns[e->pattern];
    if (e->row >= p->rows || track >= s->tracks)
        return &empty;
    return &p->cells[(size_t)e->row * s->tracks + track];
}

void tk_replayer_set_tempo(tk_engine *e, uint32_t bpm)
{
    bpm = (uint32_t)clampi((int32_t)bpm, 32, 255);
    e->tempo_bpm = bpm;
    if (e->follow && e->ext_period_frames > 0)
        return; /* an external clock sets the pace; Fxx and the song's tempo wait */
    /* 2.5 * rate / bpm frames per tick, rounded up in 32.32 so that the sum
     * over n ticks floors to exactly floor(n * 2.5 * rate / bpm). */
    uint64_t rate = (uint64_t)e->rate_hz;
    e->tick_frames_fp = (((rate * 5u) << 31) + bpm - 1) / bpm;
}

/* ---- waveforms for vibrato and tremolo ----------------------------------- */

static int32_t lfo_wave(tk_engine *e, uint8_t wave, uint8_t pos)
{
    pos &= 63;
    switch (wave & 3) {
    case 0:
        return pos < 32 ? tk_vibrato_sine[pos] : -tk_vibrato_sine[pos & 31];
    case 1: /* ramp down */
        return 255 - pos * 8;
    case 2:
        return pos < 32 ? 255 : -255;
    default:
        return (int32_t)(tk_rng_next(&e->rng) % 511u) - 255;
    }
}

/* ---- channel -> voice ---------------------------------------------------- */

static void apply_channel(tk_engine *e, uint32_t track, uint32_t ramp_frames, uint32_t advance_frames)
{
    tk_channel *ch = &e->channel[track];
    tk_voice *v = tk_channel_voice(e, track);
    if (!v)
        return;
    if (amiga(e) && v->ins->kind == TK_KIND_SAMPLE) {
        int32_t period = ch->period;
        if (ch->glissando && ch->target_period != 0)
            period = tk_pt_period_at(tk_pt_note_index(period, ch->pt_finetune), ch->pt_finetune);
        v->pitch_units = tk_period_to_units(period + ch->period_offset, (float)v->ins->base_note,
                                            v->ins->sample_rate_hz);
    } else if (st3_periods(e) && v->ins->kind == TK_KIND_SAMPLE) {
        v->pitch_units = tk_st3_period_to_units(ch->period + ch->period_offset, (float)v->ins->base_note,
                                                v->ins->sample_rate_hz) + (float)ch->pitch_offset_units;
    } else {
        int32_t pitch = clampi(ch->pitch_units, PITCH_MIN_UNITS, PITCH_MAX_UNITS);
        if (ch->glissando && ch->target_units != ch->pitch_units)
            pitch = (pitch + 32) / 64 * 64;
        v->pitch_units = (float)clampi(pitch + ch->pitch_offset_units, PITCH_MIN_UNITS, PITCH_MAX_UNITS);
    }
    int32_t volume = ch->tremor_off ? 0 : clampi(ch->volume + ch->volume_offset, 0, 64);
    v->volume = (float)(volume * e->global_volume) / (64.0f * 64.0f);
    v->pan = (float)(ch->pan - 128) / 128.0f;
    const tk_instrument *ins = v->ins;
    /* -1: back to the instrument's own (an instrument number cleared the override) */
    v->cutoff_scale = 1.0f;
    if (ch->cutoff >= 0 && ins->cutoff_hz > 0.0f) {
        /* 00..FF spans 20 Hz..20 kHz on a log scale */
        float hz = 20.0f * exp2f((float)ch->cutoff * (9.9657843f / 255.0f));
        v->cutoff_scale = hz / ins->cutoff_hz;
    }
    v->resonance_offset = ch->resonance >= 0 ? (float)ch->resonance / 255.0f - ins->resonance : 0.0f;
    tk_voice_update(e, v, advance_frames, ramp_frames);
}

static uint32_t fx_columns(const tk_engine *e, uint32_t track)
{
    uint32_t n = e->song->track[track].fx_columns;
    return n < 1 ? 1 : (n > TK_MAX_FX_COLUMNS ? TK_MAX_FX_COLUMNS : n);
}

/* The x of an E5x in the cell, or -1. */
static int32_t finetune_nibble(const tk_engine *e, uint32_t track, const tk_cell *c)
{
    int32_t x = -1;
    for (uint32_t i = 0; i < fx_columns(e, track); i++)
        if (c->fx[i].cmd == FX_EXTENDED && (c->fx[i].param >> 4) == 0x5)
            x = c->fx[i].param & 15;
    return x;
}

/* The track's note starts on a new voice (the sounding one fades): the instrument's sample
 * the note maps to, stepped by the replayer's ticks. */
static tk_voice *start_voice(tk_engine *e, uint32_t track, const tk_instrument *ins, uint8_t note,
                             float pitch_units, uint32_t offset_frames)
{
    tk_channel *ch = &e->channel[track];
    tk_voice *old = tk_channel_voice(e, track);
    if (old)
        tk_voice_fade(e, old);
    uint8_t zone = tk_zone_number(ins, note);
    tk_voice *v = tk_voice_alloc(e);
    tk_voice_start(e, v, tk_instrument_zone(ins, zone), ch->instrument, (uint8_t)track, pitch_units,
                   offset_frames);
    v->zone = zone;
    v->replayer_ticks = v->fresh = 1;
    ch->voice = v->active ? (int16_t)(v - e->voice) : -1;
    ch->voice_serial = v->serial;
    return v;
}

/* 3xx, 5xy and the volume column's Fx all slide to the note instead of starting it. */
static int is_tone_porta(tk_fx fx)
{
    return fx.cmd == FX_TONE_PORTA || fx.cmd == FX_TONE_VOL ||
           (fx.cmd == FX_VOLUME_COLUMN && fx.param >= 0xF0);
}

/* Whether the cell sets a volume: its volume column, Cxx, or an instrument number. */
static int sets_volume(const tk_cell *c)
{
    if (c->volume <= 64 || c->instrument != TK_INSTR_NONE)
        return 1;
    for (uint32_t i = 0; i < TK_MAX_FX_COLUMNS; i++)
        if (c->fx[i].cmd == FX_VOLUME)
            return 1;
    return 0;
}

/* The key goes up. FT2: a note with no volume envelope goes to volume 0 but plays on; a
 * volume beside the key off brings it back, fading out (NoteOffVolume.xm, key_off.xm,
 * NoteOffFade.xm). One with an envelope is released. A key off delayed by EDx restarts
 * the envelopes instead (OffDelay.xm). */
static void key_off(tk_engine *e, uint32_t track, const tk_cell *c)
{
    tk_voice *v = tk_channel_voice(e, track);
    if (!v)
        return;
    if (ft2(e) && v->ins->kind == TK_KIND_SAMPLE) {
        int delayed = e->channel[track].delay_tick == e->tick && e->tick > 0;
        if (!v->ins->volume_points.count) {
            e->channel[track].volume = 0;
            v->released = 1; /* auto-vibrato's sweep sees a released key */
            v->fading_out = !delayed && sets_volume(c);
            return;
        }
        if (delayed) {
            tk_voice_restart_instrument(v);
            return;
        }
    }
    tk_voice_release(v);
}

static void trigger(tk_engine *e, uint32_t track, const tk_cell *c, int tone_porta, uint32_t offset_frames)
{
    tk_channel *ch = &e->channel[track];
    const tk_instrument *ins;

    int internal = !e->song->track[track].midi_only;
    /* FT2 releases the key before it reads an instrument number beside it, whose volume then
     * brings a note with no volume envelope back (OffDelay.xm, RetrigFade.xm) */
    int off_first = ft2(e) && c->note == TK_NOTE_OFF;
    if (off_first) {
        tk_midi_note_off(e, track);
        key_off(e, track, c);
    }

    if (c->instrument != TK_INSTR_NONE && (ins = instrument(e, c->instrument))) {
        /* An instrument number resets volume, pan and the filter overrides (FastTracker II). */
        tk_midi_program(e, track, c->instrument);
        ch->instrument = c->instrument;
        if (ft2(e)) /* an instrument number starts tremor again (TremorInstr.xm) */
            ch->tremor_pos = ch->tremor_off = 0;
        const tk_instrument *zone = zone_of(ins, c->note <= TK_NOTE_MAX ? c->note : ch->note);
        /* A module's sample volume is the channel's new volume, not a gain (ProTracker, FT2). */
        ch->volume = module(e) ? clampi((int32_t)(zone->volume * 64.0f + 0.5f), 0, 64) : 64;
        ch->pan = clampi((int32_t)(zone->pan * 128.0f) + 128, 0, 255);
        ch->finetune = zone->finetune;
        /* ProTracker: a lone instrument number keeps the sounding note's finetune
         * (PortaSwapPT.mod, InstrSwapRetrigger.mod). */
        if (!amiga(e) || c->note <= TK_NOTE_MAX)
            ch->pt_finetune = (int8_t)(ins->finetune / 16);
        ch->cutoff = -1;
        ch->resonance = -1;
        /* ProTracker: another sample without a new note to start it (a lone number, or one
         * beside 3xx) takes over when the sounding one's loop or end comes round. */
        tk_voice *sounding = tk_channel_voice(e, track);
        int starts = c->note <= TK_NOTE_MAX && !tone_porta;
        if (amiga(e) && sounding && !starts && sounding->ins != ins) {
            sounding->swap_ins = ins;
            sounding->swap_number = c->instrument;
        }
        /* FastTracker II: a number without a note to start restarts the sounding note's
         * envelopes, fadeout and auto-vibrato; a released key stays released (Pickup.xm). */
        if (ft2(e) && sounding && !starts && !off_first)
            tk_voice_restart_instrument(sounding);
    }
    tk_voice *old = tk_channel_voice(e, track);

    if (c->note <= TK_NOTE_MAX) {
        ins = instrument(e, ch->instrument);
        if (ins && !(tone_porta && ch->midi_note != TK_NOTE_NONE)) {
            int32_t volume = c->volume <= 64 ? c->volume : ch->volume;
            tk_midi_note_on(e, track, c->note, (uint8_t)((volume * 127 + 32) / 64));
        }
        if (ins && !internal) {
            ch->note = c->note;
        } else if (ins) {
            /* E5x tunes the note on its own row, over the instrument's finetune
             * (ProTracker and FastTracker II both read it before the period). */
            const tk_instrument *zone = zone_of(ins, c->note);
            if (ft2(e)) /* the note's sample brings its own finetune */
                ch->finetune = zone->finetune;
            int32_t fine = finetune_nibble(e, track, c);
            if (fine >= 0) {
                ch->finetune = (int8_t)(fine * 16 - 128);
                ch->pt_finetune = (int8_t)(fine < 8 ? fine : fine - 16);
            }
            int32_t pitch = (int32_t)c->note * 64 + ch->finetune / 2;
            int32_t period = tk_pt_period(c->note, ch->pt_finetune);
            if (st3_periods(e)) {
                /* a slide's target is in the sounding sample's periods (PortaSmpChange.s3m) */
                const tk_instrument *by = tone_porta && old ? old->ins : zone;
                period = tk_st3_period(c->note, (float)by->base_note, by->sample_rate_hz);
                if (ft2(e)) /* finetune in 1/128 semitone: a shorter period is higher */
                    period = (int32_t)((float)period * exp2f(-(float)ch->finetune / 1536.0f));
            }
            ch->note = c->note;
            if (tone_porta && (old || ft2(e))) {
                /* FT2 slides a sounding note, and starts nothing when none sounds (a
                 * stopped note is not picked up again: 3xx-no-old-samp.xm) */
                ch->target_units = pitch;
                ch->target_period = period;
            } else if (old && ins->glide_s > 0.0f && old->ins == ins && !old->released) {
                ch->pitch_units = ch->target_units = pitch;
                ch->period = period; /* ProTracker: only 3xx sets a target (PortaTarget.mod) */
                tk_voice_legato(e, old, (float)pitch);
            } else {
                /* ProTracker: 9xx past the end of a looped sample starts it in its loop. */
                if (amiga(e) && ins->loop_mode != TK_LOOP_NONE && offset_frames >= ins->sample_frames)
                    offset_frames = ins->loop_start_frames;
                tk_voice *v = start_voice(e, track, ins, c->note, (float)pitch, offset_frames);
                ch->retrig_count = 0;
                ch->held_units = ch->pitch_offset_units = 0;
                ch->tremor_off = 0;
                ch->cut = 0;
                ch->pitch_units = ch->target_units = pitch;
                ch->period = period; /* ProTracker: only 3xx sets a target (PortaTarget.mod) */
                if (!(ch->vibrato_wave & 4))
                    ch->vibrato_pos = 0;
                if (!(ch->tremolo_wave & 4))
                    ch->tremolo_pos = 0;
                if (v->active) {
                    uint32_t to_control = tk_frames_to_control(e);
                    if (c->volume <= 64)
                        ch->volume = c->volume;
                    /* ProTracker starts a sample at full volume on the tick (Paula has no
                     * ramp): a ramp would move the attack, which the conformance times. */
                    apply_channel(e, track, amiga(e) ? 0 : to_control, to_control);
                }
            }
        }
    } else if (c->note == TK_NOTE_OFF && !off_first) {
        tk_midi_note_off(e, track);
        key_off(e, track, c);
    } else if (c->note == TK_NOTE_CUT) {
        tk_midi_note_off(e, track);
        ch->cut = 1;
        if (old)
            tk_voice_fade(e, old);
        ch->voice = -1;
    }
    if (c->volume <= 64)
        ch->volume = c->volume;
}

static void retrigger(tk_engine *e, uint32_t track)
{
    tk_channel *ch = &e->channel[track];
    const tk_instrument *ins = instrument(e, ch->instrument);
    /* A sample that has played to its end starts again too (ProTracker, FastTracker II):
     * only a track that never played a note has nothing to retrigger. */
    if (!ins || ch->voice_serial == 0 || e->song->track[track].midi_only)
        return;
    if (st3(e) && ch->cut) /* ST3 does not start a cut note again (RetrigAfterNoteCut.s3m) */
        return;
    start_voice(e, track, ins, ch->note, (float)ch->pitch_units, 0);
    uint32_t to_control = tk_frames_to_control(e);
    apply_channel(e, track, amiga(e) ? 0 : to_control, to_control);
}

/* ---- effects ------------------------------------------------------------- */

static void volume_slide(tk_channel *ch, uint8_t param)
{
    /* Both nibbles set: the up nibble wins (FastTracker II). */
    if (param >> 4)
        ch->volume = clampi(ch->volume + (param >> 4), 0, 64);
    else
        ch->volume = clampi(ch->volume - (param & 15), 0, 64);
}

static void slide_byte(int32_t *value, int32_t fallback, uint8_t param)
{
    int32_t v = *value < 0 ? fallback : *value;
    if (param >> 4)
        v += param >> 4;
    else
        v -= param & 15;
    *value = clampi(v, 0, 255);
}

/* *value moves toward target by speed, and stops there. */
static void approach(int32_t *value, int32_t target, int32_t speed)
{
    if (*value < target)
        *value = *value + speed > target ? target : *value + speed;
    else if (*value > target)
        *value = *value - speed < target ? target : *value - speed;
}

static void tone_porta(tk_engine *e, tk_channel *ch)
{
    if (amiga(e)) {
        if (ch->target_period == 0)
            return;
        approach(&ch->period, ch->target_period, ch->mem_tone_porta);
        if (ch->period == ch->target_period)
            ch->target_period = 0; /* reached: a later 3xx has nowhere to go (PortaTarget.mod) */
    } else if (st3_periods(e)) {
        approach(&ch->period, ch->target_period, ch->mem_tone_porta * 4);
    } else {
        approach(&ch->pitch_units, ch->target_units, ch->mem_tone_porta * 4);
    }
}

/* FT2's LFO: half a cycle of 32 steps from its table, the ramp's sign taken from a
 * position of its own (the tremolo's ramp reads the vibrato's: TremoloVibrato.xm). */
static int32_t ft2_lfo_half(tk_engine *e, uint8_t wave, uint8_t pos, uint8_t ramp_pos)
{
    switch (wave & 3) {
    case 0: return tk_vibrato_sine[pos & 31];
    case 1: return (ramp_pos & 63) < 32 ? (pos & 31) << 3 : 255 - ((pos & 31) << 3);
    case 2: return 255;
    default: return (int32_t)(tk_rng_next(&e->rng) & 255);
    }
}

static void vibrato(tk_engine *e, tk_channel *ch)
{
    int32_t depth = ch->mem_vibrato & 15, speed = ch->mem_vibrato >> 4;
    if (ft2(e)) {
        /* FT2 adds to the period in the first half of the cycle: the pitch goes down first */
        int32_t amount = ft2_lfo_half(e, ch->vibrato_wave, ch->vibrato_pos, ch->vibrato_pos) * depth >> 5;
        ch->pitch_offset_units = ch->held_units = (ch->vibrato_pos & 63) < 32 ? -amount : amount;
    } else if (amiga(e))
        ch->period_offset = lfo_wave(e, ch->vibrato_wave, ch->vibrato_pos) * depth / 128;
    else if (st3(e)) /* ST3 periods are quarter Amiga periods; Uxy is four times finer */
        ch->period_offset = lfo_wave(e, ch->vibrato_wave, ch->vibrato_pos) * depth / (ch->fine_vibrato ? 128 : 32);
    else
        ch->pitch_offset_units = lfo_wave(e, ch->vibrato_wave, ch->vibrato_pos) * depth / 32;
    ch->vibrato_pos = (uint8_t)((ch->vibrato_pos + speed) & 63);
}

static void tremolo(tk_engine *e, tk_channel *ch)
{
    int32_t depth = ch->mem_tremolo & 15, speed = ch->mem_tremolo >> 4;
    if (ft2(e)) {
        int32_t amount = ft2_lfo_half(e, ch->tremolo_wave, ch->tremolo_pos, ch->vibrato_pos) * depth >> 6;
        ch->volume_offset = (ch->tremolo_pos & 63) < 32 ? amount : -amount;
    } else {
        ch->volume_offset = lfo_wave(e, ch->tremolo_wave, ch->tremolo_pos) * depth / 64;
    }
    ch->tremolo_pos = (uint8_t)((ch->tremolo_pos + speed) & 63);
}

static int32_t cutoff_of(const tk_engine *e, const tk_channel *ch)
{
    const tk_instrument *ins = instrument(e, ch->instrument);
    if (!ins)
        return 255;
    /* inverse of the 20 Hz..20 kHz map in apply_channel */
    float hz = ins->cutoff_hz < 20.0f ? 20.0f : ins->cutoff_hz;
    return clampi((int32_t)(log2f(hz / 20.0f) * (255.0f / 9.9657843f) + 0.5f), 0, 255);
}

static int32_t resonance_of(const tk_engine *e, const tk_channel *ch)
{
    const tk_instrument *ins = instrument(e, ch->instrument);
    return ins ? clampi((int32_t)(ins->resonance * 255.0f + 0.5f), 0, 255) : 0;
}

static uint8_t remember(uint8_t *memory, uint8_t param)
{
    if (param)
        *memory = param;
    return *memory;
}

static void remember_nibbles(uint8_t *memory, uint8_t param)
{
    if (param & 0xf0)
        *memory = (uint8_t)((*memory & 0x0f) | (param & 0xf0));
    if (param & 0x0f)
        *memory = (uint8_t)((*memory & 0xf0) | (param & 0x0f));
}

/* FT2: an effect that sets the pitch ends a held vibrato offset. */
static void drop_held_pitch(tk_channel *ch)
{
    ch->held_units = 0;
    ch->pitch_offset_units = 0;
    ch->held_by_effect = 0;
}

/* Rxy: every y ticks the note starts again, its volume changed by x (FastTracker II). */
static void multi_retrig(tk_engine *e, uint32_t track)
{
    tk_channel *ch = &e->channel[track];
    uint8_t x = ch->mem_multi_retrig >> 4, y = ch->mem_multi_retrig & 15;
    if (!y || ++ch->retrig_count < y)
        return;
    ch->retrig_count = 0;
    static const int8_t step[16] = { 0, -1, -2, -4, -8, -16, 0, 0, 0, 1, 2, 4, 8, 16, 0, 0 };
    int32_t v = ch->volume;
    switch (x) {
    case 0x6: v = v * 2 / 3; break;
    case 0x7: v /= 2; break;
    case 0xE: v = v * 3 / 2; break;
    case 0xF: v *= 2; break;
    default: v += step[x]; break;
    }
    ch->volume = clampi(v, 0, 64);
    retrigger(e, track);
}

/* Txy: x + 1 ticks on, y + 1 ticks off, counted across rows (FastTracker II). */
static void tremor(tk_channel *ch)
{
    int on = ch->tremor_pos & 0x80;
    int left = (ch->tremor_pos & 0x7f) - 1;
    if (left < 0) {
        on = !on;
        left = on ? ch->mem_tremor >> 4 : ch->mem_tremor & 15;
    }
    ch->tremor_pos = (uint8_t)((on ? 0x80 : 0) | left);
    ch->tremor_off = !on;
}

/* The volume column's tick-0 half (Vxx): fine slides, vibrato speed and depth, pan, porta speed. */
static void volume_column_row(tk_channel *ch, uint8_t p)
{
    uint8_t y = p & 15;
    switch (p >> 4) {
    case 0x8: ch->volume = clampi(ch->volume - y, 0, 64); break;
    case 0x9: ch->volume = clampi(ch->volume + y, 0, 64); break;
    case 0xA: if (y) ch->mem_vibrato = (uint8_t)((ch->mem_vibrato & 0x0f) | (y << 4)); break;
    case 0xB: if (y) ch->mem_vibrato = (uint8_t)((ch->mem_vibrato & 0xf0) | y); break;
    case 0xC: ch->pan = y << 4; break;
    case 0xF: if (y) ch->mem_tone_porta = (uint8_t)(y << 4); break;
    default: break;
    }
}

static void volume_column_tick(tk_engine *e, tk_channel *ch, uint8_t p)
{
    uint8_t y = p & 15;
    switch (p >> 4) {
    case 0x6: ch->volume = clampi(ch->volume - y, 0, 64); break;
    case 0x7: ch->volume = clampi(ch->volume + y, 0, 64); break;
    case 0xB: vibrato(e, ch); ch->held_by_effect = 1; break;
    case 0xD: /* FT2 takes a left slide of 0 to hard left (PanSlideZero.xm) */
        ch->pan = y == 0 && ft2(e) ? 0 : clampi(ch->pan - y, 0, 255);
        break;
    case 0xE: ch->pan = clampi(ch->pan + y, 0, 255); break;
    case 0xF: drop_held_pitch(ch); tone_porta(e, ch); break;
    default: break;
    }
}

static void fx_row(tk_engine *e, uint32_t track, tk_fx fx)
{
    tk_channel *ch = &e->channel[track];
    uint8_t p = fx.param, x = p >> 4, y = p & 15;
    if (amiga(e)) {
        /* ProTracker has no memory for slides: a 00 parameter slides by 0. */
        switch (fx.cmd) {
        case FX_PORTA_UP: ch->mem_porta_up = p; return;
        case FX_PORTA_DOWN: ch->mem_porta_down = p; return;
        case FX_TONE_VOL:
        case FX_VIB_VOL:
        case FX_VOLSLIDE: ch->mem_volslide = p; return;
        case FX_EXTENDED:
            switch (x) {
            case 0x1: slide_period(ch, -(int32_t)y); return;
            case 0x2: slide_period(ch, (int32_t)y); return;
            case 0xA: ch->volume = clampi(ch->volume + y, 0, 64); return;
            case 0xB: ch->volume = clampi(ch->volume - y, 0, 64); return;
            case 0x5: ch->pt_finetune = (int8_t)(y < 8 ? y : (int32_t)y - 16); return;
            default: break;
            }
            break;
        default: break;
        }
    }
    if (st3(e)) {
        switch (fx.cmd) {
        case FX_PORTA_UP:
        case FX_PORTA_DOWN: {
            /* EFx/FFx: fine, x * 4 once; EEx/FEx: extra fine, x once; else on each later tick */
            int32_t sign = fx.cmd == FX_PORTA_UP ? -1 : 1;
            if (p >= 0xF0)
                st3_slide(e, track, sign * 4 * y);
            else if (p >= 0xE0)
                st3_slide(e, track, sign * y);
            ch->mem_porta_up = ch->mem_porta_down = p;
            return;
        }
        case FX_VOLSLIDE: st3_fine_volume(ch, p); ch->mem_volslide = p; return;
        case FX_TONE_VOL: ch->mem_volslide = p; return; /* no fine slide on the first tick */
        case FX_VIB_VOL: /* nor here, and Kxy's vibrato is never a fine one (VibratoTypeChange.s3m) */
            ch->mem_volslide = p;
            ch->fine_vibrato = 0;
            return;
        case FX_VIBRATO: ch->fine_vibrato = 0; remember_nibbles(&ch->mem_vibrato, p); return;
        case FX_FINE_VIBRATO: ch->fine_vibrato = 1; remember_nibbles(&ch->mem_vibrato, p); return;
        case FX_EXTENDED:
            if (x == 0xE) { /* SEx: the first row delay of the row counts (PatternDelays.s3m) */
                if (!e->in_pattern_delay && !e->pattern_delay)
                    e->pattern_delay = y;
                return;
            }
            break;
        default: break;
        }
    }
    switch (fx.cmd) {
    case FX_PORTA_UP: remember(&ch->mem_porta_up, p); break;
    case FX_PORTA_DOWN: remember(&ch->mem_porta_down, p); break;
    case FX_TONE_PORTA:
        /* FT2 ignores 3xx's parameter beside the volume column's Mx (TonePortamentoMemory.xm) */
        if (!(ft2(e) && ch->volume_column_porta))
            remember(&ch->mem_tone_porta, p);
        break;
    case FX_VIBRATO: remember_nibbles(&ch->mem_vibrato, p); break;
    case FX_TONE_VOL:
    case FX_VIB_VOL:
    case FX_VOLSLIDE: remember(&ch->mem_volslide, p); break;
    case FX_TREMOLO: remember_nibbles(&ch->mem_tremolo, p); break;
    case FX_PAN: ch->pan = p; break;
    case FX_VOLUME: ch->volume = p > 64 ? 64 : p; break;
    case FX_JUMP:
        e->next_order = p;
        e->pattern_break = 1;
        if (amiga(e) || ft2(e))
            e->next_row = -1; /* Bxx clears a Dxx left of it (PatternJump.mod) */
        e->ft2_break_row = 0;
        break;
    case FX_BREAK:
        /* The parameter is decimal-coded: D10 is row 10 (ProTracker, FastTracker II). */
        e->next_row = x * 10 + y;
        e->pattern_break = 1;
        e->ft2_break_row = e->next_row > 63 ? 0 : (uint8_t)e->next_row;
        break;
    case FX_SPEED:
        if (p == 0)
            break; /* F00 does nothing here; ProTracker stopped the song */
        if (p < 0x20)
            e->speed_ticks = p;
        else if (amiga(e))
            e->pending_tempo_bpm = p; /* ProTracker: from the next tick on (TempoChange.mod) */
        else
            tk_replayer_set_tempo(e, p);
        break;
    case FX_MIDI_BEND: tk_midi_bend(e, track, p); break;
    case FX_MIDI_CC: tk_midi_cc(e, track, ch->midi_cc, p); break;
    case FX_MIDI_CC_NUMBER: ch->midi_cc = p & 0x7f; break;
    case FX_GLOBAL_VOLUME: e->global_volume = p > 64 ? 64 : p; break;
    case FX_GLOBAL_SLIDE: remember(&ch->mem_global_slide, p); break;
    case FX_KEY_OFF:
        if (p == 0) {
            key_off(e, track, cell_at(e, track));
        } else {
            ch->key_off_tick = p;
        }
        break;
    case FX_ENV_POS: {
        /* FT2 moves the pan envelope too only when the volume envelope has a sustain point
         * (SetEnvPos.xm) */
        tk_voice *v = tk_channel_voice(e, track);
        if (v)
            tk_voice_set_points(v, p, !ft2(e) || v->ins->volume_points.sustain < v->ins->volume_points.count);
        break;
    }
    case FX_PAN_SLIDE: remember(&ch->mem_pan_slide, p); break;
    case FX_MULTI_RETRIG:
        remember_nibbles(&ch->mem_multi_retrig, p);
        break;
    case FX_TREMOR: remember(&ch->mem_tremor, p); break;
    case FX_VOLUME_COLUMN: volume_column_row(ch, p); break;
    case FX_EXTRA_FINE:
        if (x == 0x1 || x == 0x2) {
            drop_held_pitch(ch);
            slide_up(e, track, x == 0x1 ? remember(&ch->mem_extra_fine_up, y)
                                        : -(int32_t)remember(&ch->mem_extra_fine_down, y));
        } else if (x == 0x6 && !e->in_pattern_delay) {
            /* ModPlug's X6x in XM files: the row lasts x ticks longer, every channel's adding
             * up and each repetition of the row too (PatternDelays.xm) */
            e->row_extra_ticks += y;
        }
        break;
    case FX_CUTOFF: ch->cutoff = p; break;
    case FX_RESONANCE: ch->resonance = p; break;
    case FX_CUTOFF_SLIDE: remember(&ch->mem_cutoff_slide, p); break;
    case FX_RES_SLIDE: remember(&ch->mem_res_slide, p); break;
    case FX_EXTENDED:
        switch (x) {
        case 0x1: drop_held_pitch(ch); slide_up(e, track, 4 * remember(&ch->mem_fine_up, y)); break;
        case 0x2: drop_held_pitch(ch); slide_up(e, track, -4 * remember(&ch->mem_fine_down, y)); break;
        case 0x3: ch->glissando = y != 0; break;
        case 0x4: ch->vibrato_wave = y & 7; break;
        case 0x5: /* FT2 reads E5x only beside a note (trigger(), finetune.xm) */
            if (!ft2(e))
                ch->finetune = (int8_t)(y * 16 - 128);
            break;
        case 0x6:
            if (y == 0) {
                ch->loop_row = (uint8_t)e->row;
                break;
            }
            if (ch->loop_count == 0)
                ch->loop_count = y;
            else if (--ch->loop_count == 0)
                break;
            e->loop_jump_row = ch->loop_row;
            /* FT2 keeps the loop's row as the row the next pattern starts at */
            e->ft2_break_row = ch->loop_row;
            e->ft2_loop = 1;
            break;
        case 0x7: ch->tremolo_wave = y & 7; break;
        case 0x9:
            ch->retrig_ticks = y;
            if (ft2(e) && y == 0) /* FT2's E90 starts the note again at once (E90.xm) */
                retrigger(e, track);
            break;
        case 0xA: ch->volume = clampi(ch->volume + remember(&ch->mem_fine_volup, y), 0, 64); break;
        case 0xB: ch->volume = clampi(ch->volume - remember(&ch->mem_fine_voldown, y), 0, 64); break;
        case 0xC:
            if (y == 0)
                ch->volume = 0;
            else
                ch->cut_tick = y;
            break;
        case 0xE:
            if (!e->in_pattern_delay)
                e->pattern_delay = y;
            break;
        default: break;
        }
        break;
    default: break;
    }
}

/* FT2 counts a row's ticks down from the speed and reads its arpeggio from a 16-entry table,
 * 0 1 2 0 1 2...; past it lies the vibrato table, whose entries are 0 and then all above 1
 * (Arpeggio.xm). */
#define FT2_HIGHEST_UNITS (107 * 64)
static uint32_t ft2_arpeggio_phase(const tk_engine *e)
{
    uint32_t countdown = e->tick < e->speed_ticks ? e->speed_ticks - e->tick : 0;
    if (countdown < 16)
        return countdown % 3;
    return countdown == 16 ? 0 : 2;
}

/* Axy, 5xy and 6xy on the ticks after the first, by the song's tracker's rules. */
static void tick_volume_slide(const tk_engine *e, tk_channel *ch)
{
    if (st3(e))
        st3_volume_slide(ch, ch->mem_volslide);
    else
        volume_slide(ch, ch->mem_volslide);
}

static void fx_tick(tk_engine *e, uint32_t track, tk_fx fx)
{
    tk_channel *ch = &e->channel[track];
    uint8_t p = fx.param, x = p >> 4, y = p & 15;
    switch (fx.cmd) {
    case FX_ARP:
        if (p) {
            uint32_t phase = ft2(e) ? ft2_arpeggio_phase(e) : e->tick % 3;
            int32_t semis = phase == 1 ? x : phase == 2 ? y : 0;
            if (amiga(e)) {
                int32_t at = tk_pt_note_index(ch->period, ch->pt_finetune);
                ch->period_offset = semis ? tk_pt_arpeggio_period(at + semis, ch->pt_finetune) - ch->period : 0;
            } else if (ft2(e) && semis) {
                drop_held_pitch(ch);
                /* FT2 rounds the slid pitch to its nearest note, adds the step there
                 * (ArpSlide.xm) and stops at XM's highest note, B-7 (ArpeggioClamp.xm) */
                int32_t fine = ch->finetune / 2;
                int32_t note = (ch->pitch_units - fine + 32) >> 6;
                int32_t pitch = (note + semis) * 64 + fine;
                pitch = pitch > FT2_HIGHEST_UNITS ? FT2_HIGHEST_UNITS : pitch;
                ch->pitch_offset_units = pitch - ch->pitch_units;
            } else {
                ch->pitch_offset_units = semis * 64;
            }
        }
        break;
    case FX_PORTA_UP:
        drop_held_pitch(ch);
        if (st3(e)) {
            if (ch->mem_porta_up < 0xE0)
                st3_slide(e, track, -4 * ch->mem_porta_up);
        } else if (amiga(e))
            slide_period(ch, -(int32_t)ch->mem_porta_up);
        else
            slide_up(e, track, 4 * ch->mem_porta_up);
        break;
    case FX_PORTA_DOWN:
        drop_held_pitch(ch);
        if (st3(e)) {
            if (ch->mem_porta_down < 0xE0)
                st3_slide(e, track, 4 * ch->mem_porta_down);
        } else if (amiga(e))
            slide_period(ch, (int32_t)ch->mem_porta_down);
        else
            slide_up(e, track, -4 * ch->mem_porta_down);
        break;
    case FX_TONE_PORTA: drop_held_pitch(ch); tone_porta(e, ch); break;
    case FX_VIBRATO: vibrato(e, ch); ch->held_by_effect = 1; break;
    case FX_TONE_VOL:
        drop_held_pitch(ch);
        tone_porta(e, ch);
        tick_volume_slide(e, ch);
        break;
    case FX_VIB_VOL:
        vibrato(e, ch);
        ch->held_by_effect = 1;
        tick_volume_slide(e, ch);
        break;
    case FX_FINE_VIBRATO: vibrato(e, ch); break;
    case FX_TREMOLO: tremolo(e, ch); break;
    case FX_VOLSLIDE: tick_volume_slide(e, ch); break;
    case FX_GLOBAL_SLIDE: {
        int32_t g = e->global_volume;
        uint8_t m = ch->mem_global_slide;
        g = m >> 4 ? g + (m >> 4) : g - (m & 15);
        e->global_volume = (uint8_t)clampi(g, 0, 64);
        break;
    }
    case FX_KEY_OFF:
        if (e->tick == ch->key_off_tick)
            key_off(e, track, cell_at(e, track));
        break;
    case FX_PAN_SLIDE: {
        uint8_t m = ch->mem_pan_slide;
        ch->pan = clampi(m >> 4 ? ch->pan + (m >> 4) : ch->pan - (m & 15), 0, 255);
        break;
    }
    case FX_MULTI_RETRIG: multi_retrig(e, track); break;
    case FX_TREMOR: tremor(ch); break;
    case FX_VOLUME_COLUMN: volume_column_tick(e, ch, p); break;
    case FX_CUTOFF_SLIDE: slide_byte(&ch->cutoff, cutoff_of(e, ch), ch->mem_cutoff_slide); break;
    case FX_RES_SLIDE: slide_byte(&ch->resonance, resonance_of(e, ch), ch->mem_res_slide); break;
    case FX_EXTENDED:
        if (x == 0x9 && y && e->tick % y == 0)
            retrigger(e, track);
        else if (x == 0xC && e->tick == ch->cut_tick)
            ch->volume = 0;
        else if (x == 0xD && e->tick == ch->delay_tick) {
            int porta = 0;
            for (uint32_t i = 0; i < TK_MAX_FX_COLUMNS; i++)
                porta |= is_tone_porta(ch->delayed.fx[i]);
            tk_cell delayed = ch->delayed;
            /* FT2 plays a note delay without a note as one beside the last note played
             * (delay2.xm, envretrig.xm) */
            if (ft2(e) && delayed.note == TK_NOTE_NONE && ch->voice_serial)
                delayed.note = ch->note;
            trigger(e, track, &delayed, porta, 0);
            ch->delay_tick = 0xff; /* played: a ProTracker row after it has nothing to catch up */
        }
        break;
    default: break;
    }
}

/* For these a 00 parameter in ST3 means the last non-zero one of any command. */
static int shares_st3_memory(uint8_t cmd)
{
    switch (cmd) {
    case FX_VOLSLIDE: case FX_VIB_VOL: case FX_TONE_VOL: case FX_PORTA_DOWN: case FX_PORTA_UP:
    case FX_TREMOR: case FX_ARP: case FX_MULTI_RETRIG: case FX_TREMOLO: case FX_EXTENDED:
        return 1;
    default:
        return 0;
    }
}

/* Column i's effect with the parameter the row plays (after ST3's shared memory). */
static tk_fx fx_at(const tk_channel *ch, const tk_cell *c, uint32_t i)
{
    tk_fx fx = c->fx[i];
    fx.param = ch->fx_param[i];
    return fx;
}

static void resolve_params(tk_engine *e, tk_channel *ch, const tk_cell *c, uint32_t columns)
{
    for (uint32_t i = 0; i < columns; i++) {
        uint8_t p = c->fx[i].param;
        /* any command's non-zero parameter is remembered (ParamMemory.s3m: even Hxy's) */
        if (st3(e) && p)
            ch->st3_memory = p;
        else if (st3(e) && shares_st3_memory(c->fx[i].cmd))
            p = ch->st3_memory;
        ch->fx_param[i] = p;
    }
}

static void row_start(tk_engine *e, uint32_t track)
{
    tk_channel *ch = &e->channel[track];
    const tk_cell *c = cell_at(e, track);
    uint32_t columns = fx_columns(e, track);
    int porta = 0;
    uint8_t delay = 0;
    uint32_t offset = 0;

    resolve_params(e, ch, c, columns);
    int vibrates = 0, key_off_now = 0;
    ch->volume_column_porta = 0;
    for (uint32_t i = 0; i < columns; i++) {
        uint8_t cmd = c->fx[i].cmd, param = c->fx[i].param;
        ch->volume_column_porta |= cmd == FX_VOLUME_COLUMN && param >= 0xF0;
        vibrates |= cmd == FX_VIBRATO || cmd == FX_VIB_VOL || (cmd == FX_VOLUME_COLUMN && (param >> 4) == 0xB);
        key_off_now |= cmd == FX_KEY_OFF && param == 0;
    }
    if (ft2(e) && ch->held_by_effect && !vibrates)
        drop_held_pitch(ch); /* FT2: a vibrato that stops sets the pitch back */
    tk_cell without;
    if (ft2(e) && key_off_now) { /* FT2 ignores the note and instrument beside a K00 (KeyOff2.xm) */
        without = *c;
        without.note = TK_NOTE_NONE;
        without.instrument = TK_INSTR_NONE;
        c = &without;
    }

    /* ProTracker: a note delayed past the row's last tick plays on the next row's first one,
     * when that row has no note, as an instant portamento (NoteDelay-NextRow.mod) */
    if (amiga(e) && ch->delay_tick != 0xff && c->note > TK_NOTE_MAX && ch->delayed.note <= TK_NOTE_MAX &&
        !e->in_pattern_delay) {
        trigger(e, track, &ch->delayed, 1, 0);
        if (ch->target_period) {
            ch->period = ch->target_period;
            ch->target_period = 0;
        }
    }
    ch->cut_tick = 0xff;
    ch->delay_tick = 0xff;
    ch->key_off_tick = 0xff;
    ch->retrig_ticks = 0;
    for (uint32_t i = 0; i < columns; i++) {
        tk_fx fx = c->fx[i];
        porta |= is_tone_porta(fx);
        if (fx.cmd == FX_EXTENDED && (fx.param >> 4) == 0xD)
            delay = fx.param & 15;
        if (fx.cmd == FX_OFFSET)
            offset = (uint32_t)remember(&ch->mem_offset, fx.param) * 256u;
    }
    if (!e->in_pattern_delay) {
        if (delay) {
            ch->delay_tick = delay;
            ch->delayed = *c;
        } else {
            trigger(e, track, c, porta, offset);
        }
    }
    /* A row repeated by EEx runs its continuous effects again, not its tick-0 ones
     * (docs/effects.md): a fine slide or E6x counts once. ProTracker runs its fine slides
     * and note delays on every repetition (PatternDelaysRetrig.mod). */
    if (e->in_pattern_delay && st3(e)) {
        /* ST3: every repetition is a first tick again, but a loop counts once */
        for (uint32_t i = 0; i < columns; i++) {
            tk_fx fx = fx_at(ch, c, i);
            if (fx.cmd != TK_FX_NONE && !(fx.cmd == FX_EXTENDED && (fx.param >> 4) == 0x6))
                fx_row(e, track, fx);
        }
        return;
    }
    if (e->in_pattern_delay && ft2(e)) {
        /* FT2 plays a repeated row's first tick as one of its later ticks (Arpeggio.xm) */
        for (uint32_t i = 0; i < columns; i++)
            if (c->fx[i].cmd != TK_FX_NONE)
                fx_tick(e, track, fx_at(ch, c, i));
        return;
    }
    if (e->in_pattern_delay) {
        if (!amiga(e))
            return;
        if (delay) {
            ch->delay_tick = delay;
            ch->delayed = *c;
        }
        for (uint32_t i = 0; i < columns; i++) {
            uint8_t x = c->fx[i].param >> 4, y = c->fx[i].param & 15;
            if (c->fx[i].cmd != FX_EXTENDED)
                continue;
            if (x == 0x1 || x == 0x2 || x == 0xA || x == 0xB)
                fx_row(e, track, c->fx[i]);
            else if (x == 0x9 && y) {
                ch->retrig_ticks = y; /* a repetition's tick 0 has no note: it retriggers */
                retrigger(e, track);
            }
        }
        return;
    }
    for (uint32_t i = 0; i < columns; i++)
        if (c->fx[i].cmd != TK_FX_NONE)
            fx_row(e, track, fx_at(ch, c, i));
    /* Rxy counts tick 0 too, a note's own row included (as OpenMPT plays XMs) */
    for (uint32_t i = 0; i < columns; i++)
        if (c->fx[i].cmd == FX_MULTI_RETRIG)
            multi_retrig(e, track);
    /* ProTracker's E9x also retriggers on tick 0 when the row has no note (PTRetrigger.mod). */
    if (amiga(e) && c->note > TK_NOTE_MAX && ch->retrig_ticks)
        retrigger(e, track);
}

/* ---- transport ----------------------------------------------------------- */

static void reset_channels(tk_engine *e)
{
    for (uint32_t t = 0; t < TK_MAX_TRACKS; t++) {
        tk_channel *ch = &e->channel[t];
        int16_t voice = ch->voice;
        uint64_t serial = ch->voice_serial;
        memset(ch, 0, sizeof *ch);
        ch->voice = voice;
        ch->voice_serial = serial;
        ch->midi_note = TK_NOTE_NONE;
        ch->midi_program = 0xff;
        ch->midi_cc = 1;
        ch->volume = 64;
        ch->pan = 128;
        ch->cutoff = -1;
        ch->resonance = -1;
        ch->cut_tick = ch->delay_tick = ch->key_off_tick = 0xff;
    }
}

static void enter_order(tk_engine *e)
{
    const tk_song *s = e->song;
    if (e->mode == TK_PLAY_SONG)
        e->pattern = s->orders[e->order];
}

void tk_replayer_start(tk_engine *e, uint32_t order, uint32_t row, uint8_t mode)
{
    const tk_song *s = e->song;
    if (!s || s->order_count == 0 || s->pattern_count == 0)
        return;
    for (uint32_t t = 0; t < TK_MAX_TRACKS; t++) {
        tk_voice *v = tk_channel_voice(e, t);
        if (v)
            tk_voice_fade(e, v);
        e->channel[t].voice = -1;
        if (t < s->tracks)
            tk_midi_note_off(e, t);
    }
    reset_channels(e);
    e->mode = mode;
    if (mode == TK_PLAY_SONG) {
        e->order = order < s->order_count ? order : 0;
        e->pattern = s->orders[e->order];
    } else {
        e->pattern = order < s->pattern_count ? order : 0;
    }
    e->row = row < s->patterns[e->pattern].rows ? row : 0;
    e->tick = 0;
    e->speed_ticks = s->speed_ticks ? s->speed_ticks : 6;
    e->global_volume = s->global_volume > 64 ? 64 : s->global_volume;
    tk_replayer_set_tempo(e, s->tempo_bpm);
    e->tick_acc_fp = 0;
    e->frames_to_tick = 0;
    e->next_order = e->next_row = e->loop_jump_row = -1;
    e->pattern_break = e->pattern_delay = e->in_pattern_delay = 0;
    e->row_extra_ticks = 0;
    e->ft2_break_row = 0;
    e->ft2_loop = 0;
    e->pending_tempo_bpm = 0;
    e->end_pending = 0;
    memset(e->visited, 0, sizeof e->visited);
    e->rng = 0x2545F491u;
    e->cue = TK_CUE_NONE;
    tk_follow_started(e);
    tk_midi_transport_start(e);
    atomic_store_explicit(&e->playing, 1, memory_order_relaxed);
}

void tk_replayer_stop(tk_engine *e)
{
    e->end_pending = 0;
    if (e->mode == TK_STOPPED)
        return;
    tk_midi_transport_stop(e);
    e->mode = TK_STOPPED;
    for (uint32_t i = 0; i < TK_MAX_VOICES; i++)
        if (e->voice[i].live_note == TK_NOTE_NONE)
            tk_voice_fade(e, &e->voice[i]);
    for (uint32_t t = 0; t < TK_MAX_TRACKS; t++)
        e->channel[t].voice = -1;
    atomic_store_explicit(&e->playing, 0, memory_order_relaxed);
    tk_emit(e, TK_EVT_STOPPED, e->frame);
}

/* A new song was swapped in: keep playing from the same place if it exists. */
void tk_replayer_song_changed(tk_engine *e)
{
    const tk_song *s = e->song;
    memset(e->visited, 0, sizeof e->visited); /* its rows are not the ones played */
    if (e->mode == TK_STOPPED)
        return;
    if (s->order_count == 0 || s->pattern_count == 0) {
        tk_replayer_stop(e);
        return;
    }
    if (e->mode == TK_PLAY_SONG) {
        if (e->order >= s->order_count)
            e->order = 0;
        e->pattern = s->orders[e->order];
    }
    if (e->pattern >= s->pattern_count)
        e->pattern = 0;
    if (e->row >= s->patterns[e->pattern].rows)
        e->row = 0;
}

static void advance_row(tk_engine *e)
{
    const tk_song *s = e->song;
    if (e->pattern_delay > 0) {
        e->pattern_delay--;
        e->in_pattern_delay = 1;
        return;
    }
    e->in_pattern_delay_done = e->in_pattern_delay;
    e->in_pattern_delay = 0;
    e->row_extra_ticks = 0;
    uint32_t old_order = e->order;
    uint32_t bar_rows = s->rows_per_bar ? s->rows_per_bar : 16;
    int bar_ended = (e->row + 1) % bar_rows == 0;
    int wrapped = 0, pattern_ended = 0, cued = 0;

    if (ft2(e) && e->mode == TK_PLAY_SONG && !e->loop_pattern) {
        /* FT2 has one row for loops and breaks alike: a loop jumps to it in the pattern; a
         * break, a jump or the pattern's end go to it in the next pattern, and clear it. */
        e->row++;
        if (e->ft2_loop) {
            /* the pattern's rows from the loop's on count as new again; those before it
             * and other patterns' stay played (as OpenMPT counts an XM's length) */
            for (uint32_t r = e->ft2_break_row; r < s->patterns[e->pattern].rows; r++)
                e->visited[e->order & 255][(r & 255) >> 3] &= (uint8_t)~(1u << (r & 7));
            e->ft2_loop = 0;
            e->row = e->ft2_break_row;
        }
        if (e->row >= s->patterns[e->pattern].rows || e->pattern_break) {
            pattern_ended = !e->pattern_break;
            e->row = e->ft2_break_row;
            e->ft2_break_row = 0;
            e->order = e->next_order >= 0 ? (uint32_t)e->next_order : e->order + 1;
        }
    } else if (e->pattern_break) {
        if (e->mode == TK_PLAY_SONG && !e->loop_pattern) {
            if (e->next_order >= 0) {
                e->order = (uint32_t)e->next_order;
            } else {
                e->order++;
            }
        }
        e->row = e->next_row >= 0 ? (uint32_t)e->next_row : 0;
        /* ProTracker: after an EEx row delay, a break skips its target row (DelayBreak.mod). */
        if (amiga(e) && e->in_pattern_delay_done)
            e->row++;
    } else if (e->loop_jump_row >= 0) {
        /* E6x plays rows again, and whatever a break inside the loop led to: all count as
         * new until the loop is done (PatLoop-Break.mod breaks out and back in). */
        memset(e->visited, 0, sizeof e->visited);
        e->row = (uint32_t)e->loop_jump_row;
    } else if (++e->row >= s->patterns[e->pattern].rows) {
        pattern_ended = 1;
        e->row = 0;
        if (e->mode == TK_PLAY_SONG && !e->loop_pattern)
            e->order++;
        else if (e->mode == TK_PLAY_SONG)
            memset(e->visited[e->order & 255], 0, sizeof e->visited[0]); /* looped on purpose */
    }
    if (e->mode == TK_PLAY_SONG && e->order >= s->order_count) {
        e->order = s->restart_order < s->order_count ? s->restart_order : 0;
        /* an XM's end is a row played before, wherever the order goes (PatLoop-Weird.xm) */
        wrapped = !ft2(e);
    }
    if (e->cue != TK_CUE_NONE && (pattern_ended || e->pattern_break || (e->cue_at_bar && bar_ended))) {
        /* a cued position starts where this pattern ends, wherever the song would go */
        if (e->mode == TK_PLAY_SONG && e->cue < s->order_count)
            e->order = e->cue;
        else if (e->mode == TK_PLAY_PATTERN && e->cue < s->pattern_count)
            e->pattern = e->cue;
        e->row = 0;
        wrapped = 0;
        cued = 1;
        e->cue = TK_CUE_NONE;
    }
    e->next_order = e->next_row = e->loop_jump_row = -1;
    e->pattern_break = 0;
    enter_order(e);
    if (e->pattern >= s->pattern_count)
        e->pattern = 0;
    if (e->row >= s->patterns[e->pattern].rows)
        e->row = 0; /* a break past the end of the next pattern lands on row 0 */
    if (e->mode == TK_PLAY_SONG && !e->loop_pattern && !cued && visited(e, e->order, e->row))
        wrapped = 1; /* back to a row already played: the song goes round from here */
    if (wrapped || cued)
        memset(e->visited, 0, sizeof e->visited);
    if ((e->order != old_order || e->row == 0) && !ft2(e)) /* FT2 keeps each track's loop row */
        for (uint32_t t = 0; t < s->tracks; t++)
            if (e->channel[t].loop_count == 0)
                e->channel[t].loop_row = 0;
    if (wrapped) {
        tk_emit(e, TK_EVT_SONG_END, e->frame + e->frames_to_tick);
        if (e->stop_at_end)
            e->end_pending = 1; /* the song's last tick still plays to its end */
    }
}

/* A live speed change. e->tick is the next tick to play; once that is already
 * past the new speed, the row ends where that tick would have started rather
 * than playing a tick the row no longer has. */
void tk_replayer_set_speed(tk_engine *e, uint32_t ticks)
{
    e->speed_ticks = ticks;
    if (e->mode != TK_STOPPED && e->song && e->tick != 0 && e->tick >= ticks) {
        e->tick = 0;
        advance_row(e);
    }
}

/* The song has played to its end (stop_at_end): let the last notes ring out through their
 * releases. */
static void end_song(tk_engine *e)
{
    e->end_pending = 0;
    for (uint32_t t = 0; t < e->song->tracks; t++) {
        tk_voice *v = tk_channel_voice(e, t);
        if (v) {
            tk_voice_release(v);
            v->replayer_ticks = 0; /* no more ticks: its envelopes and fadeout go by the clock */
        }
    }
    tk_midi_transport_stop(e);
    e->mode = TK_STOPPED;
    atomic_store_explicit(&e->playing, 0, memory_order_relaxed);
    tk_emit(e, TK_EVT_STOPPED, e->frame);
}

void tk_replayer_tick(tk_engine *e)
{
    const tk_song *s = e->song;
    uint32_t tracks = s->tracks;

    if (e->end_pending) {
        end_song(e);
        return;
    }

    tk_follow_tick(e);
    for (uint32_t t = 0; t < tracks; t++) {
        /* FT2 leaves the period where the last vibrato put it until something sets it */
        e->channel[t].pitch_offset_units = ft2(e) ? e->channel[t].held_units : 0;
        e->channel[t].period_offset = 0;
        e->channel[t].volume_offset = 0;
        if (!ft2(e)) /* FT2's tremor silence lasts until a note or instrument (Tremor.xm) */
            e->channel[t].tremor_off = 0;
    }
    if (e->tick == 0) {
        e->row_start_frame = e->frame;
        e->playing_pattern = e->pattern;
        e->playing_row = e->row;
        if (e->mode == TK_PLAY_SONG && !e->in_pattern_delay)
            set_visited(e, e->order, e->row);
        tk_event ev = { .type = TK_EVT_POSITION, .frame = e->frame, .order = e->order,
                        .pattern = e->pattern, .row = e->row };
        tk_emit_event(e, &ev);
        for (uint32_t t = 0; t < tracks; t++)
            row_start(e, t);
    } else {
        for (uint32_t t = 0; t < tracks; t++) {
            const tk_cell *c = cell_at(e, t);
            uint32_t columns = fx_columns(e, t);
            for (uint32_t i = 0; i < columns; i++)
                if (c->fx[i].cmd != TK_FX_NONE)
                    fx_tick(e, t, fx_at(&e->channel[t], c, i));
        }
    }
    for (uint32_t t = 0; t < tracks; t++) {
        tk_channel *ch = &e->channel[t];
        ch->pitch_units = clampi(ch->pitch_units, PITCH_MIN_UNITS, PITCH_MAX_UNITS);
        /* FT2 steps envelopes after the tick's effects; a note's own tick shows their start */
        tk_voice *v = tk_channel_voice(e, t);
        if (v && v->fresh)
            v->fresh = 0;
        else if (v)
            tk_voice_step_tick(v);
        apply_channel(e, t, TK_CONTROL_FRAMES, 0);
    }
    atomic_store_explicit(&e->pos_order, e->order, memory_order_relaxed);
    atomic_store_explicit(&e->pos_row, e->row, memory_order_relaxed);
    atomic_store_explicit(&e->pos_tick, e->tick, memory_order_relaxed);

    e->tick_acc_fp += e->tick_frames_fp;
    e->frames_to_tick = (uint32_t)(e->tick_acc_fp >> 32);
    e->tick_acc_fp &= 0xffffffffu;
    if (e->pending_tempo_bpm) {
        tk_replayer_set_tempo(e, e->pending_tempo_bpm);
        e->pending_tempo_bpm = 0;
    }
    tk_midi_clock_tick(e, e->frames_to_tick);
    e->tick_clocks = 24.0 / ((double)e->speed_ticks * (e->song->rows_per_beat ? e->song->rows_per_beat : 4));

    if (++e->tick >= e->speed_ticks + e->row_extra_ticks) {
        e->tick = 0;
        advance_row(e);
    }
}
