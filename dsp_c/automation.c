/* automation.c -- lanes that move parameters along the pattern being played.
 *
 * Each lane holds its value at the start of every row (the compiler worked out the points
 * and curves); here, once per control block, a linear lane is drawn on towards the next
 * row's value by how far into the row the replayer is. Gains then ramp per sample in the
 * mixer and voices, so a fade is smooth at any block size. */
#include <math.h>
#include "tk_internal.h"

/* How far into the current row, 0..1, on the row's own length at the current speed. */
static float row_fraction(const tk_engine *e)
{
    double row_frames = (double)e->speed_ticks * (double)e->tick_frames_fp / 4294967296.0;
    double done = (double)(e->frame - e->row_start_frame);
    double share = row_frames > 0 ? done / row_frames : 0.0;
    return share < 0.0 ? 0.0f : (share > 1.0 ? 1.0f : (float)share);
}

static int track_flag_set(uint8_t *flag, float value)
{
    uint8_t on = value >= 0.5f;
    if (*flag == on)
        return 0;
    *flag = on;
    return 1;
}

#define JUMP 0.05f  /* a change this big in one control block is a jump, not a line */

/* A line is followed over one control block, so the gain traces it; a step (a jump between
 * rows) takes the faders' declick ramp. */
static void apply(tk_engine *e, const tk_lane *lane, float value, int moving)
{
    tk_song *s = e->song;
    uint32_t t = lane->index;
    uint32_t ramp_frames = moving ? TK_CONTROL_FRAMES : e->mix_ramp_frames;
    switch (lane->target) {
    case TK_LANE_TRACK_VOLUME:
    case TK_LANE_TRACK_PAN:
        if (t >= s->tracks)
            return;
        float *field = lane->target == TK_LANE_TRACK_VOLUME ? &s->track[t].volume : &s->track[t].pan;
        value = lane->target == TK_LANE_TRACK_VOLUME ? fminf(fmaxf(value, 0.0f), 1.0f)
                                                     : fminf(fmaxf(value, -1.0f), 1.0f);
        if (fabsf(value - *field) > JUMP)
            ramp_frames = e->mix_ramp_frames; /* the lane's first point, or a new pattern's */
        else if (e->track_ramp[t] > ramp_frames)
            ramp_frames = e->track_ramp[t]; /* a jump's declick still under way: let it finish */
        *field = value;
        tk_mixer_ramp_track(e, t, ramp_frames);
        break;
    case TK_LANE_TRACK_MUTE:
        if (t < s->tracks && track_flag_set(&s->track[t].mute, value))
            tk_mixer_update_all(e);
        break;
    case TK_LANE_TRACK_SOLO:
        if (t < s->tracks && track_flag_set(&s->track[t].solo, value))
            tk_mixer_update_all(e); /* a solo silences the others */
        break;
    case TK_LANE_MASTER_VOLUME:
        value = fminf(fmaxf(value, 0.0f), 2.0f);
        if (fabsf(value - s->master_volume) > JUMP)
            ramp_frames = e->mix_ramp_frames;
        else if (e->master_ramp > ramp_frames)
            ramp_frames = e->master_ramp;
        s->master_volume = value;
        tk_mixer_ramp_master(e, value, ramp_frames);
        break;
    case TK_LANE_TEMPO: {
        uint32_t bpm = (uint32_t)lrintf(fminf(fmaxf(value, 32.0f), 255.0f));
        if (bpm != e->tempo_bpm)
            tk_replayer_set_tempo(e, bpm); /* from the next tick */
        break;
    }
    case TK_LANE_INSTRUMENT: tk_instrument_param_set(e, t, lane->param, value, 0); break;
    default: break;
    }
}

void tk_automation_run(tk_engine *e)
{
    const tk_song *s = e->song;
    uint32_t row = e->playing_row;
    if (e->playing_pattern >= s->pattern_count)
        return;
    const tk_pattern *p = &s->patterns[e->playing_pattern];
    if (p->lane_count == 0 || row >= p->rows)
        return;
    float share = row_fraction(e);
    for (uint32_t i = 0; i < p->lane_count; i++) {
        const tk_lane *lane = &p->lanes[i];
        float now = lane->values[row];
        if (isnan(now))
            continue; /* before the lane's first point: the parameter is left alone */
        int moving = lane->linear && row + 1 < p->rows && !isnan(lane->values[row + 1]) &&
                     lane->values[row + 1] != now;
        if (moving)
            now += (lane->values[row + 1] - now) * share;
        apply(e, lane, now, moving);
    }
}
