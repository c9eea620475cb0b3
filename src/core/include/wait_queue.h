/* Static wait queues: intrusive FIFO lists of blocked VCPUs. No storage
 * beyond the link inside each VCPU; the caller holds the owning VM's lock. */
#ifndef WAIT_QUEUE_H
#define WAIT_QUEUE_H

#include "types.h"

struct vcpu;

struct wait_queue {
    struct vcpu *head;
    struct vcpu *tail;
};

void wq_init(struct wait_queue *wq);
void wq_add(struct wait_queue *wq, struct vcpu *v);
/* Remove `v` if queued; returns true if it was. */
bool wq_remove(struct wait_queue *wq, struct vcpu *v);
bool wq_contains(const struct wait_queue *wq, const struct vcpu *v);
uint32_t wq_length(const struct wait_queue *wq);

#endif
