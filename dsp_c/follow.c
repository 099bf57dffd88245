/* follow.c -- the tempo taken from an external MIDI clock.
 *
 * Each pulse arrives stamped with the engine frame at which it was heard. The period is
 * the least-squares slope over the last beat of pulses, which averages away the arrival
 * jitter (a JACK period, a USB frame) instead of passing it on as tempo wobble. On top of
 * it a gentle phase correction pulls the replayer's own clock count back to the pulses
 * counted since the start, so the song cannot drift however long it runs. */
#include <math.h>
#include <string.h>
#include "tk_internal.h"

#define CLOCKS_PER_BEAT 24.0
#define CORRECTION_CLOCKS 24.0      /* a phase error is made up over about a beat */
#define MAX_CORRECTION 0.05         /* never more than 5 % faster or slower than the fit */
#define OFF_BEAT_PULSES 3           /* pulses in a row off the fit's grid: the tempo changed */
#define CLOCK_GONE_S 2.0            /* a gap this long: the clock stopped; fit afresh */
#define FASTEST_BPM 400.0           /* beats a minute a clock may set; pulses closer than half */
#define SLOWEST_BPM 20.0            /*   of its period are a flood, not a clock, and are dropped */

static double ticks_per_beat(const tk_engine *e)
{
    uint32_t rows = e->song && e->song->rows_per_beat ? e->song->rows_per_beat : 4;
    return (double)e->speed_ticks * (double)rows;
}

static double tick_frames(const tk_engine *e)
{
    return (double)e->tick_frames_fp / 4294967296.0;
}

/* Clocks (24 a beat) the replayer has played up to frame f, from the tick being played. */
static double internal_clocks(const tk_engine *e, uint64_t f)
{
    double per_tick = CLOCKS_PER_BEAT / ticks_per_beat(e);
    return e->clocks_at_tick + ((double)f - (double)e->tick_start_frame) / tick_frames(e) * per_tick;
}

/* Least-squares slope of the last n pulses' frames over their pulse numbers. */
static double fitted_period(const tk_engine *e, uint32_t n)
{
    uint32_t newest = e->ext_total - 1;
    double base_y = (double)e->ext_frames[newest % TK_FOLLOW_WINDOW];
    double base_x = (double)e->ext_index[newest % TK_FOLLOW_WINDOW];
    double sum_x = 0, sum_y = 0, sum_xx = 0, sum_xy = 0;
    for (uint32_t i = 0; i < n; i++) {
        double x = (double)e->ext_index[(newest - i) % TK_FOLLOW_WINDOW] - base_x;
        double y = (double)e->ext_frames[(newest - i) % TK_FOLLOW_WINDOW] - base_y;
        sum_x += x;
        sum_y += y;
        sum_xx += x * x;
        sum_xy += x * y;
    }
    double denominator = n * sum_xx - sum_x * sum_x;
    return denominator > 0 ? (n * sum_xy - sum_x * sum_y) / denominator : 0.0;
}

static void set_tick_frames(tk_engine *e, double clock_period_frames)
{
    double frames = clock_period_frames * CLOCKS_PER_BEAT / ticks_per_beat(e);
    if (frames < 1.0)
        frames = 1.0;
    e->tick_frames_fp = (uint64_t)(frames * 4294967296.0);
}

static void publish_bpm(tk_engine *e)
{
    /* FastTracker II's BPM: a tick lasts 2.5 / bpm seconds */
    float bpm = 0.0f;
    if (e->ext_period_frames > 0)
        bpm = (float)(2.5 * e->rate_hz * ticks_per_beat(e) / (CLOCKS_PER_BEAT * e->ext_period_frames));
    uint32_t bits;
    memcpy(&bits, &bpm, sizeof bits);
    atomic_store_explicit(&e->follow_bpm_bits, bits, memory_order_relaxed);
}

/* Start the fit (and the phase) afresh from the next pulse: the clock stopped, jumped or
 * was never a clock. The tempo being played stays until a new fit is good. */
static void forget(tk_engine *e)
{
    e->ext_count = 0;
    e->ext_period_frames = 0.0;
    e->phase_set = 0;
    e->off_beat = 0;
}

void tk_follow_pulse(tk_engine *e, uint64_t frame)
{
    /* heard before now and not long ago: anything else is not a pulse of this engine */
    if (frame > e->frame || (double)(e->frame - frame) > CLOCK_GONE_S * e->rate_hz)
        return;
    double fastest_frames = e->rate_hz * 60.0 / (CLOCKS_PER_BEAT * FASTEST_BPM);
    double slowest_frames = e->rate_hz * 60.0 / (CLOCKS_PER_BEAT * SLOWEST_BPM);
    uint64_t index = 0;
    if (e->ext_count > 0) {
        uint32_t newest = (e->ext_total - 1) % TK_FOLLOW_WINDOW;
        uint64_t last = e->ext_frames[newest];
        if (frame <= last)
            return; /* out of order: not a clock we can use */
        double gap = (double)(frame - last);
        uint64_t steps = 1;
        if (gap > CLOCK_GONE_S * e->rate_hz) {
            forget(e);
        } else if (e->ext_period_frames > 0) {
            /* a pulse lost on the way leaves a gap of two periods: count it, don't bend */
            double periods = gap / e->ext_period_frames;
            steps = periods < 1.0 ? 1 : (uint64_t)llround(periods);
            if (fabs(periods - (double)steps) > 0.33 || steps > 4) {
                if (++e->off_beat < OFF_BEAT_PULSES)
                    return; /* a stray pulse, until more like it say the tempo changed */
                forget(e);
            } else {
                e->off_beat = 0;
            }
        }
        if (e->ext_count > 0)
            index = e->ext_index[newest] + steps;
    }
    e->ext_frames[e->ext_total % TK_FOLLOW_WINDOW] = frame;
    e->ext_index[e->ext_total % TK_FOLLOW_WINDOW] = index;
    e->ext_total++;
    if (e->ext_count < TK_FOLLOW_WINDOW)
        e->ext_count++;
    if (e->ext_count < 2)
        return;
    double period = fitted_period(e, e->ext_count);
    if (period < fastest_frames || period > slowest_frames) {
        forget(e); /* not a tempo anyone plays: a flood, a broken sender */
        return;
    }
    e->ext_period_frames = period;
    publish_bpm(e);
    if (!e->follow || e->mode == TK_STOPPED)
        return;

    double error = 0.0;
    if (!e->phase_set) {
        e->phase_ref_clocks = internal_clocks(e, frame);
        e->phase_ref_index = index;
        e->phase_set = 1;
    } else {
        error = e->phase_ref_clocks + (double)(index - e->phase_ref_index) - internal_clocks(e, frame);
    }
    double correction = error / CORRECTION_CLOCKS;
    if (correction > MAX_CORRECTION)
        correction = MAX_CORRECTION;
    if (correction < -MAX_CORRECTION)
        correction = -MAX_CORRECTION;
    set_tick_frames(e, period / (1.0 + correction));
}

void tk_follow_started(tk_engine *e)
{
    e->phase_set = 0;
    e->clocks_at_tick = 0.0;
    e->tick_clocks = 0.0;
    e->tick_start_frame = e->frame;
    if (e->follow && e->ext_period_frames > 0)
        set_tick_frames(e, e->ext_period_frames);
}

/* At the start of every tick: count the clocks of the tick before. */
void tk_follow_tick(tk_engine *e)
{
    e->clocks_at_tick += e->tick_clocks;
    e->tick_start_frame = e->frame;
}
