/* periods.c -- Amiga periods for songs that follow ProTracker (TK_PLAY_PROTRACKER).
 *
 * ProTracker keeps a channel's pitch as a Paula period (the DMA clock divider) and
 * slides it in those units, so its slides are not even in pitch; its notes come from
 * fixed tables, one per finetune, whose rounding quirks are part of how modules sound. */
#include <math.h>
#include "tk_internal.h"

/* ProTracker 2's period tables: row f is finetune 0..7 then -8..-1, columns are its
 * three octaves C-1..B-3 (our C-4..B-6, notes 48..83). */
static const uint16_t pt_periods[16][TK_PT_NOTES] = {
    { 856,808,762,720,678,640,604,570,538,508,480,453, 428,404,381,360,339,320,302,285,269,254,240,226,
      214,202,190,180,170,160,151,143,135,127,120,113 },
    { 850,802,757,715,674,637,601,567,535,505,477,450, 425,401,379,357,337,318,300,284,268,253,239,225,
      213,201,189,179,169,159,150,142,134,126,119,113 },
    { 844,796,752,709,670,632,597,563,532,502,474,447, 422,398,376,355,335,316,298,282,266,251,237,224,
      211,199,188,177,167,158,149,141,133,125,118,112 },
    { 838,791,746,704,665,628,592,559,528,498,470,444, 419,395,373,352,332,314,296,280,264,249,235,222,
      209,198,187,176,166,157,148,140,132,125,118,111 },
    { 832,785,741,699,660,623,588,555,524,495,467,441, 416,392,370,350,330,312,294,278,262,247,233,220,
      208,196,185,175,165,156,147,139,131,124,117,110 },
    { 826,779,736,694,655,619,584,551,520,491,463,437, 413,390,368,347,328,309,292,276,260,245,232,219,
      206,195,184,174,164,155,146,138,130,123,116,109 },
    { 820,774,730,689,651,614,580,547,516,487,460,434, 410,387,365,345,325,307,290,274,258,244,230,217,
      205,193,183,172,163,154,145,137,129,122,115,109 },
    { 814,768,725,684,646,610,575,543,513,484,457,431, 407,384,363,342,323,305,288,272,256,242,228,216,
      204,192,181,171,161,152,144,136,128,121,114,108 },
    { 907,856,808,762,720,678,640,604,570,538,508,480, 453,428,404,381,360,339,320,302,285,269,254,240,
      226,214,202,190,180,170,160,151,143,135,127,120 },
    { 900,850,802,757,715,675,636,601,567,535,505,477, 450,425,401,379,357,337,318,300,284,268,253,238,
      225,212,200,189,179,169,159,150,142,134,126,119 },
    { 894,844,796,752,709,670,632,597,563,532,502,474, 447,422,398,376,355,335,316,298,282,266,251,237,
      223,211,199,188,177,167,158,149,141,133,125,118 },
    { 887,838,791,746,704,665,628,592,559,528,498,470, 444,419,395,373,352,332,314,296,280,264,249,235,
      222,209,198,187,176,166,157,148,140,132,125,118 },
    { 881,832,785,741,699,660,623,588,555,524,494,467, 441,416,392,370,350,330,312,294,278,262,247,233,
      220,208,196,185,175,165,156,147,139,131,123,117 },
    { 875,826,779,736,694,655,619,584,551,520,491,463, 437,413,390,368,347,328,309,292,276,260,245,232,
      219,206,195,184,174,164,155,146,138,130,123,116 },
    { 868,820,774,730,689,651,614,580,547,516,487,460, 434,410,387,365,345,325,307,290,274,258,244,230,
      217,205,193,183,172,163,154,145,137,129,122,115 },
    { 862,814,768,725,684,646,610,575,543,513,484,457, 431,407,384,363,342,323,305,288,272,256,242,228,
      216,203,192,181,171,161,152,144,136,128,121,114 },
};

static const uint16_t *table(int8_t finetune)
{
    return pt_periods[(uint8_t)finetune & 15];
}

int32_t tk_pt_arpeggio_period(int32_t index, int8_t finetune)
{
    /* ProTracker's tables are 37 words a finetune, the last 0, one after the other: an
     * arpeggio past B-3 reads a period of 0 (the sample stands still), then the next
     * finetune's notes from C-1 on (ArpWraparound.mod). Past the last table: 0. */
    int32_t row = (uint8_t)finetune & 15;
    while (index > TK_PT_NOTES) {
        index -= TK_PT_NOTES + 1;
        row++;
    }
    if (index < 0)
        index = 0;
    if (index == TK_PT_NOTES || row > 15)
        return 0;
    return pt_periods[row][index];
}

int32_t tk_pt_period(uint8_t note, int8_t finetune)
{
    return tk_pt_period_at((int32_t)note - TK_PT_FIRST_NOTE, finetune);
}

int32_t tk_pt_note_index(int32_t period, int8_t finetune)
{
    /* ProTracker's arpeggio and glissando take the first table entry at or below the
     * period: a period between two notes counts as the higher one. */
    const uint16_t *t = table(finetune);
    for (int32_t i = 0; i < TK_PT_NOTES; i++)
        if (period >= t[i])
            return i;
    return TK_PT_NOTES - 1;
}

int32_t tk_pt_period_at(int32_t index, int8_t finetune)
{
    /* Past the last note ProTracker read whatever followed its table; we hold the end. */
    index = index < 0 ? 0 : (index >= TK_PT_NOTES ? TK_PT_NOTES - 1 : index);
    return table(finetune)[index];
}

float tk_period_to_units(int32_t period, float base_note, float sample_rate_hz)
{
    if (period <= 0) /* Paula stands still on a period of 0: the lowest pitch there is */
        return -1.0e6f;
    if (period < TK_PERIOD_MIN)
        period = TK_PERIOD_MIN;
    double hz = TK_AMIGA_CLOCK_HZ / (double)period;
    return base_note * 64.0f + (float)(768.0 * log2(hz / (double)sample_rate_hz));
}

/* Scream Tracker 3: periods of 1/4 Amiga period, octave 4 from a 12-note table, scaled by
 * the sample's C2SPD; a sample plays at its C2SPD on ST3's C-4, our C-5 (60). */
static const uint16_t st3_octave4[12] = {1712, 1616, 1524, 1440, 1356, 1280, 1208, 1140, 1076, 1016, 960, 907};

int32_t tk_st3_period(int32_t note, float base_note, float c2spd)
{
    int32_t n = note + 60 - (int32_t)base_note;
    if (n < 0)
        n = 0;
    /* The octave shift is done after scaling, so high notes keep their precision (as
     * OpenMPT computes it; ST3's own table shift truncated). */
    double period = 8363.0 * 32.0 * st3_octave4[n % 12] / ((double)c2spd * (double)(1u << (n / 12)));
    return period > TK_ST3_PERIOD_MAX ? TK_ST3_PERIOD_MAX : (int32_t)period;
}

float tk_st3_period_to_units(int32_t period, float base_note, float c2spd)
{
    if (period < TK_ST3_PERIOD_MIN) /* ST3 clamps the period it plays, not the channel's */
        period = TK_ST3_PERIOD_MIN;
    double hz = TK_ST3_CLOCK_HZ / (double)period;
    return base_note * 64.0f + (float)(768.0 * log2(hz / (double)c2spd));
}
