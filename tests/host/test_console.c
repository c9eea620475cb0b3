/* src/core/console.c: per-VM line buffers, whole prefixed lines. */
#include "support.h"
#include "host_cfg.h"

static struct console_line la;
static struct console_line lb;

static void puts_vm(struct console_line *l, const char *prefix, const char *s, size_t n)
{
    size_t i;

    for (i = 0u; i < n; i++) {
        console_vm_putc(l, prefix, s[i]);
    }
}

static void put_str(struct console_line *l, const char *prefix, const char *s)
{
    puts_vm(l, prefix, s, strlen(s));
}

/* REQ-CONS-01 */
static void t_init(void)
{
    console_init();
    CHECK_EQ(fake.console_inits, 1);
    CHECK_EQ(fake.console_len, 0);
}

/* REQ-CONS-01 */
static void t_line_buffering(void)
{
    memset(&la, 0, sizeof(la));
    put_str(&la, "vm0", "abc");
    CHECK_EQ(fake.console_len, 0);
    CHECK_EQ(la.len, 3);
    put_str(&la, "vm0", "\n");
    CHECK_STR(fake.console, "[vm0] abc\r\n");
    CHECK_EQ(la.len, 0);
    put_str(&la, "vm0", "1\n2\n");
    CHECK_STR(fake.console, "[vm0] abc\r\n[vm0] 1\r\n[vm0] 2\r\n");
}

/* REQ-CONS-01 */
static void t_prefix_and_empty_line(void)
{
    memset(&la, 0, sizeof(la));
    console_write_line("hv", "x", 1);
    put_str(&la, "a-long_name", "\n");
    console_write_line("", "", 0);
    CHECK_STR(fake.console, "[hv] x\r\n[a-long_name] \r\n[] \r\n");
}

/* REQ-CONS-01 */
static void t_carriage_return_dropped(void)
{
    memset(&la, 0, sizeof(la));
    put_str(&la, "a", "one\r\ntw\ro\r\n\r");
    CHECK_STR(fake.console, "[a] one\r\n[a] two\r\n");
    CHECK_EQ(la.len, 0);
}

/* Console lines on the fake UART: none longer than CONSOLE_LINE_MAX. */
static bool lines_within_max(void)
{
    const char *p = fake.console;

    while (*p != '\0') {
        const char *end = strstr(p, "\r\n");
        const char *text = strstr(p, "] ");
        if ((end == NULL) || (text == NULL) || (text > end) || ((size_t)(end - text - 2) > CONSOLE_LINE_MAX)) {
            return false;
        }
        p = end + 2;
    }
    return true;
}

/* REQ-CONS-01 */
static void t_split_at_128(void)
{
    char line[300];
    char expect[400];

    memset(&la, 0, sizeof(la));
    memset(line, 'x', sizeof(line));
    puts_vm(&la, "a", line, 127);
    CHECK_EQ(fake.console_len, 0);
    CHECK_EQ(la.len, 127);
    /* 130 bytes and a newline: 128, then 2 */
    puts_vm(&la, "a", line, 3);
    put_str(&la, "a", "\n");
    snprintf(expect, sizeof(expect), "[a] %.128s\r\n[a] xx\r\n", line);
    CHECK_STR(fake.console, expect);
    CHECK_EQ(la.len, 0);
    /* 300 bytes: nothing lost, no line over 128 */
    fake_console_clear();
    puts_vm(&la, "a", line, 300);
    CHECK(lines_within_max());
    CHECK_EQ(count_in(fake.console, "x") + la.len, 300);
    CHECK_LE(2, count_in(fake.console, "\r\n"));
}

/* A line of exactly CONSOLE_LINE_MAX characters is one line: the newline
 * that ends it must not produce an extra empty line. */
/* REQ-CONS-01 */
static void t_exact_128_line_no_blank(void)
{
    char line[CONSOLE_LINE_MAX];
    char expect[200];

    memset(&la, 0, sizeof(la));
    memset(line, 'y', sizeof(line));
    puts_vm(&la, "a", line, sizeof(line));
    put_str(&la, "a", "\n");
    snprintf(expect, sizeof(expect), "[a] %.128s\r\n", line);
    CHECK_STR(fake.console, expect);
    CHECK_EQ(count_in(fake.console, "[a] \r\n"), 0);
}

/* REQ-CONS-02 */
static void t_control_chars_replaced(void)
{
    static const char text[] = "\x1b[31mred\x07\tT\x7f\x01\x08" "\x00z\x9b\xc3\xa9";

    console_write_line("a", text, sizeof(text) - 1u);
    /* tab stays; ESC, BEL, DEL, ^A, BS and NUL become '.'; bytes >= 0x80
     * pass (UTF-8), as with the target's unsigned char */
    CHECK_STR(fake.console, "[a] .[31mred.\tT....z\x9b\xc3\xa9\r\n");
    fake_console_clear();
    /* a guest cannot forge another prefix on a line of its own: the
     * erase-line and cursor-to-column-1 sequences are dropped */
    memset(&la, 0, sizeof(la));
    put_str(&la, "a", "x\x1b[2K\x1b[1G[b] forged\n");
    CHECK_STR(fake.console, "[a] x[b] forged\r\n");
    /* the prefix itself is printed as given */
    fake_console_clear();
    console_write_line("p\tq", "", 0);
    CHECK_STR(fake.console, "[p\tq] \r\n");
}

/* REQ-CONS-01 */
static void t_no_mixing(void)
{
    memset(&la, 0, sizeof(la));
    memset(&lb, 0, sizeof(lb));
    console_vm_putc(&la, "a", 'h');
    console_vm_putc(&lb, "b", 'w');
    console_vm_putc(&la, "a", 'i');
    log_line("in between %u", 7u);
    console_vm_putc(&lb, "b", 'o');
    console_vm_putc(&lb, "b", '\n');
    console_vm_putc(&la, "a", '!');
    console_vm_putc(&la, "a", '\n');
    CHECK_STR(fake.console, "[hv] in between 7\r\n[b] wo\r\n[a] hi!\r\n");
}

static void putc_hc(uint32_t global, char c)
{
    struct vcpu *v = vc(global);

    memset(&v->exit, 0, sizeof(v->exit));
    v->exit.kind = EXIT_HYPERCALL;
    v->exit.arg[0] = 0xc6000002u; /* HV_CONSOLE_PUTC */
    v->exit.arg[1] = (uint8_t)c;
    fake.cpu = v->cfg->pcpu;
    exit_handle(&pcpus[v->cfg->pcpu], v);
}

/* VMs on different CPUs interleave their bytes; the lines stay whole. */
/* REQ-CONS-01 */
static void t_vm_lines_through_hypercalls_do_not_mix(void)
{
    static const char a_says[] = "AAAA\n";
    static const char b_says[] = "BBBBBB\n";
    uint32_t i;

    start_vms();
    for (i = 0u; i < 7u; i++) {
        if (i < 5u) {
            putc_hc(A0, a_says[i]);
        }
        putc_hc(B1, b_says[i]);
        putc_hc(C0, 'c');
    }
    CHECK_STR(fake.console, "[a] AAAA\r\n[b] BBBBBB\r\n");
    CHECK_EQ(vms[VM_C].console.len, 7);
}

/* A partial line left alone long enough (a prompt) is shown; typing
 * continues it on the same physical line. */
/* REQ-CONS-03 */
static void t_partial_line_shown_and_continued(void)
{
    uint64_t stale = arch_timer_ns_to_ticks(CONSOLE_PARTIAL_NS);

    memset(&la, 0, sizeof(la));
    put_str(&la, "a", "a# ");
    console_vm_flush_stale(&la, "a", la.last_ts + stale - 1u);
    CHECK_STR(fake.console, "");
    console_vm_flush_stale(&la, "a", la.last_ts + stale);
    CHECK_STR(fake.console, "[a] a# ");
    CHECK_EQ(la.len, 0);
    console_vm_flush_stale(&la, "a", la.last_ts + (2u * stale)); /* nothing new */
    put_str(&la, "a", "ls");
    console_vm_flush_stale(&la, "a", la.last_ts + stale);
    put_str(&la, "a", "\n");
    CHECK_STR(fake.console, "[a] a# ls\r\n");
}

/* Another VM's line (or the hypervisor's) ends the open partial line
 * first; the waiting VM's later bytes start with its prefix again. */
/* REQ-CONS-03 */
static void t_partial_line_ended_by_other_output(void)
{
    memset(&la, 0, sizeof(la));
    memset(&lb, 0, sizeof(lb));
    put_str(&la, "a", "a# ");
    console_vm_flush_stale(&la, "a", la.last_ts + arch_timer_ns_to_ticks(CONSOLE_PARTIAL_NS));
    put_str(&lb, "b", "hello\n");
    log_line("note");
    put_str(&la, "a", "x\n");
    CHECK_STR(fake.console, "[a] a# \r\n[b] hello\r\n[hv] note\r\n[a] x\r\n");
}

/* Escape sequences are dropped whole; a lone ESC takes one more byte. */
/* REQ-CONS-02 */
static void t_escape_sequences_dropped(void)
{
    memset(&la, 0, sizeof(la));
    put_str(&la, "a", "a# \x1b[6nls \x1b[1;32mgreen\x1b[0m\x1b" "c!\n");
    CHECK_STR(fake.console, "[a] a# ls green!\r\n");
}

/* An idle CPU shows stale partial lines of every VM. */
/* REQ-CONS-03 */
static void t_idle_flushes_stale_partial_line(void)
{
    start_vms();
    putc_hc(A0, '$');
    putc_hc(A0, ' ');
    vm_console_flush_stale();
    CHECK_STR(fake.console, "");
    fake.now += arch_timer_ns_to_ticks(CONSOLE_PARTIAL_NS);
    vm_console_flush_stale();
    CHECK_STR(fake.console, "[a] $ ");
}

static const struct test_case cases[] = {
    TEST(init),
    TEST(line_buffering),
    TEST(prefix_and_empty_line),
    TEST(carriage_return_dropped),
    TEST(split_at_128),
    TEST(exact_128_line_no_blank),
    TEST(control_chars_replaced),
    TEST(no_mixing),
    TEST(vm_lines_through_hypercalls_do_not_mix),
    TEST(partial_line_shown_and_continued),
    TEST(partial_line_ended_by_other_output),
    TEST(idle_flushes_stale_partial_line),
    TEST(escape_sequences_dropped),
};

int main(void)
{
    return check_run("test_console", cases, ARRAY_SIZE(cases));
}
