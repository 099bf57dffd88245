/* tk_internal.h -- the engine's private state, shared by the kernel's .c files. */
#ifndef TK_INTERNAL_H
#define TK_INTERNAL_H

#include <stdatomic.h>
#include "tk_dsp.h"
#include "tk_units.h"

/* ---- lock-free single-producer / single-consumer ring (queue.c) ---------- */

typedef struct tk_ring {
    _Alignas(64) _Atomic uint32_t head;   /* next slot to write; only the producer stores */
    _Alignas(64) _Atomic uint32_t tail;   /* next slot to read; only the consumer stores */
    uint32_t capacity;                    /* slots; a power of two; set once at init */
} tk_ring;

int tk_ring_push(tk_ring *ring, void *slots, size_t slot_bytes, const void *item);
int tk_ring_pop(tk_ring *ring, const void *slots, size_t slot_bytes, void *item);

/* ---- drawn envelopes and auto-vibrato (points.c) -------------------------- */

typedef struct tk_autovibrato {
    uint8_t pos;                    /* 256 steps a cycle */
    uint32_t amp;                   /* depth << 8, grows by sweep each tick to the full depth */
    uint32_t sweep;
} tk_autovibrato;

float tk_points_value(const tk_env_points *env, uint32_t pos);
void tk_points_advance(const tk_env_points *env, uint32_t *pos, int released);
void tk_autovibrato_start(const tk_instrument *ins, tk_autovibrato *vib);
/* One tick on: the pitch offset in 1/64 semitone. */
float tk_autovibrato_step(const tk_instrument *ins, tk_autovibrato *vib, int released);

/* ---- a sounding note (voice.c) ------------------------------------------ */

typedef struct tk_voice {
    uint8_t active;
    uint8_t fading;                 /* declick fade to silence, then free */
    uint8_t track;
    uint8_t live_note;              /* note of a live (jammed) voice; TK_NOTE_NONE for the replayer's */
    uint8_t instrument_number;      /* 1..255 */
    uint8_t zone;                   /* which of its samples: 0 its own, k its zones[k - 1] */
    uint8_t released;               /* note-off seen */
    uint8_t sample_ended;           /* a one-shot sample ran out: fades at the next update */
    const tk_instrument *ins;
    const tk_instrument *swap_ins;  /* ProTracker: the sample to go on with when this one's
                                       loop (or end) comes round; NULL none */
    uint8_t swap_number;            /* its instrument number */
    uint64_t serial;                /* start order, for stealing the oldest */

    /* pitch, in 1/64 semitone; note n is n*64 */
    float pitch_units;              /* set by the replayer every tick */
    float glide_units;              /* offset that decays to 0 (legato glide) */
    float glide_step_units;         /* per control block */

    /* levels set by the replayer, applied at the next update */
    float volume;                   /* 0..1: channel volume (pattern, slides, tremolo) */
    float pan;                      /* -1..1: channel pan */
    float velocity;                 /* 0..1 */
    float cutoff_scale;             /* multiplier on the instrument's cutoff (Zxx/Wxy); 1 = as set */
    float resonance_offset;         /* added to the instrument's resonance (Qxx/Yxy) */

    /* gain actually applied, ramped per sample */
    float gain_l, gain_r;
    float target_l, target_r;
    float step_l, step_r;
    uint32_t ramp_frames;           /* samples left in the current ramp */

    /* sample playback: position in frames, 32.32 fixed point, signed for ping-pong */
    int64_t pos_fp;
    int64_t step_fp;                /* negative while a ping-pong loop runs backwards */

    /* synth */
    tk_osc osc[2];
    double osc_freq[2];             /* cycles per sample */
    float osc_width[2];
    tk_filter filter[2];            /* one per output channel of a stereo sample */
    tk_env amp_env, filter_env;
    tk_lfo lfo;
    float amp_level;                /* envelope x LFO amplitude at the last update */
    float lfo_value;                /* -1..1 at the last update */

    /* FastTracker II instruments: stepped once a tick, by the replayer's ticks for the notes
     * it plays (replayer_ticks), else every tick length of frames */
    uint8_t replayer_ticks;
    uint8_t fresh;                  /* started on the replayer's current tick: its first step is the next */
    uint32_t tick_frames_left;      /* until the next step */
    uint32_t volume_pos, pan_pos;   /* drawn envelopes' positions, in ticks */
    uint8_t volume_hold;            /* the volume envelope stays put for the next step (a release) */
    float fade;                     /* 1, falling by the instrument's fadeout a tick once released */
    uint8_t fading_out;             /* the fadeout runs (a release; FT2's key off without envelope) */
    float points_amp;               /* the volume envelope x fade this tick */
    float points_pan;               /* the pan envelope this tick, 0.5 centre */
    tk_autovibrato vibrato;
    float vibrato_units;            /* the auto-vibrato's pitch offset this tick */
} tk_voice;

/* ---- per-track replayer state (replayer.c) ------------------------------ */

typedef struct tk_channel {
    int16_t voice;                  /* index of the replayer's voice on this track, -1 none */
    uint64_t voice_serial;          /* that voice's serial: it is ours only while they match */
    uint8_t note;                   /* last note played, 0..119 */
    uint8_t instrument;             /* last instrument number, 0 none */
    int32_t pitch_units;            /* base pitch (note*64 + finetune/2 + slides) */
    int32_t target_units;           /* tone portamento target */
    int32_t pitch_offset_units;     /* arpeggio/vibrato for this tick only */
    int32_t volume;                 /* 0..64 */
    int32_t volume_offset;          /* tremolo for this tick only */
    int32_t pan;                    /* 0..255, 128 = centre */
    int32_t cutoff;                 /* -1 = instrument's; else 0..255 from Zxx/Wxy */
    int32_t resonance;              /* -1 = instrument's; else 0..255 from Qxx/Yxy */
    int8_t finetune;                /* E5x overrides the instrument's */
    int32_t period;                 /* ProTracker songs: Amiga period (pitch_units unused) */
    int32_t target_period;          /* tone portamento target */
    int32_t period_offset;          /* arpeggio/vibrato for this tick only */
    int8_t pt_finetune;             /* -8..7 eighth semitones, picks the period table */

    /* effect memories, FastTracker II style: 00 repeats the last value */
    uint8_t mem_porta_up, mem_porta_down, mem_tone_porta, mem_vibrato, mem_tremolo;
    uint8_t mem_volslide, mem_fine_up, mem_fine_down, mem_fine_volup, mem_fine_voldown;
    uint8_t mem_offset, mem_cutoff_slide, mem_res_slide, mem_retrig;
    uint8_t vibrato_pos, vibrato_wave, tremolo_pos, tremolo_wave;
    uint8_t glissando;
    uint8_t loop_row, loop_count;
    uint8_t cut_tick;               /* ECx: tick at which to cut, 0xff none */
    uint8_t delay_tick;             /* EDx: tick at which the delayed cell plays, 0xff none */
    uint8_t retrig_ticks;           /* E9x interval, 0 none */
    tk_cell delayed;                /* the cell EDx holds back */
    uint8_t midi_note;              /* MIDI note sounding on the external synth, TK_NOTE_NONE none */
    uint8_t midi_program;           /* last program sent, 0xff none */
    uint8_t midi_cc;                /* controller number Mxx sends (Nxx sets it) */
    /* FastTracker II's own effects */
    uint8_t mem_global_slide, mem_pan_slide, mem_multi_retrig, mem_tremor;
    uint8_t mem_extra_fine_up, mem_extra_fine_down;
    uint8_t retrig_count;           /* Rxy: ticks since the last retrigger */
    uint8_t tremor_pos;             /* Txy: bit 7 set while on, low bits: ticks left in the phase */
    uint8_t tremor_off;             /* Txy: silent this tick */
    uint8_t key_off_tick;           /* Kxx: tick at which the key is released, 0xff none */
    int32_t held_units;             /* FT2: the last vibrato's offset, kept until the pitch is set */
    uint8_t volume_column_porta;    /* the row has the volume column's Mx (FT2 ignores a 3xx beside it) */
    uint8_t held_by_effect;         /* ...by a vibrato command (4xy, 6xy, VBx) */
    /* Scream Tracker 3 */
    uint8_t st3_memory;             /* the last non-zero parameter of D, E, F, I, J, K, L, Q, R, S */
    uint8_t fx_param[TK_MAX_FX_COLUMNS]; /* this row's parameters after that memory */
    uint8_t fine_vibrato;           /* Uxy: vibrato at a quarter of Hxy's depth */
    uint8_t cut;                    /* the note was cut: Qxy has nothing to start again */
} tk_channel;

/* ---- the engine --------------------------------------------------------- */

enum tk_play_mode { TK_STOPPED = 0, TK_PLAY_SONG, TK_PLAY_PATTERN };

#define TK_FOLLOW_WINDOW 24         /* pulses fitted for the external tempo: one beat */

/* An instrument parameter on its way to a new value (engine.c). */
#define TK_MAX_SMOOTHERS 64
#define TK_SMOOTH_S 0.010f          /* time constant of a parameter's glide */
typedef struct tk_smoother {
    uint8_t active;
    uint8_t param;                  /* enum tk_instrument_param */
    uint8_t instrument;             /* 1..255 */
    float target;
} tk_smoother;

struct tk_engine {
    tk_ring commands;
    tk_ring events;
    tk_command command_slots[TK_QUEUE_CAPACITY];
    tk_event event_slots[TK_QUEUE_CAPACITY];
    tk_ring midi;
    tk_midi_event midi_slots[TK_MIDI_QUEUE_CAPACITY];

    float rate_hz;
    uint32_t declick_frames;        /* fade-out of a replaced or stopped voice */
    uint32_t mix_ramp_frames;       /* track/master volume and pan changes */
    tk_song *song;
    uint64_t frame;                 /* frames rendered since init */

    /* replayer */
    uint8_t mode;                   /* enum tk_play_mode */
    uint8_t loop_pattern;
    uint8_t stop_at_end;            /* offline render: stop instead of looping the song */
    uint8_t metering_off;           /* offline render: no levels events */
    uint32_t order, pattern, row, tick;
    uint32_t speed_ticks, tempo_bpm;
    uint64_t tick_frames_fp;        /* frames per tick, 32.32: 2.5 * rate / bpm */
    uint64_t tick_acc_fp;           /* fractional frames carried between ticks */
    uint32_t frames_to_tick;
    int32_t next_order;             /* Bxx target, -1 none */
    int32_t next_row;               /* Dxx / E6x target row, -1 none */
    uint8_t pattern_break;
    uint8_t pattern_delay;          /* EEx: rows left to repeat */
    uint32_t row_extra_ticks;       /* X6x: ticks the row lasts beyond the speed */
    uint8_t ft2_break_row;          /* FT2: where a break or the pattern's end lands (a loop leaves its row) */
    uint8_t ft2_loop;               /* FT2: a loop jumps back to ft2_break_row after this row */
    uint8_t in_pattern_delay;
    uint8_t in_pattern_delay_done;  /* the row just ended was repeated by EEx */
    uint8_t end_pending;            /* stop_at_end: the song ends when its last tick has played */
    uint8_t global_volume;          /* 0..64: Gxx, Hxy */
    uint32_t pending_tempo_bpm;     /* ProTracker: Fxx tempo taking effect after this tick, 0 none */
    /* Rows played since the song started, a bit per (order, row): the song has ended when
     * it comes back to one (a jump back to rows not yet played is not an end). */
    uint8_t visited[256][256 / 8];
    int32_t loop_jump_row;          /* E6x: row to jump back to at the end of this row, -1 none */
    uint32_t rng;                   /* xorshift32 for random vibrato/tremolo waveforms */
    uint32_t cue;                   /* order (song) or pattern to go to after this pattern, TK_CUE_NONE */
    uint8_t cue_at_bar;             /* 1: go at the end of the bar instead */

    /* MIDI out (midi.c) */
    uint8_t midi_clock;             /* send clock and transport */
    uint32_t clock_phase;           /* position in the beat, in 1/24 tick: a clock is due at multiples of ticks per beat */

    /* following an external clock (follow.c) */
    uint8_t follow;
    uint32_t ext_total;             /* pulses ever taken; the ring's next slot */
    uint32_t ext_count;             /* recent pulses in ext_frames that the fit uses */
    uint64_t ext_frames[TK_FOLLOW_WINDOW]; /* when the latest pulses were heard, a ring */
    uint64_t ext_index[TK_FOLLOW_WINDOW];  /* and which pulse each was (one may go missing) */
    uint8_t phase_set;              /* 0: the next applied pulse sets the phase reference */
    uint64_t phase_ref_index;       /* the pulse that set it */
    double ext_period_frames;       /* the fitted clock period, 0 unknown */
    double phase_ref_clocks;        /* internal clocks minus external pulses at the first pulse */
    uint32_t off_beat;              /* consecutive pulses far off the fitted line */
    uint64_t tick_start_frame;      /* where the tick being played began */
    double clocks_at_tick;          /* internal clocks (24 a beat) played before that tick */
    double tick_clocks;             /* clocks the tick being played lasts (24 / ticks per beat) */
    uint64_t row_start_frame;       /* where the row being heard began (automation) */
    uint32_t playing_pattern, playing_row; /* that row: e->row already names the next one
                                              during a row's last tick */

    tk_channel channel[TK_MAX_TRACKS];
    tk_voice voice[TK_MAX_VOICES];
    uint32_t voice_high;            /* no voice at or above this index is active (voices are
                                       taken lowest first, so the render loops stop here) */
    uint64_t voice_serial;

    /* mixer: per-sample ramped gains */
    float track_gain[TK_MAX_TRACKS][2];
    float track_step[TK_MAX_TRACKS][2];
    float track_target[TK_MAX_TRACKS][2];
    uint32_t track_ramp[TK_MAX_TRACKS];
    float master_gain, master_step, master_target;
    uint32_t master_ramp;
    float peak[TK_MAX_TRACKS + 1][2];        /* since the last levels event */

    /* controls */
    tk_smoother smoother[TK_MAX_SMOOTHERS];
    float smooth_coef;              /* one-pole step per control block */
    float live_bend_units;          /* pitch bend on live notes, 1/64 semitone */
    float live_mod;                 /* mod wheel 0..1 */
    float mod_phase;                /* 0..1, the live vibrato's phase */
    float mod_units;                /* live vibrato offset this control block */
    _Atomic uint32_t peak_bits[TK_MAX_TRACKS + 1][2]; /* max since the last tk_engine_get_peak */

    /* stats */
    _Atomic uint32_t faults, events_dropped, midi_dropped, voices_active, playing;
    _Atomic uint32_t pos_order, pos_row, pos_tick;
    _Atomic uint32_t follow_bpm_bits;
    _Atomic uint64_t frames_rendered;

    /* the stream clock: where the block being rendered is heard (stream.c) */
    uint64_t anchor_frame;          /* audio thread's copy, used to stamp events */
    double anchor_time_s;
    _Atomic uint32_t clock_seq;     /* seqlock for the published copy: odd while writing */
    _Atomic uint64_t clock_frame;
    _Atomic uint64_t clock_time_bits;
    _Atomic uint64_t callbacks;
    _Atomic uint32_t underflows;
    _Atomic uint32_t load_last_bits, load_max_bits;
    float load_history[TK_LOAD_HISTORY];

    _Alignas(64) float track_buf[TK_MAX_TRACKS][2 * TK_CONTROL_FRAMES];
    float mix_buf[2 * TK_CONTROL_FRAMES];
};

/* engine.c */
void tk_emit(tk_engine *e, uint32_t type, uint64_t frame);
void tk_emit_event(tk_engine *e, const tk_event *ev);
void tk_mixer_update_track(tk_engine *e, uint32_t track);
void tk_mixer_update_all(tk_engine *e);
void tk_mixer_set_master(tk_engine *e, float volume);
/* The same over ramp_frames instead of the faders' 5 ms: automation that moves every
 * control block ramps over one, so the gain follows its line sample by sample. */
void tk_mixer_ramp_track(tk_engine *e, uint32_t track, uint32_t ramp_frames);
void tk_mixer_ramp_master(tk_engine *e, float volume, uint32_t ramp_frames);
/* glide: 1 eases the change over TK_SMOOTH_S (a knob), 0 sets it now (automation, already smooth) */
void tk_instrument_param_set(tk_engine *e, uint32_t number, uint32_t param, float value, int glide);

/* automation.c */
void tk_automation_run(tk_engine *e);

/* voice.c */
uint8_t tk_zone_number(const tk_instrument *ins, uint8_t note); /* 0: its own sample */
const tk_instrument *tk_instrument_zone(const tk_instrument *ins, uint8_t zone);
tk_voice *tk_voice_alloc(tk_engine *e);
void tk_voice_start(tk_engine *e, tk_voice *v, const tk_instrument *ins, uint8_t number,
                    uint8_t track, float pitch_units, uint32_t offset_frames);
void tk_voice_release(tk_voice *v);
void tk_voice_set_points(tk_voice *v, uint32_t pos, int pan_too); /* Lxx: drawn envelopes to tick pos */
/* FT2's instrument number without a note: envelopes, fadeout and auto-vibrato start over
 * (a released key stays released). */
void tk_voice_restart_instrument(tk_voice *v);
void tk_voice_step_tick(tk_voice *v); /* one tick of fadeout, drawn envelopes, auto-vibrato */
void tk_voice_fade(tk_engine *e, tk_voice *v);
void tk_voice_kill(tk_voice *v);
/* Recompute a voice's controls: advance its envelopes and LFO by advance_frames
 * (0 when only the replayer changed something), then ramp its gain to the new
 * target over ramp_frames. */
void tk_voice_update(tk_engine *e, tk_voice *v, uint32_t advance_frames, uint32_t ramp_frames);
void tk_voice_render(tk_engine *e, tk_voice *v, float *out, uint32_t n);
void tk_voice_legato(tk_engine *e, tk_voice *v, float new_pitch_units);
float tk_pitch_to_hz(float pitch_units);

/* replayer.c */
void tk_replayer_start(tk_engine *e, uint32_t order, uint32_t row, uint8_t mode);
void tk_replayer_stop(tk_engine *e);
void tk_replayer_tick(tk_engine *e);
void tk_replayer_set_tempo(tk_engine *e, uint32_t bpm);
void tk_replayer_set_speed(tk_engine *e, uint32_t ticks);
void tk_replayer_song_changed(tk_engine *e);
tk_voice *tk_channel_voice(tk_engine *e, uint32_t track);
uint32_t tk_frames_to_control(const tk_engine *e);

/* midi.c */
void tk_midi_clock_tick(tk_engine *e, uint32_t tick_frames);
void tk_midi_transport_start(tk_engine *e);
void tk_midi_transport_stop(tk_engine *e);
void tk_midi_note_on(tk_engine *e, uint32_t track, uint8_t note, uint8_t velocity);
void tk_midi_note_off(tk_engine *e, uint32_t track);
void tk_midi_program(tk_engine *e, uint32_t track, uint8_t instrument);
void tk_midi_cc(tk_engine *e, uint32_t track, uint8_t controller, uint8_t value);
void tk_midi_bend(tk_engine *e, uint32_t track, uint8_t param);

/* follow.c */
void tk_follow_pulse(tk_engine *e, uint64_t frame);
void tk_follow_started(tk_engine *e);
void tk_follow_tick(tk_engine *e);

/* tables.c */
extern const uint8_t tk_vibrato_sine[32];

/* periods.c: Amiga periods (songs that follow ProTracker) */
#define TK_PT_NOTES 36              /* ProTracker's three octaves */
#define TK_PT_FIRST_NOTE 48         /* its C-1 is our C-4 (period 856) */
#define TK_PERIOD_SLIDE_MIN 113     /* slides stop here: ProTracker's highest note (B-3) */
#define TK_PERIOD_SLIDE_MAX 856     /* and its lowest (C-1) */
#define TK_PERIOD_MIN 28            /* shortest period turned into a pitch (vibrato past B-3) */
#define TK_AMIGA_CLOCK_HZ 3546895.0 /* PAL Paula: a sample step every period ticks of this */
int32_t tk_pt_period(uint8_t note, int8_t finetune);
int32_t tk_pt_note_index(int32_t period, int8_t finetune);
int32_t tk_pt_period_at(int32_t index, int8_t finetune);
int32_t tk_pt_arpeggio_period(int32_t index, int8_t finetune); /* past B-3 as ProTracker reads it */
float tk_period_to_units(int32_t period, float base_note, float sample_rate_hz);
#define TK_ST3_CLOCK_HZ 14317056.0  /* a sample step every period ticks of this (4 x NTSC Paula) */
#define TK_ST3_PERIOD_MIN 64        /* the shortest period ST3 plays (PeriodLimit.s3m) */
#define TK_ST3_PERIOD_MAX 32767     /* and the longest a slide reaches (PeriodLimitUpper.s3m) */
int32_t tk_st3_period(int32_t note, float base_note, float c2spd);
float tk_st3_period_to_units(int32_t period, float base_note, float c2spd);

#endif
