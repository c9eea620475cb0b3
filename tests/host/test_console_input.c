/* Host tests of the console input multiplexer (src/core/console_input.c)
 * feeding the real emulated PL011s: the default focus, the Ctrl-A escape
 * sequences and which VM receives each byte. The fake cfg_vms[] has VM 0
 * and VM 2 with an emulated console and VM 1 without (console_fakes.c). */
#include <stdio.h>
#include <string.h>
#include "console_input.h"
#include "vpl011.h"
#include "vm.h"
#include "console_fakes.h"

#define CTRL_A 0x01u
#define UART_FR      0x018u
#define UART_LCR_H   0x02cu
#define UART_FR_RXFE (1u << 4)
#define UART_LCR_FEN (1u << 4)

static struct vm vm0;
static struct vm vm2;
static struct vpl011 uart0;
static struct vpl011 uart2;
static struct vpl011 *uarts[3];
static struct vpl011 *const no_uarts[3] = { NULL, NULL, NULL };

/* Empty a UART's RX FIFO through DR into buf (NUL-terminated). */
static const char *drain(struct vpl011 *u)
{
    static char buf[64];
    size_t n = 0u;
    uint64_t v = 0u;

    while ((n + 1u) < sizeof(buf)) {
        if (!vpl011_ops.read(NULL, u, UART_FR, 4u, &v) || ((v & UART_FR_RXFE) != 0u)) {
            break;
        }
        if (!vpl011_ops.read(NULL, u, 0x000u, 4u, &v)) {
            break;
        }
        buf[n] = (char)v;
        n++;
    }
    buf[n] = '\0';
    return buf;
}

static void type(const char *s)
{
    while (*s != '\0') {
        console_input_byte((uint8_t)*s);
        s++;
    }
}

static void setup_uart(struct vpl011 *u, struct vm *vm, uint32_t index, uint32_t intid)
{
    memset(vm, 0, sizeof(*vm));
    memset(u, 0, sizeof(*u));
    vm->cfg = &cfg_vms[index];
    vm->index = (uint16_t)index;
    vpl011_init(u, vm, intid);
    /* FIFO on, as a driver sets it, so several typed bytes queue up. */
    if (!vpl011_ops.write(NULL, u, UART_LCR_H, 4u, UART_LCR_FEN)) {
        cf_fail(__FILE__, __LINE__, "LCR_H write rejected");
    }
}

static void setup(void)
{
    setup_uart(&uart0, &vm0, 0u, 33u);
    setup_uart(&uart2, &vm2, 2u, 34u);
    uarts[0] = &uart0;
    uarts[1] = NULL; /* VM 1: console = "hypercall" */
    uarts[2] = &uart2;
    console_input_init(uarts, 3u);
}

/* REQ-CONS-04 */
static void t_default_focus(void)
{
    CHECK_EQ(console_input_focus(), 0u);
    CHECK_STR(cf_console,
              "[hv] console input now goes to vm vm0 (Ctrl-A then a VM number switches)\r\n");
}

/* REQ-CONS-04 */
static void t_default_focus_skips_vms_without_uart(void)
{
    static struct vpl011 *const only2[3] = { NULL, NULL, &uart2 };

    cf_console_clear();
    console_input_init(only2, 3u);
    CHECK_EQ(console_input_focus(), 2u);
    CHECK_STR(cf_console,
              "[hv] console input now goes to vm vm2 (Ctrl-A then a VM number switches)\r\n");
    type("k");
    CHECK_STR(drain(&uart2), "k");
}

/* REQ-CONS-04 */
static void t_no_uart_at_all(void)
{
    cf_console_clear();
    console_input_init(no_uarts, 3u);
    CHECK_EQ(console_input_focus(), CONSOLE_INPUT_NO_FOCUS);
    CHECK_STR(cf_console, "[hv] console input: no VM has an emulated console, input is ignored\r\n");
    cf_console_clear();
    type("abc");
    console_input_byte(CTRL_A);
    type("1");
    CHECK_STR(cf_console,
              "[hv] vm 1 (vm1) has no emulated console: no VM takes console input\r\n");
    CHECK_EQ(console_input_focus(), CONSOLE_INPUT_NO_FOCUS);
    CHECK_STR(drain(&uart0), "");
    CHECK_STR(drain(&uart2), "");
}

/* REQ-CONS-04 */
static void t_bytes_go_to_focused_vm_only(void)
{
    type("ls\r");
    CHECK_STR(drain(&uart0), "ls\r");
    CHECK_STR(drain(&uart2), "");
}

/* REQ-CONS-04 */
static void t_ctrl_a_digit_switches(void)
{
    cf_console_clear();
    console_input_byte(CTRL_A);
    CHECK_STR(cf_console, ""); /* a lone Ctrl-A waits for the next byte */
    console_input_byte('2');
    CHECK_EQ(console_input_focus(), 2u);
    CHECK_STR(cf_console,
              "[hv] console input now goes to vm vm2 (Ctrl-A then a VM number switches)\r\n");
    type("xy");
    CHECK_STR(drain(&uart2), "xy");
    CHECK_STR(drain(&uart0), ""); /* the escape reached nobody */
    console_input_byte(CTRL_A);
    console_input_byte('0');
    CHECK_EQ(console_input_focus(), 0u);
    type("z");
    CHECK_STR(drain(&uart0), "z");
    CHECK_STR(drain(&uart2), "");
}

/* REQ-CONS-04 */
static void t_ctrl_a_ctrl_a_sends_one(void)
{
    console_input_byte(CTRL_A);
    console_input_byte(CTRL_A);
    CHECK_STR(drain(&uart0), "\x01");
    console_input_byte(CTRL_A); /* and the escape state was reset */
    console_input_byte('2');
    CHECK_EQ(console_input_focus(), 2u);
}

/* REQ-CONS-04 */
static void t_ctrl_a_other_sends_both(void)
{
    cf_console_clear();
    console_input_byte(CTRL_A);
    console_input_byte('x');
    type("y");
    CHECK_STR(drain(&uart0), "\x01xy");
    CHECK_STR(cf_console, "");
    CHECK_EQ(console_input_focus(), 0u);
}

/* REQ-CONS-04 */
static void t_switch_to_vm_without_uart_refused(void)
{
    cf_console_clear();
    console_input_byte(CTRL_A);
    console_input_byte('1');
    CHECK_EQ(console_input_focus(), 0u);
    CHECK_STR(cf_console,
              "[hv] vm 1 (vm1) has no emulated console: console input stays with vm vm0\r\n");
    type("q");
    CHECK_STR(drain(&uart0), "q");
}

/* REQ-CONS-04 */
static void t_switch_to_missing_vm_refused(void)
{
    cf_console_clear();
    console_input_byte(CTRL_A);
    console_input_byte('7');
    CHECK_EQ(console_input_focus(), 0u);
    CHECK_STR(cf_console, "[hv] there is no vm 7: console input stays with vm vm0\r\n");
    CHECK_STR(drain(&uart0), "");
}

/* REQ-CONS-04 */
static void t_help_lists_vms(void)
{
    const char *want =
        "[hv] console input: Ctrl-A N focuses vm N, Ctrl-A Ctrl-A sends one Ctrl-A, "
        "Ctrl-A h prints this list:\r\n"
        "[hv]   0: vm vm0 <- input goes here\r\n"
        "[hv]   1: vm vm1 (no emulated console)\r\n"
        "[hv]   2: vm vm2\r\n";

    cf_console_clear();
    console_input_byte(CTRL_A);
    console_input_byte('h');
    CHECK_STR(cf_console, want);
    cf_console_clear();
    console_input_byte(CTRL_A);
    console_input_byte('?');
    CHECK_STR(cf_console, want);
    CHECK_STR(drain(&uart0), "");
}

/* REQ-CONS-04 REQ-UART-02 */
static void t_full_fifo_drops(void)
{
    uint32_t i;

    for (i = 0u; i < VPL011_FIFO_DEPTH + 3u; i++) {
        console_input_byte((uint8_t)('a' + (i % 26u)));
    }
    CHECK_EQ(strlen(drain(&uart0)), VPL011_FIFO_DEPTH);
    CHECK_EQ(uart0.rx_dropped, 3u);
    type("!"); /* room again */
    CHECK_STR(drain(&uart0), "!");
}

/* REQ-CONS-04 REQ-UART-02 */
static void t_input_raises_uart_interrupt(void)
{
    /* The receive timeout interrupt tells the guest a byte is waiting. */
    if (!vpl011_ops.write(NULL, &uart0, 0x038u, 4u, 1u << 6)) {
        cf_fail(__FILE__, __LINE__, "IMSC write rejected");
    }
    type("a");
    CHECK_EQ(cf_irq_calls, 1u);
    CHECK(cf_irq_last);
    CHECK(cf_irq_dev == &uart0);
    CHECK_STR(drain(&uart0), "a");
    CHECK(!cf_irq_last);
}

static const struct cf_case cases[] = {
    TEST(default_focus),
    TEST(default_focus_skips_vms_without_uart),
    TEST(no_uart_at_all),
    TEST(bytes_go_to_focused_vm_only),
    TEST(ctrl_a_digit_switches),
    TEST(ctrl_a_ctrl_a_sends_one),
    TEST(ctrl_a_other_sends_both),
    TEST(switch_to_vm_without_uart_refused),
    TEST(switch_to_missing_vm_refused),
    TEST(help_lists_vms),
    TEST(full_fifo_drops),
    TEST(input_raises_uart_interrupt),
};

int main(void)
{
    return cf_run("test_console_input", cases, sizeof(cases) / sizeof(cases[0]), setup);
}
