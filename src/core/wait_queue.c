/* Static wait queues (FIFO, intrusive). Callers hold the owning VM's lock. */
#include "wait_queue.h"
#include "vcpu.h"

void wq_init(struct wait_queue *wq)
{
    wq->head = NULL;
    wq->tail = NULL;
}

void wq_add(struct wait_queue *wq, struct vcpu *v)
{
    v->wq_next = NULL;
    if (wq->tail == NULL) {
        wq->head = v;
    } else {
        wq->tail->wq_next = v;
    }
    wq->tail = v;
}

bool wq_remove(struct wait_queue *wq, struct vcpu *v)
{
    struct vcpu *prev = NULL;
    struct vcpu *cur = wq->head;

    while (cur != NULL) {
        if (cur == v) {
            if (prev == NULL) {
                wq->head = cur->wq_next;
            } else {
                prev->wq_next = cur->wq_next;
            }
            if (wq->tail == cur) {
                wq->tail = prev;
            }
            cur->wq_next = NULL;
            return true;
        }
        prev = cur;
        cur = cur->wq_next;
    }
    return false;
}

bool wq_contains(const struct wait_queue *wq, const struct vcpu *v)
{
    const struct vcpu *cur = wq->head;

    while (cur != NULL) {
        if (cur == v) {
            return true;
        }
        cur = cur->wq_next;
    }
    return false;
}

uint32_t wq_length(const struct wait_queue *wq)
{
    uint32_t n = 0u;
    const struct vcpu *cur = wq->head;

    while (cur != NULL) {
        n++;
        cur = cur->wq_next;
    }
    return n;
}
