/* tables.c -- constant tables shared by the replayer. */
#include "tk_internal.h"

/* ProTracker's and FastTracker II's vibrato/tremolo sine: one half cycle, 0..255. */
const uint8_t tk_vibrato_sine[32] = {
      0,  24,  49,  74,  97, 120, 141, 161, 180, 197, 212, 224, 235, 244, 250, 253,
    255, 253, 250, 244, 235, 224, 212, 197, 180, 161, 141, 120,  97,  74,  49,  24,
};
