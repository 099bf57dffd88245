/* queue.c -- wait-free single-producer / single-consumer ring of fixed-size slots.
 *
 * head and tail grow without bound and wrap at 2^32; the slot is index mod
 * the ring's capacity (a power of two, so the wrap keeps the mapping). The producer publishes a slot with a release store of
 * head after copying it in; the consumer acquires head before copying out,
 * and releases tail after, so a slot is never read while being written. */
#include <string.h>
#include "tk_internal.h"

int tk_ring_push(tk_ring *ring, void *slots, size_t slot_bytes, const void *item)
{
    uint32_t head = atomic_load_explicit(&ring->head, memory_order_relaxed);
    uint32_t tail = atomic_load_explicit(&ring->tail, memory_order_acquire);
    if (head - tail >= ring->capacity)
        return 0;
    memcpy((char *)slots + (size_t)(head % ring->capacity) * slot_bytes, item, slot_bytes);
    atomic_store_explicit(&ring->head, head + 1, memory_order_release);
    return 1;
}

int tk_ring_pop(tk_ring *ring, const void *slots, size_t slot_bytes, void *item)
{
    uint32_t tail = atomic_load_explicit(&ring->tail, memory_order_relaxed);
    uint32_t head = atomic_load_explicit(&ring->head, memory_order_acquire);
    if (head == tail)
        return 0;
    memcpy(item, (const char *)slots + (size_t)(tail % ring->capacity) * slot_bytes, slot_bytes);
    atomic_store_explicit(&ring->tail, tail + 1, memory_order_release);
    return 1;
}
