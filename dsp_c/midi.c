/* midi.c -- MIDI out: clock and transport for other gear, notes for external synths.
 *
 * Messages go into their own queue stamped with the frame they belong to, so the
 * sender can play them out against the same clock the audio is heard on. */
#include <string.h>
#include "tk_internal.h"

#define MIDI_CLOCK 0xF8
#define MIDI_START 0xFA
#define MIDI_CONTINUE 0xFB
#define MIDI_STOP 0xFC
#define MIDI_SONG_POSITION 0xF2
#define MIDI_NOTE_OFF 0x80
#define MIDI_NOTE_ON 0x90
#define MIDI_CONTROL 0xB0
#define MIDI_PROGRAM 0xC0
#define MIDI_BEND 0xE0
#define CC_ALL_NOTES_OFF 123
#define CLOCKS_PER_BEAT 24
#define CLOCKS_PER_SIXTEENTH 6
#define MIDI_NOTE_OFFSET 12         /* our C-0 (0) is MIDI note 12; A-4 is 57 here, 69 there */

static void emit_for(tk_engine *e, uint8_t track, uint64_t frame, uint8_t size, uint8_t b0,
                     uint8_t b1, uint8_t b2)
{
    tk_midi_event ev = { .frame = frame, .track = track, .size = size, .data = { b0, b1, b2 } };
    ev.time_s = e->anchor_time_s + ((double)frame - (double)e->anchor_frame) / e->rate_hz;
    if (!tk_ring_push(&e->midi, e->midi_slots, sizeof ev, &ev))
        atomic_fetch_add_explicit(&e->midi_dropped, 1, memory_order_relaxed);
}

/* Clock and transport: for every output. */
static void emit(tk_engine *e, uint64_t frame, uint8_t size, uint8_t b0, uint8_t b1, uint8_t b2)
{
    emit_for(e, TK_MIDI_ALL_OUTPUTS, frame, size, b0, b1, b2);
}

int tk_engine_pop_midi(tk_engine *e, tk_midi_event *ev)
{
    return tk_ring_pop(&e->midi, e->midi_slots, sizeof *ev, ev);
}

uint32_t tk_engine_pop_midis(tk_engine *e, tk_midi_event *out, uint32_t max)
{
    uint32_t n = 0;
    while (n < max && tk_ring_pop(&e->midi, e->midi_slots, sizeof *out, &out[n]))
        n++;
    return n;
}

/* The status byte of a track's message kind on its channel; 0 when it has none. */
static uint8_t status_for(const tk_engine *e, uint32_t track, uint8_t kind)
{
    const tk_song *s = e->song;
    if (!s || track >= s->tracks || s->track[track].midi_channel == 0)
        return 0;
    return kind | (uint8_t)(s->track[track].midi_channel - 1);
}

/* ---- clock and transport ------------------------------------------------- */

static uint32_t ticks_per_beat(const tk_engine *e)
{
    uint32_t rows = e->song && e->song->rows_per_beat ? e->song->rows_per_beat : 4;
    return e->speed_ticks * rows;
}

/* The clocks due within the tick that starts now and lasts tick_frames: one every
 * ticks-per-beat/24 ticks, placed at its exact frame inside the tick. */
void tk_midi_clock_tick(tk_engine *e, uint32_t tick_frames)
{
    if (!e->midi_clock)
        return;
    uint32_t per_clock = ticks_per_beat(e); /* in 1/24 tick: clocks are this far apart */
    if (e->clock_phase >= per_clock)
        e->clock_phase %= per_clock; /* the speed changed mid-beat */
    uint32_t due = e->clock_phase == 0 ? 0 : per_clock - e->clock_phase;
    for (; due < CLOCKS_PER_BEAT; due += per_clock)
        emit(e, e->frame + (uint64_t)due * tick_frames / CLOCKS_PER_BEAT, 1, MIDI_CLOCK, 0, 0);
    e->clock_phase = (e->clock_phase + CLOCKS_PER_BEAT) % per_clock;
}

/* Start from the top; anywhere else, the song position (in sixteenths) then continue. */
void tk_midi_transport_start(tk_engine *e)
{
    e->clock_phase = 0;
    if (!e->midi_clock)
        return;
    const tk_song *s = e->song;
    uint32_t rows = e->row;
    if (e->mode == TK_PLAY_SONG)
        for (uint32_t o = 0; o < e->order && o < s->order_count; o++)
            rows += s->orders[o] < s->pattern_count ? s->patterns[s->orders[o]].rows : 0;
    if (rows == 0) {
        emit(e, e->frame, 1, MIDI_START, 0, 0);
        return;
    }
    uint32_t per_beat = s->rows_per_beat ? s->rows_per_beat : 4;
    uint32_t sixteenths = rows * (CLOCKS_PER_BEAT / CLOCKS_PER_SIXTEENTH) / per_beat;
    if (sixteenths > 0x3fff)
        sixteenths = 0x3fff;
    emit(e, e->frame, 3, MIDI_SONG_POSITION, sixteenths & 0x7f, (sixteenths >> 7) & 0x7f);
    emit(e, e->frame, 1, MIDI_CONTINUE, 0, 0);
}

/* Every external note ends, every track's channel hears all-notes-off (on the track's own
 * output: two tracks on one channel may play two synths), then stop. */
void tk_midi_transport_stop(tk_engine *e)
{
    const tk_song *s = e->song;
    for (uint32_t t = 0; s && t < s->tracks; t++) {
        tk_midi_note_off(e, t);
        e->channel[t].midi_program = 0xff;
        uint8_t status = status_for(e, t, MIDI_CONTROL);
        if (status)
            emit_for(e, (uint8_t)t, e->frame, 3, status, CC_ALL_NOTES_OFF, 0);
    }
    if (e->midi_clock)
        emit(e, e->frame, 1, MIDI_STOP, 0, 0);
}

/* ---- external-synth tracks ------------------------------------------------ */


void tk_midi_note_off(tk_engine *e, uint32_t track)
{
    tk_channel *ch = &e->channel[track];
    uint8_t status = status_for(e, track, MIDI_NOTE_OFF);
    if (ch->midi_note != TK_NOTE_NONE && status)
        emit_for(e, (uint8_t)track, e->frame, 3, status, ch->midi_note, 0);
    ch->midi_note = TK_NOTE_NONE;
}

void tk_midi_note_on(tk_engine *e, uint32_t track, uint8_t note, uint8_t velocity)
{
    uint8_t status = status_for(e, track, MIDI_NOTE_ON);
    if (!status)
        return;
    tk_midi_note_off(e, track); /* one note per track, as the replayer's own voice */
    uint32_t midi_note = (uint32_t)note + MIDI_NOTE_OFFSET;
    if (midi_note > 127 || velocity == 0)
        return;
    emit_for(e, (uint8_t)track, e->frame, 3, status, (uint8_t)midi_note, velocity > 127 ? 127 : velocity);
    e->channel[track].midi_note = (uint8_t)midi_note;
}

/* Instrument n selects program n-1, sent when a track changes instrument. */
void tk_midi_program(tk_engine *e, uint32_t track, uint8_t instrument)
{
    tk_channel *ch = &e->channel[track];
    uint8_t status = status_for(e, track, MIDI_PROGRAM);
    if (!status || instrument == TK_INSTR_NONE || instrument > 128 || ch->midi_program == instrument - 1)
        return;
    ch->midi_program = instrument - 1;
    emit_for(e, (uint8_t)track, e->frame, 2, status, ch->midi_program, 0);
}

void tk_midi_cc(tk_engine *e, uint32_t track, uint8_t controller, uint8_t value)
{
    uint8_t status = status_for(e, track, MIDI_CONTROL);
    if (status)
        emit_for(e, (uint8_t)track, e->frame, 3, status, controller & 0x7f, value > 127 ? 127 : value);
}

/* Ixx: 00 bends fully down, 80 is the centre, FF nearly fully up (xx * 64 of 16384). */
void tk_midi_bend(tk_engine *e, uint32_t track, uint8_t param)
{
    uint8_t status = status_for(e, track, MIDI_BEND);
    uint32_t value = (uint32_t)param << 6;
    if (status)
        emit_for(e, (uint8_t)track, e->frame, 3, status, value & 0x7f, (value >> 7) & 0x7f);
}
