/* tk_dsp.h -- the tracker's DSP kernel: replayer, voices, mixer, queues.
 *
 * The caller owns all memory. An engine is one block of tk_engine_size()
 * bytes; song data (patterns, instruments, sample frames) lives in memory the
 * caller allocates and keeps alive until the engine hands it back.
 *
 * Threads. There are two sides:
 *   audio thread -- the one thread that calls tk_engine_render();
 *   control side -- any ONE other thread at a time (the UI or a loader).
 * Every function below says which side may call it. "Audio-safe" means it
 * takes no lock, allocates nothing, does no I/O and runs in bounded time.
 *
 * Output is bit-identical for any split of the same frames into render calls,
 * as long as the same commands arrive before the same frames.
 */
#ifndef TK_DSP_H
#define TK_DSP_H

#include <stdint.h>
#include <stddef.h>

#define TK_MAX_TRACKS        64
#define TK_MAX_VOICES        256
#define TK_MAX_FX_COLUMNS    4
#define TK_QUEUE_CAPACITY    1024   /* entries per queue; a power of two */
#define TK_CONTROL_FRAMES    32     /* envelopes, LFOs and filter coefficients update this often */

/* ---- pattern data ------------------------------------------------------- */

#define TK_NOTE_NONE   255
#define TK_NOTE_OFF    254
#define TK_NOTE_CUT    253
#define TK_NOTE_MAX    119          /* B-9; C-0 is 0, A-4 is 57 */
#define TK_INSTR_NONE  0            /* instruments are numbered from 1 */
#define TK_VOL_NONE    255          /* volume column 0..64 */
#define TK_FX_NONE     255          /* effect command 0..35: '0'-'9' then 'A'-'Z' */

typedef struct tk_fx {
    uint8_t cmd;                    /* base-36 digit of the command letter, or TK_FX_NONE */
    uint8_t param;                  /* 00..FF */
} tk_fx;

typedef struct tk_cell {
    uint8_t note;                   /* 0..TK_NOTE_MAX, TK_NOTE_OFF, TK_NOTE_CUT or TK_NOTE_NONE */
    uint8_t instrument;             /* 1..255, or TK_INSTR_NONE */
    uint8_t volume;                 /* 0..64, or TK_VOL_NONE */
    uint8_t reserved;
    tk_fx fx[TK_MAX_FX_COLUMNS];    /* unused columns hold TK_FX_NONE */
} tk_cell;

/* An automation lane: one parameter moved along a pattern. */
enum tk_lane_target {
    TK_LANE_TRACK_VOLUME = 0, TK_LANE_TRACK_PAN, TK_LANE_TRACK_MUTE, TK_LANE_TRACK_SOLO,
    TK_LANE_MASTER_VOLUME, TK_LANE_TEMPO, TK_LANE_INSTRUMENT
};

typedef struct tk_lane {
    uint8_t target;                 /* enum tk_lane_target */
    uint8_t linear;                 /* 1: a straight line to the next row's value; 0: steps */
    uint16_t param;                 /* enum tk_instrument_param, for TK_LANE_INSTRUMENT */
    uint32_t index;                 /* track 0..63, or instrument number 1..255 */
    const float *values;            /* one per row: the value as the row starts, in the
                                       parameter's unit; NaN before the lane's first point */
} tk_lane;

typedef struct tk_pattern {
    uint32_t rows;                  /* 1..256 */
    tk_cell *cells;                 /* rows * song.tracks cells, row-major */
    uint32_t lane_count;            /* 0..64 */
    const tk_lane *lanes;           /* applied every control block while the pattern plays */
} tk_pattern;

/* ---- instruments -------------------------------------------------------- */

enum tk_instrument_kind { TK_KIND_SYNTH = 0, TK_KIND_SAMPLE = 1 };
enum tk_wave { TK_WAVE_SINE = 0, TK_WAVE_TRIANGLE, TK_WAVE_SAW, TK_WAVE_PULSE,
               TK_WAVE_NOISE, TK_WAVE_TABLE, TK_WAVE_OFF };
enum tk_osc_mode { TK_OSC_MIX = 0, TK_OSC_SYNC, TK_OSC_RING };
enum tk_filter_type { TK_FILTER_OFF = 0, TK_FILTER_LOWPASS, TK_FILTER_BANDPASS, TK_FILTER_HIGHPASS };
enum tk_lfo_shape { TK_LFO_SINE = 0, TK_LFO_TRIANGLE, TK_LFO_SAW, TK_LFO_SQUARE, TK_LFO_RANDOM };
enum tk_lfo_dest { TK_LFO_OFF = 0, TK_LFO_PITCH, TK_LFO_CUTOFF, TK_LFO_AMP, TK_LFO_PULSE_WIDTH };
enum tk_loop_mode { TK_LOOP_NONE = 0, TK_LOOP_FORWARD, TK_LOOP_PINGPONG };
enum tk_interpolation { TK_INTERP_LINEAR = 0, TK_INTERP_CUBIC = 1 };

/* Whose replay rules a song follows (tracker.model.song.Playback). */
enum tk_playback {
    TK_PLAY_NATIVE = 0,        /* FastTracker II linear pitch, our volume model */
    TK_PLAY_PROTRACKER = 1,    /* Amiga periods, ProTracker 2 quirks */
    TK_PLAY_FASTTRACKER2 = 2,
    TK_PLAY_SCREAMTRACKER3 = 3,
};

typedef struct tk_adsr {
    float attack_s;                 /* 0..20 */
    float decay_s;                  /* 0..20 */
    float sustain;                  /* 0..1 */
    float release_s;                /* 0..20 */
} tk_adsr;

typedef struct tk_osc_params {
    uint8_t wave;                   /* enum tk_wave */
    int8_t coarse_semitones;        /* -48..48 */
    float fine_cents;               /* -100..100 */
    float level;                    /* 0..1, mix level */
    float pulse_width;              /* 0.01..0.99, for TK_WAVE_PULSE */
} tk_osc_params;

/* A drawn envelope (FastTracker II): points in ticks from the note's start. */
#define TK_ENV_MAX_POINTS 32
#define TK_ENV_NONE 255             /* no sustain or loop point */
typedef struct tk_env_points {
    uint8_t count;                  /* 0: the instrument has none */
    uint8_t sustain;                /* point held while the key is down, or TK_ENV_NONE */
    uint8_t loop_start, loop_end;   /* points looped between, or TK_ENV_NONE */
    uint16_t tick[TK_ENV_MAX_POINTS];   /* ascending */
    float value[TK_ENV_MAX_POINTS];     /* volume 0..1; pan 0 (left)..1 (right), 0.5 centre */
} tk_env_points;

enum tk_vibrato_wave { TK_VIB_SINE = 0, TK_VIB_SQUARE, TK_VIB_RAMP_UP, TK_VIB_RAMP_DOWN };

#define TK_KEYMAP_NOTES 120

typedef struct tk_instrument tk_instrument;
struct tk_instrument {
    uint8_t kind;                   /* enum tk_instrument_kind */
    float volume;                   /* 0..1 */
    float pan;                      /* -1 (left) .. +1 (right) */

    /* synth */
    tk_osc_params osc[2];
    uint8_t osc_mode;               /* enum tk_osc_mode: osc 2 mixed, hard-synced to osc 1, or ring-modulated by it */
    const float *wavetable;         /* one cycle, for TK_WAVE_TABLE; NULL when unused */
    uint32_t wavetable_frames;      /* 2..4096 */
    float glide_s;                  /* 0 = none; otherwise time to reach a new note on the same track */

    /* sample: frames are float, interleaved when stereo, with guard frames
     * around them so interpolation never reads outside the buffer:
     * data[-TK_GUARD_FRAMES*ch .. (length+TK_GUARD_FRAMES)*ch) must be valid. */
    const float *sample_data;       /* first real frame; NULL for synths */
    uint32_t sample_frames;
    uint8_t sample_channels;        /* 1 or 2 */
    uint8_t loop_mode;              /* enum tk_loop_mode */
    uint32_t loop_start_frames;     /* loop covers [start, end) */
    uint32_t loop_end_frames;
    float sample_rate_hz;           /* the rate at which base_note plays */
    uint8_t base_note;              /* 0..119 */
    int8_t finetune;                /* -128..127, 1/128 semitone */

    /* shared by both kinds */
    uint8_t filter_type;            /* enum tk_filter_type */
    float cutoff_hz;                /* 20..20000 */
    float resonance;                /* 0..1; 1 is at the edge of self-oscillation */
    float drive;                    /* 0..1: input saturation */
    tk_adsr amp_env;
    tk_adsr filter_env;
    float filter_env_octaves;       /* -8..8: cutoff shift at envelope peak */
    uint8_t lfo_shape;              /* enum tk_lfo_shape */
    uint8_t lfo_dest;               /* enum tk_lfo_dest */
    float lfo_rate_hz;              /* 0.01..50 */
    float lfo_depth;                /* 0..1: 1 = 1 octave pitch, 4 octaves cutoff, full amp, full width */

    /* FastTracker II instruments (sample kind) */
    tk_env_points volume_points;    /* when count > 0 it shapes the note instead of amp_env */
    tk_env_points pan_points;
    float fadeout;                  /* 0..1: volume lost per tick once released (with volume_points) */
    uint8_t vibrato_wave;           /* auto-vibrato: enum tk_vibrato_wave */
    uint8_t vibrato_rate;           /* steps of a 256-step cycle per tick; 0 none */
    uint8_t vibrato_depth;          /* 0..15 */
    uint16_t vibrato_sweep_ticks;   /* to full depth; 0 at once */
    /* Further samples: copies of this instrument with their own sample fields, volume and
     * pan; note n plays zones[keymap[n] - 1], or this one when keymap[n] is 0. */
    tk_instrument *zones;
    uint32_t zone_count;
    uint8_t keymap[TK_KEYMAP_NOTES];
};

#define TK_GUARD_FRAMES 4

/* ---- song --------------------------------------------------------------- */

typedef struct tk_track_params {
    float volume;                   /* 0..1 */
    float pan;                      /* -1..+1 */
    uint8_t mute;
    uint8_t solo;
    uint8_t fx_columns;             /* 1..TK_MAX_FX_COLUMNS */
    uint8_t midi_channel;           /* 0: none; 1..16: notes also go out as MIDI on this channel */
    uint8_t midi_only;              /* 1: the internal instrument stays silent (an external synth plays) */
} tk_track_params;

typedef struct tk_song {
    uint32_t tracks;                /* 1..TK_MAX_TRACKS */
    uint32_t tempo_bpm;             /* 32..255 */
    uint32_t speed_ticks;           /* 1..31 ticks per row */
    uint32_t rows_per_beat;         /* 1..32: a beat is 24 MIDI clocks */
    uint32_t rows_per_bar;          /* 1..256: where a cue at the bar's end starts */
    float master_volume;            /* 0..2 */
    uint8_t interpolation;          /* enum tk_interpolation */
    uint8_t playback;               /* enum tk_playback */
    uint8_t amiga_slides;           /* FastTracker II rules: slide in Amiga periods (0: linear) */
    uint8_t global_volume;          /* 0..64: where Gxx starts */
    uint32_t order_count;           /* 1..256 */
    const uint16_t *orders;         /* pattern index per order position */
    uint32_t restart_order;         /* where the song loops to after its end */
    uint32_t pattern_count;
    tk_pattern *patterns;           /* cells are written by TK_CMD_SET_CELL on the audio thread */
    uint32_t instrument_count;
    tk_instrument *instruments;     /* instrument n is instruments[n-1]; TK_CMD_INSTRUMENT_PARAM writes here */
    tk_track_params track[TK_MAX_TRACKS];
} tk_song;

/* ---- commands into the engine ------------------------------------------- */

enum tk_command_type {
    TK_CMD_SET_SONG = 1,   /* ptr: new tk_song; the old one comes back as TK_EVT_SONG_RELEASED */
    TK_CMD_PLAY_SONG,      /* a: order, b: row */
    TK_CMD_PLAY_PATTERN,   /* a: pattern, b: row; loops that pattern */
    TK_CMD_STOP,           /* voices fade out */
    TK_CMD_SET_LOOP,       /* a: 1 loops the current pattern, 0 plays on */
    TK_CMD_SET_TEMPO,      /* a: bpm */
    TK_CMD_SET_SPEED,      /* a: ticks per row; a row already past that many ends at the next tick */
    TK_CMD_NOTE_ON,        /* track, a: note, b: instrument, value: velocity 0..1 */
    TK_CMD_NOTE_OFF,       /* track, a: note (TK_NOTE_NONE: all live notes on the track) */
    TK_CMD_SET_CELL,       /* a: pattern, b: row, track, cell */
    TK_CMD_TRACK_VOLUME,   /* track, value 0..1 */
    TK_CMD_TRACK_PAN,      /* track, value -1..1 */
    TK_CMD_TRACK_MUTE,     /* track, a: 0/1 */
    TK_CMD_TRACK_SOLO,     /* track, a: 0/1 */
    TK_CMD_MASTER_VOLUME,  /* value 0..2 */
    TK_CMD_INSTRUMENT_PARAM, /* a: instrument number, b: enum tk_instrument_param, value */
    TK_CMD_SET_STOP_AT_END, /* a: 1 stops (voices release) where the song would loop; 0 loops */
    TK_CMD_SET_METERING,    /* a: 0 stops TK_EVT_LEVELS events (offline render), 1 sends them (default) */
    TK_CMD_LIVE_BEND,       /* value: pitch offset of every live note, semitones -48..48 (pitch bend) */
    TK_CMD_LIVE_MOD,        /* value 0..1: vibrato depth of every live note (mod wheel; 1 = +-50 cents) */
    TK_CMD_SET_MIDI_CLOCK,  /* a: 1 sends MIDI clock (24 per beat) and start/stop/continue/song position */
    TK_CMD_CUE,             /* a: order position (song mode) or pattern (pattern mode) to go to at the
                               end of the current pattern (b = 0) or bar (b = 1); TK_CUE_NONE cancels */
    TK_CMD_CLOCK_FOLLOW,    /* a: 1 slaves the tempo to TK_CMD_CLOCK_IN pulses, 0 goes back to the song's */
    TK_CMD_CLOCK_IN         /* an external MIDI clock pulse, heard at engine frame a + b * 2^32 */
};
#define TK_CUE_NONE 65535

enum tk_instrument_param {
    TK_IP_VOLUME = 0, TK_IP_PAN, TK_IP_CUTOFF_HZ, TK_IP_RESONANCE, TK_IP_DRIVE,
    TK_IP_FILTER_ENV_OCTAVES, TK_IP_LFO_RATE_HZ, TK_IP_LFO_DEPTH,
    TK_IP_OSC1_LEVEL, TK_IP_OSC2_LEVEL, TK_IP_OSC1_FINE_CENTS, TK_IP_OSC2_FINE_CENTS,
    TK_IP_OSC1_PULSE_WIDTH, TK_IP_OSC2_PULSE_WIDTH,
    TK_IP_AMP_ATTACK_S, TK_IP_AMP_DECAY_S, TK_IP_AMP_SUSTAIN, TK_IP_AMP_RELEASE_S,
    TK_IP_FILTER_ATTACK_S, TK_IP_FILTER_DECAY_S, TK_IP_FILTER_SUSTAIN, TK_IP_FILTER_RELEASE_S,
    TK_IP_OSC1_COARSE, TK_IP_OSC2_COARSE, TK_IP_GLIDE_S, TK_IP_COUNT
};
/* Continuous parameters (volume, pan, filter, drive, LFO, oscillator level, fine tune,
 * width and sustain levels) glide to a new value with a 10 ms time constant instead of
 * jumping, so a controller turned by hand does not zip; cutoff glides in octaves. Envelope
 * times, coarse tune and glide time take effect at once: they are not heard as a step. */

typedef struct tk_command {
    uint32_t type;                  /* enum tk_command_type */
    uint32_t track;
    uint32_t a, b;
    float value;
    tk_cell cell;
    void *ptr;
} tk_command;

/* ---- events out of the engine ------------------------------------------- */

enum tk_event_type {
    TK_EVT_POSITION = 1,   /* order, pattern, row, tick: a new row became audible */
    TK_EVT_LEVELS,         /* track (TK_MAX_TRACKS = master), peak_left/right since the last levels event */
    TK_EVT_SONG_RELEASED,  /* ptr: a tk_song the engine no longer reads; free it now */
    TK_EVT_SONG_END,       /* the song reached its end (frame: where the restart begins) */
    TK_EVT_STOPPED,
    TK_EVT_FAULT           /* non-finite output was replaced by silence; voices were reset */
};

typedef struct tk_event {
    uint32_t type;                  /* enum tk_event_type */
    uint64_t frame;                 /* engine frame at which this becomes audible */
    double time_s;                  /* the same moment on the output stream's clock (see tk_stream_callback);
                                       frame / rate when no stream has run */
    uint32_t order, pattern, row, tick;
    uint32_t track;
    float peak_left, peak_right;
    void *ptr;
} tk_event;

#define TK_LEVELS_PERIOD_FRAMES 512

/* ---- MIDI out of the engine ----------------------------------------------- */

/* A MIDI message the replayer produced (clock, transport, an external-synth track's
 * notes), stamped like events with when it is due: send it at time_s and it sounds with
 * the audio around it. Messages come out in time order. */
typedef struct tk_midi_event {
    uint64_t frame;
    double time_s;
    uint8_t track;                  /* the track it belongs to (its output), or TK_MIDI_ALL_OUTPUTS */
    uint8_t size;                   /* 1..3 bytes */
    uint8_t data[3];
} tk_midi_event;

#define TK_MIDI_ALL_OUTPUTS 255     /* clock and transport: for every output */

#define TK_MIDI_QUEUE_CAPACITY 4096 /* a power of two */ /* levels events are sent this often */

/* ---- the engine --------------------------------------------------------- */

typedef struct tk_engine tk_engine;

typedef struct tk_engine_stats {
    uint64_t frames_rendered;
    uint32_t faults;                /* non-finite blocks replaced by silence */
    uint32_t events_dropped;        /* events lost because the out-queue was full */
    uint32_t midi_dropped;          /* MIDI messages lost because their queue was full */
    float follow_bpm;               /* tempo taken from an external clock (FastTracker II BPM), 0 none */
    uint32_t voices_active;
    uint32_t playing;               /* 1 while the song or a pattern plays */
    uint64_t callbacks;             /* stream callbacks run */
    uint32_t underflows;            /* callbacks whose status flags reported an output underflow */
    float load_last;                /* time spent in the last callback / its block's duration */
    float load_max;                 /* the largest load since tk_engine_reset_load_max */
} tk_engine_stats;

/* Bytes the caller must provide for one engine (align to 64).
 * Any thread. */
size_t tk_engine_size(void);

/* Prepare an engine in caller memory. sample_rate_hz: 8000..384000.
 * Control side, before the audio thread starts. Returns 0, or -1 on a bad rate. */
int tk_engine_init(tk_engine *engine, float sample_rate_hz);

/* Install a song directly, with no audio thread running (offline render).
 * Control side only, never while tk_engine_render may run. */
void tk_engine_load_song(tk_engine *engine, tk_song *song);

/* Render frames of interleaved stereo float into out (2 * frames floats).
 * Drains the command queue first. Audio thread only. Audio-safe. */
void tk_engine_render(tk_engine *engine, float *out, uint32_t frames);

/* Render into one buffer per track (out_tracks[t]: 2 * frames floats, post
 * track volume/pan/mute, before the master) as well as the master mix.
 * Same state changes as tk_engine_render. Audio thread only. Audio-safe. */
void tk_engine_render_stems(tk_engine *engine, float *out, float *const *out_tracks, uint32_t frames);

/* Queue a command. Returns 1 if queued, 0 if the queue is full.
 * Control side only (the single producer). Audio-safe, wait-free. */
int tk_engine_push_command(tk_engine *engine, const tk_command *command);

/* Take the oldest event. Returns 1 if one was taken, 0 if none.
 * Control side only (the single consumer). Audio-safe, wait-free. */
int tk_engine_pop_event(tk_engine *engine, tk_event *event);

/* Take up to max of the oldest events into out; returns how many. One call for a whole
 * drain: from Python, each call lets go of the GIL and must win it back, which a busy thread
 * can make take milliseconds. Control side only. Audio-safe, wait-free. */
uint32_t tk_engine_pop_events(tk_engine *engine, tk_event *out, uint32_t max);

/* Take the oldest MIDI message. Returns 1 if one was taken, 0 if none.
 * One control-side thread only (the MIDI sender: the single consumer). Audio-safe. */
int tk_engine_pop_midi(tk_engine *engine, tk_midi_event *event);
uint32_t tk_engine_pop_midis(tk_engine *engine, tk_midi_event *out, uint32_t max); /* as pop_events */

/* Counters; values may lag by one block. Any thread. Audio-safe. */
void tk_engine_get_stats(const tk_engine *engine, tk_engine_stats *stats);

/* Peak since the last call for a track (TK_MAX_TRACKS = master), both
 * channels. Control side. Audio-safe. */
void tk_engine_get_peak(tk_engine *engine, uint32_t track, float *left, float *right);

/* Current song position. Control side; values may lag by one block. */
void tk_engine_get_position(const tk_engine *engine, uint32_t *order, uint32_t *row, uint32_t *tick);

/* Benchmark hook: render `voices` copies of one instrument's note for
 * `frames` frames into out (stereo), bypassing the replayer. Returns the
 * number of voices that actually played. Control side; never while the
 * audio thread runs this engine. */
uint32_t tk_engine_bench_voices(tk_engine *engine, const tk_instrument *instrument,
                                uint32_t voices, float *out, uint32_t frames);

/* ---- real-time output ----------------------------------------------------- */

/* Matches PortAudio's PaStreamCallbackTimeInfo: seconds on the stream's clock. */
typedef struct tk_stream_time {
    double input_adc_s;
    double current_s;
    double output_dac_s;            /* when the first frame of this block is heard */
} tk_stream_time;

#define TK_STATUS_OUTPUT_UNDERFLOW 4   /* PortAudio's paOutputUnderflow */
#define TK_LOAD_HISTORY            16384  /* per-callback loads kept for tk_engine_read_loads */

/* The stream callback, with PortAudio's PaStreamCallback signature, so PortAudio
 * (or any host) calls it directly and no Python runs in the audio thread.
 * user is the tk_engine; output is interleaved stereo float32. It drains the
 * command queue, renders, stamps events with output_dac_s, counts underflows
 * and measures its own time. It always fills the buffer and returns 0
 * (paContinue). Audio thread only. Audio-safe. */
int tk_stream_callback(const void *input, void *output, unsigned long frames,
                       const tk_stream_time *time, unsigned long status_flags, void *user);

/* The latest (engine frame, stream time) pair a callback published: frame f
 * is heard at time_s + (f - frame) / rate. Returns 0 before the first callback.
 * Any thread. Audio-safe. */
int tk_engine_get_clock(const tk_engine *engine, uint64_t *frame, double *time_s);

/* Copy the loads of callbacks [*since, newest) into out (at most max, oldest
 * first; callbacks older than TK_LOAD_HISTORY are gone) and set *since to the
 * callback after the last one copied. Returns how many were copied.
 * Control side. Audio-safe. */
uint32_t tk_engine_read_loads(const tk_engine *engine, uint64_t *since, float *out, uint32_t max);

/* Restart load_max from zero. Control side. Audio-safe. */
void tk_engine_reset_load_max(tk_engine *engine);

/* A silent output driven by the monotonic clock: a thread of its own calls
 * tk_stream_callback every block period and discards the audio. For machines
 * with no sound card, and for tests. The stream clock is CLOCK_MONOTONIC.
 * Start/stop: control side (they create and join a thread). */
typedef struct tk_null_stream tk_null_stream;
tk_null_stream *tk_null_stream_start(tk_engine *engine, uint32_t block_frames);  /* NULL on failure */
void tk_null_stream_stop(tk_null_stream *stream);                                /* and frees it */
double tk_stream_clock_now_s(void);  /* CLOCK_MONOTONIC in seconds. Any thread. Audio-safe. */

#endif
