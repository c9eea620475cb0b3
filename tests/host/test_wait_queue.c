/* src/core/wait_queue.c: intrusive FIFO of VCPUs. */
#include "support.h"
#include "host_cfg.h"
#include "wait_queue.h"

static struct wait_queue q;

static void fill(uint32_t n)
{
    uint32_t i;

    wq_init(&q);
    for (i = 0u; i < n; i++) {
        wq_add(&q, vc(i));
    }
}

/* Elements in order, as global VCPU indices, e.g. "0,2,4". */
static const char *order(void)
{
    static char buf[64];
    const struct vcpu *v;
    size_t n = 0u;

    buf[0] = '\0';
    for (v = q.head; (v != NULL) && (n + 4u < sizeof(buf)); v = v->wq_next) {
        n += (size_t)snprintf(&buf[n], sizeof(buf) - n, "%s%u", n ? "," : "", (unsigned)(v - vcpus));
    }
    return buf;
}

/* REQ-WQ-01 */
static void t_empty(void)
{
    wq_init(&q);
    CHECK(q.head == NULL);
    CHECK(q.tail == NULL);
    CHECK_EQ(wq_length(&q), 0);
    CHECK(!wq_contains(&q, vc(0)));
    CHECK(!wq_remove(&q, vc(0)));
    CHECK(q.head == NULL);
}

/* REQ-WQ-01 */
static void t_fifo_order(void)
{
    fill(CFG_NUM_VCPUS);
    CHECK_STR(order(), "0,1,2,3,4");
    CHECK_EQ(wq_length(&q), CFG_NUM_VCPUS);
    CHECK(q.head == vc(0));
    CHECK(q.tail == vc(CFG_NUM_VCPUS - 1u));
    CHECK(q.tail->wq_next == NULL);
}

/* REQ-WQ-01 */
static void t_remove_head_middle_tail(void)
{
    fill(5);
    CHECK(wq_remove(&q, vc(0)));
    CHECK_STR(order(), "1,2,3,4");
    CHECK(q.head == vc(1));
    CHECK(wq_remove(&q, vc(2)));
    CHECK_STR(order(), "1,3,4");
    CHECK(wq_remove(&q, vc(4)));
    CHECK_STR(order(), "1,3");
    CHECK(q.tail == vc(3));
    CHECK(vc(4)->wq_next == NULL);
    /* Appending after a tail removal links from the new tail. */
    wq_add(&q, vc(0));
    CHECK_STR(order(), "1,3,0");
    CHECK(q.tail == vc(0));
    CHECK_EQ(wq_length(&q), 3);
}

/* REQ-WQ-01 */
static void t_remove_only_element(void)
{
    fill(1);
    CHECK(wq_remove(&q, vc(0)));
    CHECK(q.head == NULL);
    CHECK(q.tail == NULL);
    CHECK_EQ(wq_length(&q), 0);
    wq_add(&q, vc(3));
    CHECK(q.head == vc(3));
    CHECK(q.tail == vc(3));
}

/* REQ-WQ-01 */
static void t_remove_absent(void)
{
    fill(3);
    CHECK(!wq_remove(&q, vc(4)));
    CHECK_STR(order(), "0,1,2");
    CHECK(wq_remove(&q, vc(1)));
    CHECK(!wq_remove(&q, vc(1))); /* twice: only once */
    CHECK_STR(order(), "0,2");
    CHECK(!wq_contains(&q, vc(1)));
    CHECK(wq_contains(&q, vc(2)));
}

/* REQ-WQ-01 */
static void t_readd_after_remove(void)
{
    fill(3);
    CHECK(wq_remove(&q, vc(0)));
    wq_add(&q, vc(0));
    CHECK_STR(order(), "1,2,0");
    CHECK(wq_remove(&q, vc(1)));
    CHECK(wq_remove(&q, vc(2)));
    CHECK(wq_remove(&q, vc(0)));
    CHECK_EQ(wq_length(&q), 0);
    CHECK(q.tail == NULL);
    /* A stale wq_next in a removed VCPU must not leak into a new list. */
    vc(0)->wq_next = vc(4);
    wq_add(&q, vc(0));
    CHECK_EQ(wq_length(&q), 1);
}

/* REQ-WQ-01 */
static void t_two_queues(void)
{
    struct wait_queue other;

    fill(2);
    wq_init(&other);
    wq_add(&other, vc(3));
    wq_add(&other, vc(4));
    CHECK(!wq_contains(&q, vc(3)));
    CHECK(!wq_remove(&q, vc(4)));
    CHECK_EQ(wq_length(&other), 2);
    CHECK(wq_remove(&other, vc(4)));
    CHECK(other.tail == vc(3));
    CHECK_STR(order(), "0,1");
}

/* The VMs use their queue for OFF and HALTED VCPUs. */
/* REQ-WQ-02 */
static void t_vm_queue_after_start(void)
{
    start_vms();
    CHECK_EQ(wq_length(&vms[VM_A].wq), 1);
    CHECK(wq_contains(&vms[VM_A].wq, vc(A1)));
    CHECK(!wq_contains(&vms[VM_A].wq, vc(A0)));
    CHECK_EQ(wq_length(&vms[VM_B].wq), 1);
    CHECK(wq_contains(&vms[VM_B].wq, vc(B1)));
    CHECK_EQ(wq_length(&vms[VM_C].wq), 0);
}

static const struct test_case cases[] = {
    TEST(empty),
    TEST(fifo_order),
    TEST(remove_head_middle_tail),
    TEST(remove_only_element),
    TEST(remove_absent),
    TEST(readd_after_remove),
    TEST(two_queues),
    TEST(vm_queue_after_start),
};

int main(void)
{
    return check_run("test_wait_queue", cases, ARRAY_SIZE(cases));
}
